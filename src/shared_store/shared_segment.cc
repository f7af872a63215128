#include "src/shared_store/shared_segment.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "src/common/status_macros.h"

namespace miniray {
namespace {

absl::Status ErrnoStatus(absl::string_view what, const std::string& name) {
  const int error = errno;
  const std::string message =
      absl::StrCat(what, " ", name, ": ", std::strerror(error));
  if (error == EEXIST) return absl::AlreadyExistsError(message);
  if (error == ENOENT) return absl::NotFoundError(message);
  if (error == ENOSPC || error == ENOMEM) {
    return absl::ResourceExhaustedError(message);
  }
  return absl::InternalError(message);
}

// Maps `size` bytes of `fd` read-only (nothing for an empty segment),
// with `flags` added to MAP_SHARED.
absl::StatusOr<void*> MapReadOnly(int fd, size_t size, int flags,
                                  const std::string& name) {
  if (size == 0) return nullptr;
  void* address = mmap(nullptr, size, PROT_READ, MAP_SHARED | flags, fd, 0);
  if (address == MAP_FAILED) return ErrnoStatus("mmap", name);
  return address;
}

}  // namespace

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::Create(
    const std::string& name, size_t size) {
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return ErrnoStatus("shm_open", name);
  // Only the size is set: Write takes the memory, and a full /dev/shm is
  // then its error (ENOSPC), where a write through the mapping would have
  // raised SIGBUS. The pages are mapped as they come (read faults), since
  // there are none yet to map at once.
  int error = 0;
  struct statvfs space;
  if (size > 0 && fstatvfs(fd, &space) == 0 &&
      static_cast<uint64_t>(space.f_bavail) * space.f_frsize < size) {
    error = ENOSPC;
  } else if (size > 0 && ftruncate(fd, static_cast<off_t>(size)) != 0) {
    error = errno;
  }
  absl::StatusOr<void*> address =
      error == 0 ? MapReadOnly(fd, size, 0, name)
                 : (errno = error, ErrnoStatus("allocating", name));
  if (!address.ok()) {
    close(fd);
    shm_unlink(name.c_str());
    return address.status();
  }
  const bool keep_file = size > 0;
  if (!keep_file) close(fd);
  return std::shared_ptr<SharedSegment>(new SharedSegment(
      name, *address, size, /*unlink_at_end=*/true, keep_file ? fd : -1));
}

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::CreateWith(
    const std::string& name, absl::string_view bytes) {
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      Create(name, bytes.size());
  if (!segment.ok() || bytes.empty()) return segment;
  RETURN_IF_ERROR((*segment)->Write(0, Payload::Borrowed(bytes)));
  return segment;
}

absl::Status SharedSegment::Write(size_t offset, const Payload& bytes) {
  if (offset > size_ || bytes.size() > size_ - offset) {
    return absl::OutOfRangeError(absl::StrCat("range ", offset, "+",
                                              bytes.size(), " past the end of ",
                                              name_, " (", size_, " bytes)"));
  }
  if (bytes.empty()) return absl::OkStatus();
  if (fd_ < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(name_, " is not open for writing"));
  }
  // One pwritev for up to kMaxPieces pieces; a short write (the kernel may
  // stop early) goes on from where it stopped.
  constexpr size_t kMaxPieces = 256;
  absl::Span<const Bytes> pieces = bytes.pieces();
  size_t skip = 0;  // bytes of pieces[0] already written
  size_t at = offset;
  while (!pieces.empty()) {
    struct iovec vectors[kMaxPieces];
    const size_t count = std::min(pieces.size(), kMaxPieces);
    for (size_t i = 0; i < count; ++i) {
      const size_t from = i == 0 ? skip : 0;
      vectors[i].iov_base = const_cast<char*>(pieces[i].data() + from);
      vectors[i].iov_len = pieces[i].size() - from;
    }
    ssize_t n = pwritev(fd_, vectors, static_cast<int>(count),
                        static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      return ErrnoStatus("writing", name_);
    }
    at += static_cast<size_t>(n);
    while (n > 0) {  // drops the pieces written whole
      const size_t left = pieces[0].size() - skip;
      if (static_cast<size_t>(n) < left) {
        skip += static_cast<size_t>(n);
        break;
      }
      n -= static_cast<ssize_t>(left);
      pieces.remove_prefix(1);
      skip = 0;
    }
  }
  written_ += bytes.size();
  if (written_ >= size_) {
    close(fd_);  // all written: the file is not needed any more
    fd_ = -1;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::Open(
    const std::string& name, bool unlink_at_end) {
  const int fd = shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return ErrnoStatus("shm_open", name);
  struct stat info;
  if (fstat(fd, &info) != 0) {
    absl::Status status = ErrnoStatus("fstat", name);
    close(fd);
    return status;
  }
  const size_t size = static_cast<size_t>(info.st_size);
  // The pages are there (the writer wrote them all): mapping them in one
  // call costs a tenth of faulting them in one by one as they are read.
  absl::StatusOr<void*> address = MapReadOnly(fd, size, MAP_POPULATE, name);
  close(fd);
  if (!address.ok()) return address.status();
  return std::shared_ptr<SharedSegment>(new SharedSegment(
      name, *address, size, unlink_at_end, /*fd=*/-1));
}

absl::StatusOr<Bytes> SharedSegment::ReadRange(const std::string& name,
                                               size_t offset, size_t size) {
  const int fd = shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return ErrnoStatus("shm_open", name);
  // Not zeroed first: every byte is read over.
  std::shared_ptr<char[]> buffer(new char[std::max<size_t>(size, 1)]);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = pread(fd, buffer.get() + done, size - done,
                            static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const int error = errno;
  close(fd);
  if (done < size) {
    errno = error;
    return absl::OutOfRangeError(absl::StrCat(
        "reading ", offset, "+", size, " of ", name, ": only ", done,
        " bytes"));
  }
  const absl::string_view view(buffer.get(), size);
  return Bytes::Wrap(std::move(buffer), view);
}

SharedSegment::~SharedSegment() {
  if (address_ != nullptr) munmap(const_cast<void*>(address_), size_);
  if (fd_ >= 0) close(fd_);
  if (unlink_at_end_) shm_unlink(name_.c_str());
}

Bytes SharedSegment::AsBytes(std::shared_ptr<const SharedSegment> segment) {
  const absl::string_view view = segment->view();
  return Bytes::Wrap(std::move(segment), view);
}

std::string SharedSegment::PrefixOfProcess(int pid) {
  return absl::StrCat("/miniray.", pid, ".");
}

int SharedSegment::UnlinkOrphans() {
  DIR* dir = opendir("/dev/shm");
  if (dir == nullptr) return 0;
  std::vector<int> pids;
  while (const dirent* entry = readdir(dir)) {
    absl::string_view name = entry->d_name;
    if (!absl::ConsumePrefix(&name, "miniray.")) continue;
    int pid = 0;
    if (!absl::SimpleAtoi(name.substr(0, name.find('.')), &pid) || pid <= 0) {
      continue;
    }
    if (kill(pid, 0) != 0 && errno == ESRCH) pids.push_back(pid);
  }
  closedir(dir);
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  int unlinked = 0;
  for (int pid : pids) unlinked += UnlinkAll(PrefixOfProcess(pid));
  return unlinked;
}

int SharedSegment::UnlinkAll(absl::string_view prefix) {
  // shm_open names live in /dev/shm on Linux (glibc), without the '/'.
  absl::string_view file_prefix = prefix;
  if (absl::StartsWith(file_prefix, "/")) file_prefix.remove_prefix(1);
  DIR* dir = opendir("/dev/shm");
  if (dir == nullptr) return 0;
  std::vector<std::string> names;
  while (const dirent* entry = readdir(dir)) {
    if (absl::StartsWith(entry->d_name, file_prefix)) {
      names.push_back(absl::StrCat("/", entry->d_name));
    }
  }
  closedir(dir);
  int unlinked = 0;
  for (const std::string& name : names) {
    if (shm_unlink(name.c_str()) == 0) ++unlinked;
  }
  return unlinked;
}

}  // namespace miniray
