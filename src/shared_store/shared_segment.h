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
//       SharedSegment::Create("/miniray.1234.5.1.7.1", bytes.size());
//   std::memcpy((*out)->mutable_data(), bytes.data(), bytes.size());
//   ... the store service: SharedSegment::Open(name, /*unlink_at_end=*/true)
//   Bytes object = Bytes::Wrap(*segment, (*segment)->view());
//
// A segment filled piece by piece as its bytes arrive (a pulled object) is
// made with CreateUnallocated and each piece is prepared just before it is
// written: its memory is then allocated and mapped a piece at a time, so
// that no single call stops the caller's loop for the whole size:
//
//   auto segment = SharedSegment::CreateUnallocated(name, size);
//   (*segment)->PrepareInBackground(8 << 20);  // optional: a helper thread
//   RETURN_IF_ERROR((*segment)->Prepare(offset, piece.size()));
//   std::memcpy((*segment)->mutable_data() + offset, piece.data(), ...);
//
// One thread uses a segment (and destroys it); the helper thread of
// PrepareInBackground is its own business.
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

namespace miniray {

class SharedSegment {
 public:
  // Creates segment `name` (which must not exist: AlreadyExists) of `size`
  // bytes, mapped read-write. Unlinked when this object goes, unless
  // Release is called (the store took it over).
  static absl::StatusOr<std::shared_ptr<SharedSegment>> Create(
      const std::string& name, size_t size);
  // As Create, but no memory is allocated yet: each range must be
  // prepared (Prepare) before it is written, or a write past the memory
  // left in /dev/shm would raise SIGBUS instead of returning an error.
  // ResourceExhausted if /dev/shm has less than `size` free now (others
  // may take it meanwhile: then Prepare fails).
  static absl::StatusOr<std::shared_ptr<SharedSegment>> CreateUnallocated(
      const std::string& name, size_t size);
  // As Create, with a copy of `bytes` as the contents.
  static absl::StatusOr<std::shared_ptr<SharedSegment>> CreateWith(
      const std::string& name, absl::string_view bytes);
  // Maps existing segment `name` read-only (NotFound if it does not exist).
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
  // Only for a segment made by Create.
  char* mutable_data() { return static_cast<char*>(address_); }
  // Allocates the memory of bytes [offset, offset + size) of a segment made
  // by Create or CreateUnallocated (a no-op where it already is) and maps it
  // writable in this process, all at once: writing the range then takes no
  // page faults, which cost more, one page at a time, than the kernel's
  // filling of the page table in one call. ResourceExhausted when /dev/shm
  // has no room left; OutOfRange past the end.
  // After PrepareInBackground, it only waits until the helper thread has
  // done the range (or failed: its error).
  absl::Status Prepare(size_t offset, size_t size);
  // Starts allocating and mapping the whole of a segment made by
  // CreateUnallocated on a helper thread, front to back in pieces of
  // `step_bytes`, so that a writer that calls Prepare before each piece it
  // writes finds it done: the kernel's work on fresh memory (about half a
  // second per GiB on a VM) runs beside the writer's loop instead of on it.
  // Call at most once, before any Prepare; the destructor stops and joins
  // the thread. Prepare and the destructor must be called from one thread.
  void PrepareInBackground(size_t step_bytes);
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
                bool unlink_at_end, int fd, bool allocated)
      : name_(std::move(name)),
        address_(address),
        size_(size),
        unlink_at_end_(unlink_at_end),
        fd_(fd),
        allocated_(allocated) {}
  // Creates and maps segment `name`, allocating all of it when `allocate`.
  static absl::StatusOr<std::shared_ptr<SharedSegment>> CreateAndMap(
      const std::string& name, size_t size, bool allocate);

  const std::string name_;
  void* const address_;  // null for an empty segment (nothing mapped)
  const size_t size_;
  bool unlink_at_end_;
  // A segment this process created keeps its file open while Prepare may
  // still have to allocate through it: until its whole size was prepared
  // (in order: prepared_end_ is the end of the prepared prefix). -1 for a
  // segment opened read-only.
  int fd_;
  const bool allocated_;  // all its memory was allocated at creation
  size_t prepared_end_ = 0;
  // Allocates (unless allocated_) and maps bytes [offset, offset + size).
  absl::Status AllocateAndMap(size_t offset, size_t size);
  // The helper thread of PrepareInBackground, which then alone uses fd_
  // (and closes it when done); null without one.
  struct Background;
  void RunBackground(size_t step_bytes);
  std::shared_ptr<Background> background_;
};

}  // namespace miniray

#endif  // MINIRAY_SHARED_STORE_SHARED_SEGMENT_H_
