#include "src/shared_store/shared_segment.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

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

// Maps `size` bytes of `fd` (nothing for an empty segment) and closes it.
absl::StatusOr<void*> MapAndClose(int fd, size_t size, bool writable,
                                  const std::string& name) {
  void* address = nullptr;
  if (size > 0) {
    address = mmap(nullptr, size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                   MAP_SHARED, fd, 0);
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
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return ErrnoStatus("shm_open", name);
  // Allocated now, not at the first write: a full /dev/shm is an error
  // here (ENOSPC), not a SIGBUS in the middle of a copy.
  if (size > 0) {
    const int error = posix_fallocate(fd, 0, static_cast<off_t>(size));
    if (error != 0) {
      errno = error;
      absl::Status status = ErrnoStatus("posix_fallocate", name);
      close(fd);
      shm_unlink(name.c_str());
      return status;
    }
  }
  absl::StatusOr<void*> address = MapAndClose(fd, size, true, name);
  if (!address.ok()) {
    shm_unlink(name.c_str());
    return address.status();
  }
  return std::shared_ptr<SharedSegment>(
      new SharedSegment(name, *address, size, /*unlink_at_end=*/true));
}

absl::StatusOr<std::shared_ptr<SharedSegment>> SharedSegment::CreateWith(
    const std::string& name, absl::string_view bytes) {
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      Create(name, bytes.size());
  if (segment.ok() && !bytes.empty()) {
    std::memcpy((*segment)->mutable_data(), bytes.data(), bytes.size());
  }
  return segment;
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
  absl::StatusOr<void*> address = MapAndClose(fd, size, false, name);
  if (!address.ok()) return address.status();
  return std::shared_ptr<SharedSegment>(
      new SharedSegment(name, *address, size, unlink_at_end));
}

SharedSegment::~SharedSegment() {
  if (address_ != nullptr) munmap(address_, size_);
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
