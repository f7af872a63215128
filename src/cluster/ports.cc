#include "src/cluster/ports.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"

namespace miniray {

// Ports are picked at random from [kFirstPickedPort, first ephemeral port).
constexpr int kFirstPickedPort = 10000;
constexpr int kAttemptsMax = 100;

namespace {

// The first port the kernel hands out on its own (to bind(0) and to
// outgoing connections), from /proc; Linux's default if it cannot be read.
int FirstEphemeralPort() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0, high = 0;
  if (range >> low >> high && low > kFirstPickedPort + 1000) return low;
  return 32768;
}

// Whether nothing is bound to `port` on `address` (it binds and closes).
absl::StatusOr<bool> IsFree(sockaddr_in address, int port) {
  address.sin_port = htons(static_cast<uint16_t>(port));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("socket: ", strerror(errno)));
  }
  const bool free =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return free;
}

}  // namespace

absl::StatusOr<int> PickFreePort(const std::string& host) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an IPv4 address: \"", host, "\""));
  }
  // Below the kernel's ephemeral range, so that no bind(0) and no outgoing
  // connection of another process takes the port between now and Listen.
  static thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(kFirstPickedPort,
                                          FirstEphemeralPort() - 1);
  for (int attempt = 0; attempt < kAttemptsMax; ++attempt) {
    const int port = pick(rng);
    absl::StatusOr<bool> free = IsFree(address, port);
    if (!free.ok()) return free.status();
    if (*free) return port;
  }
  return absl::UnavailableError(absl::StrCat(
      "cannot find a free port on ", host, " after ", kAttemptsMax, " tries"));
}

}  // namespace miniray
