// Free loopback ports for the processes of a real cluster.
//
//   absl::StatusOr<int> port = PickFreePort("127.0.0.1");
//   if (!port.ok()) return port.status();
//   Address gcs = absl::StrCat("127.0.0.1:", *port);
//
// The port is free when PickFreePort returns: it is drawn at random below
// the kernel's ephemeral range and checked by binding it. Being outside that
// range, it cannot be taken meanwhile by another process's bind(0) or
// outgoing connection; only another picker could take it (rare: the range
// is wide). Listeners report AlreadyExists then, and callers that can pick
// another port do. Thread-safe.
#ifndef MINIRAY_CLUSTER_PORTS_H_
#define MINIRAY_CLUSTER_PORTS_H_

#include <string>

#include "absl/status/statusor.h"

namespace miniray {

// A TCP port on `host` (an IPv4 address) that nothing listens on right now.
absl::StatusOr<int> PickFreePort(const std::string& host);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_PORTS_H_
