// Free loopback ports for the processes of a real cluster.
//
//   absl::StatusOr<int> port = PickFreePort("127.0.0.1");
//   if (!port.ok()) return port.status();
//   Address gcs = absl::StrCat("127.0.0.1:", *port);
//
// The port is free when PickFreePort returns: it binds port 0, reads the
// port the kernel chose and closes the socket. Another process may take it
// before we listen on it (the kernel hands out ephemeral ports in turn, so
// this is rare); listeners report AlreadyExists then, and callers that can
// pick another port do. Thread-safe.
#ifndef MINIRAY_CLUSTER_PORTS_H_
#define MINIRAY_CLUSTER_PORTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace miniray {

// A TCP port on `host` (an IPv4 address) that nothing listens on right now.
absl::StatusOr<int> PickFreePort(const std::string& host);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_PORTS_H_
