#include "src/shared_store/shared_segment.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "src/common/status_macros.h"

namespace miniray {
namespace {

// madvise(2)'s MADV_POPULATE_WRITE (Linux 5.14), which older headers lack.
#ifdef MADV_POPULATE_WRITE
constexpr int kMadvisePopulateWrite = MADV_POPULATE_WRITE;
#else
constexpr int kMadvisePopulateWrite = 23;
#endif

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

// Maps `size` bytes of `fd` read-only (nothing for an empty segment) and
// closes it.
absl::StatusOr<void*> MapAndClose(int fd, size_t size,
                                  const std::string& name) {
  void* address = nullptr;
  if (size > 0) {
    address = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) {
      absl::Status status = ErrnoStatus("mmap", name);
      close(fd);
      return status;
    }
  }
  close(fd);
  return address;
}

}  // namespace

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::Create(
    const std::string& name, size_t size) {
  return CreateAndMap(name, size, /*allocate=*/true);
}

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::CreateUnallocated(
    const std::string& name, size_t size) {
  return CreateAndMap(name, size, /*allocate=*/false);
}

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::CreateAndMap(
    const std::string& name, size_t size, bool allocate) {
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return ErrnoStatus("shm_open", name);
  // Allocated now, not at the first write: a full /dev/shm is an error
  // here (ENOSPC), not a SIGBUS in the middle of a copy. Unallocated, it
  // only has its size, and Prepare allocates it range by range.
  int error = 0;
  struct statvfs space;
  if (size > 0 && allocate) {
    error = posix_fallocate(fd, 0, static_cast<off_t>(size));
  } else if (size > 0 && fstatvfs(fd, &space) == 0 &&
             static_cast<uint64_t>(space.f_bavail) * space.f_frsize < size) {
    error = ENOSPC;
  } else if (size > 0 && ftruncate(fd, static_cast<off_t>(size)) != 0) {
    error = errno;
  }
  if (error != 0) {
    errno = error;
    absl::Status status = ErrnoStatus("allocating", name);
    close(fd);
    shm_unlink(name.c_str());
    return status;
  }
  void* address = nullptr;
  if (size > 0) {
    address = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) {
      absl::Status status = ErrnoStatus("mmap", name);
      close(fd);
      shm_unlink(name.c_str());
      return status;
    }
  }
  // An allocated segment's file is needed only to be mapped.
  const bool keep_file = !allocate && size > 0;
  if (!keep_file) close(fd);
  return std::shared_ptr<SharedSegment>(
      new SharedSegment(name, address, size, /*unlink_at_end=*/true,
                        keep_file ? fd : -1, !keep_file));
}

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::CreateWith(
    const std::string& name, absl::string_view bytes) {
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      Create(name, bytes.size());
  if (!segment.ok() || bytes.empty()) return segment;
  // Mapped in one call rather than a page fault per page of the copy.
  absl::Status prepared = (*segment)->Prepare(0, bytes.size());
  if (!prepared.ok()) return prepared;
  std::memcpy((*segment)->mutable_data(), bytes.data(), bytes.size());
  return segment;
}

// What the helper thread of PrepareInBackground shares with Prepare.
struct SharedSegment::Background {
  std::thread thread;
  std::mutex mutex;
  std::condition_variable changed;
  size_t done_end = 0;  // bytes [0, done_end) are allocated and mapped
  absl::Status status;  // the thread's error, if it stopped on one
  bool finished = false;
  bool stop = false;  // set by the destructor
};

absl::Status SharedSegment::Prepare(size_t offset, size_t size) {
  if (offset > size_ || size > size_ - offset) {
    return absl::OutOfRangeError(absl::StrCat("range ", offset, "+", size,
                                              " past the end of ", name_, " (",
                                              size_, " bytes)"));
  }
  if (size == 0) return absl::OkStatus();
  if (background_ != nullptr) {
    Background& background = *background_;
    std::unique_lock<std::mutex> lock(background.mutex);
    background.changed.wait(lock, [&] {
      return background.done_end >= offset + size || background.finished;
    });
    if (background.done_end >= offset + size) return absl::OkStatus();
    return background.status.ok()
               ? absl::InternalError("the preparing thread stopped")
               : background.status;
  }
  if (!allocated_ && offset + size > prepared_end_ && fd_ < 0) {
    return absl::FailedPreconditionError("not a created segment");
  }
  RETURN_IF_ERROR(AllocateAndMap(offset, size));
  if (!allocated_ && offset <= prepared_end_) {
    prepared_end_ = std::max(prepared_end_, offset + size);
  }
  if (!allocated_ && prepared_end_ == size_ && fd_ >= 0) {
    close(fd_);  // all allocated: the file is not needed any more
    fd_ = -1;
  }
  return absl::OkStatus();
}

absl::Status SharedSegment::AllocateAndMap(size_t offset, size_t size) {
  if (!allocated_ && offset + size > prepared_end_) {
    // Allocating a range allocated already only walks its pages.
    const int error = posix_fallocate(fd_, static_cast<off_t>(offset),
                                      static_cast<off_t>(size));
    if (error != 0) {
      errno = error;
      return ErrnoStatus("posix_fallocate", name_);
    }
  }
  // The memory is there; mapping it now is only faster than faulting it in
  // page by page, so a kernel without MADV_POPULATE_WRITE (before Linux
  // 5.14: EINVAL) or any other failure here leaves the faults to the writer.
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t begin = offset / page * page;
  const size_t end = std::min((offset + size + page - 1) / page * page,
                              (size_ + page - 1) / page * page);
  madvise(static_cast<char*>(address_) + begin, end - begin,
          kMadvisePopulateWrite);
  return absl::OkStatus();
}

void SharedSegment::PrepareInBackground(size_t step_bytes) {
  if (allocated_ || fd_ < 0 || background_ != nullptr || size_ == 0) return;
  background_ = std::make_shared<Background>();
  background_->thread =
      std::thread([this, step_bytes] { RunBackground(step_bytes); });
}

void SharedSegment::RunBackground(size_t step_bytes) {
  const size_t step = std::max<size_t>(step_bytes, 1);
  Background& background = *background_;
  absl::Status status;
  for (size_t offset = 0; offset < size_ && status.ok(); offset += step) {
    {
      std::lock_guard<std::mutex> lock(background.mutex);
      if (background.stop) break;
    }
    const size_t size = std::min(step, size_ - offset);
    status = AllocateAndMap(offset, size);
    if (!status.ok()) break;
    std::lock_guard<std::mutex> lock(background.mutex);
    background.done_end = offset + size;
    background.changed.notify_all();
  }
  close(fd_);
  fd_ = -1;  // read by others only after join
  std::lock_guard<std::mutex> lock(background.mutex);
  background.status = status;
  background.finished = true;
  background.changed.notify_all();
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
  absl::StatusOr<void*> address = MapAndClose(fd, size, name);
  if (!address.ok()) return address.status();
  return std::shared_ptr<SharedSegment>(
      new SharedSegment(name, *address, size, unlink_at_end, /*fd=*/-1,
                        /*allocated=*/true));
}

SharedSegment::~SharedSegment() {
  if (background_ != nullptr) {
    {
      std::lock_guard<std::mutex> lock(background_->mutex);
      background_->stop = true;
    }
    background_->thread.join();
  }
  if (address_ != nullptr) munmap(address_, size_);
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
