// SharedSegment: one POSIX shared-memory object, mapped into this process.
//
// The node's store keeps each object a worker process reads or writes in a
// segment of its own (/dev/shm/<name>). The writer creates the segment,
// fills it and hands its name to the store; readers map it read-only and
// decode the bytes where they lie. A mapping outlives the name: once a
// process has mapped a segment, unlinking the name (the store freed the
// object) leaves the bytes readable until the mapping goes.
//
//   absl::StatusOr<std::shared_ptr<SharedSegment>> out =
//       SharedSegment::CreateWith("/miniray.1234.5.1.7.1", bytes);
//   ... the store service: SharedSegment::Open(name, /*unlink_at_end=*/true)
//   Bytes object = SharedSegment::AsBytes(*segment);
//
// A segment filled piece by piece as its bytes arrive (a pulled object) is
// created empty and written a piece at a time:
//
//   auto segment = SharedSegment::Create(name, size);
//   RETURN_IF_ERROR((*segment)->Write(offset, piece));
//
// Writers fill a segment through its file (pwrite), never its mapping: on a
// VM, a process's first write to each page of a mapping costs several
// microseconds, many times the kernel's own copy into the page, and a
// reader then maps the finished segment's pages in one call
// (bench/shm_bench.cc; docs/real-cluster.md, section 9.5).
//
// One thread uses a segment.
//
// Names follow shm_open(3): one leading '/', no other '/'.
#ifndef MINIRAY_SHARED_STORE_SHARED_SEGMENT_H_
#define MINIRAY_SHARED_STORE_SHARED_SEGMENT_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/common/bytes.h"
#include "src/runtime/payload.h"

namespace miniray {

class SharedSegment {
 public:
  // Creates segment `name` (which must not exist: AlreadyExists) of `size`
  // bytes, to be filled with Write; its memory is taken as it is written.
  // ResourceExhausted if /dev/shm has less than `size` free now (others
  // may take it meanwhile: then Write fails). Unlinked when this object
  // goes, unless Release is called (the store took it over).
  static absl::StatusOr<std::shared_ptr<SharedSegment>> Create(
      const std::string& name, size_t size);
  // As Create, with a copy of `bytes` as the contents.
  static absl::StatusOr<std::shared_ptr<SharedSegment>> CreateWith(
      const std::string& name, absl::string_view bytes);
  // Maps existing segment `name` read-only, its pages all at once (NotFound
  // if it does not exist).
  // With `unlink_at_end`, this mapping owns the name: it is unlinked when
  // this object goes.
  static absl::StatusOr<std::shared_ptr<SharedSegment>> Open(
      const std::string& name, bool unlink_at_end);

  ~SharedSegment();
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;

  const std::string& name() const { return name_; }
  size_t size() const { return size_; }
  absl::string_view view() const {
    return absl::string_view(static_cast<const char*>(address_), size_);
  }
  // Copies `bytes` (all its pieces, in one call) to [offset, offset +
  // bytes.size()) of a segment made by Create. ResourceExhausted when
  // /dev/shm has no room left; OutOfRange past the end; FailedPrecondition
  // once the segment's whole size was written (then the file is closed) or
  // for a segment opened.
  absl::Status Write(size_t offset, const Payload& bytes);
  // A copy of bytes [offset, offset + size) of existing segment `name`,
  // read from its file (pread) rather than through a mapping: on a VM, a
  // process's first read of each page of a mapping costs several times
  // the kernel's copy. NotFound if the segment does not exist; OutOfRange
  // if it holds fewer bytes.
  static absl::StatusOr<Bytes> ReadRange(const std::string& name,
                                         size_t offset, size_t size);
  // The name is no longer ours to unlink.
  void Release() { unlink_at_end_ = false; }

  // The segment's bytes as Bytes that keep the mapping alive.
  static Bytes AsBytes(std::shared_ptr<const SharedSegment> segment);

  // Unlinks every segment whose name starts with `prefix` (a store's
  // segments left behind by a process that was killed). Returns how many.
  static int UnlinkAll(absl::string_view prefix);

  // The segment name prefix of the store of process `pid`:
  // "/miniray.<pid>.".
  static std::string PrefixOfProcess(int pid);
  // Unlinks the segments of stores whose process no longer runs (a node
  // killed with SIGKILL cannot clean up after itself). Returns how many.
  static int UnlinkOrphans();

 private:
  SharedSegment(std::string name, void* address, size_t size,
                bool unlink_at_end, int fd)
      : name_(std::move(name)),
        address_(address),
        size_(size),
        unlink_at_end_(unlink_at_end),
        fd_(fd) {}

  const std::string name_;
  const void* const address_;  // null for an empty segment (nothing mapped)
  const size_t size_;
  bool unlink_at_end_;
  // A segment this process created keeps its file open for Write until as
  // many bytes as its size were written (writes do not overlap). -1 for a
  // segment opened, or written whole.
  int fd_;
  size_t written_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_SHARED_STORE_SHARED_SEGMENT_H_
