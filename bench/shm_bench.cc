// shm_bench: what it costs, on this machine, to fill a shared-memory
// segment and to read one, each way the object store could. Prints one
// line per way, in GB/s of the segment's bytes:
//
//   bazel run -c opt //bench:shm_bench -- --mib=1024
//
// Writing through a fresh mapping takes a page fault per page; on a VM
// each fault may cost microseconds, where the kernel's own copy into the
// file (pwrite) takes none. Reading through a new mapping costs a fault
// (or, populated, a first touch) per page too, where pread copies. These
// figures are why SharedSegment writes with pwrite, maps readers with
// MAP_POPULATE and the object manager sends chunks read with pread
// (docs/real-cluster.md, section 9.5).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "gflags/gflags.h"

DEFINE_int32(mib, 1024, "segment size, MiB");

namespace {

constexpr size_t kChunk = 4 << 20;  // the copies go in pieces of this size

double Seconds(const std::function<void()>& body) {
  const auto start = std::chrono::steady_clock::now();
  body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

// A new segment of `size` bytes: its file, unlinked (it goes when closed).
int NewSegment(size_t size) {
  const std::string name = "/miniray-shm-bench." + std::to_string(getpid());
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) {
    perror("shm_open");
    _exit(1);
  }
  shm_unlink(name.c_str());
  return fd;
}

char* Map(int fd, size_t size, int prot, int flags) {
  void* address = mmap(nullptr, size, prot, MAP_SHARED | flags, fd, 0);
  if (address == MAP_FAILED) {
    perror("mmap");
    _exit(1);
  }
  return static_cast<char*>(address);
}

// Reads a byte of every page, as a reader that looks at all of it.
long Touch(const char* bytes, size_t size) {
  long sum = 0;
  for (size_t i = 0; i < size; i += 4096) {
    sum += static_cast<const volatile char*>(bytes)[i];
  }
  return sum;
}

void Report(const char* what, size_t size, double seconds) {
  std::printf("%-44s %7.3f s  %6.2f GB/s\n", what, seconds,
              static_cast<double>(size) / seconds / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  const size_t size = static_cast<size_t>(FLAGS_mib) << 20;
  std::vector<char> chunk(kChunk, 'x');
  long sink = 0;

  int fd = NewSegment(size);
  char* map = Map(fd, size, PROT_READ | PROT_WRITE, 0);
  Report("write through a fresh mapping (memcpy)", size, Seconds([&] {
           for (size_t at = 0; at < size; at += kChunk) {
             std::memcpy(map + at, chunk.data(), std::min(kChunk, size - at));
           }
         }));
  munmap(map, size);
  close(fd);

  fd = NewSegment(size);
  Report("write through the file (pwrite)", size, Seconds([&] {
           for (size_t at = 0; at < size; at += kChunk) {
             if (pwrite(fd, chunk.data(), std::min(kChunk, size - at),
                        static_cast<off_t>(at)) < 0) {
               perror("pwrite");
             }
           }
         }));
  Report("read: map, then touch every page", size, Seconds([&] {
           map = Map(fd, size, PROT_READ, 0);
           sink += Touch(map, size);
         }));
  munmap(map, size);
  Report("read: map populated (MAP_POPULATE) only", size,
         Seconds([&] { map = Map(fd, size, PROT_READ, MAP_POPULATE); }));
  Report("      then touch every page", size,
         Seconds([&] { sink += Touch(map, size); }));
  Report("      touch every page again", size,
         Seconds([&] { sink += Touch(map, size); }));
  munmap(map, size);
  Report("read through the file (pread, one buffer)", size, Seconds([&] {
           for (size_t at = 0; at < size; at += kChunk) {
             if (pread(fd, chunk.data(), std::min(kChunk, size - at),
                       static_cast<off_t>(at)) < 0) {
               perror("pread");
             }
           }
         }));
  close(fd);
  std::printf("(checksum %ld)\n", sink);
  return 0;
}
