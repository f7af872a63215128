// Which of this machine's IPv4 addresses a node should listen on and
// advertise, so that the other machines of the cluster can reach it.
//
//   // A worker joining the head at 10.0.0.5:6379 listens on the address of
//   // the interface its packets to the head leave from:
//   absl::StatusOr<std::string> ip = LocalAddressToward("10.0.0.5");
//   // The head, with nobody to ask yet: the interface of the default route.
//   absl::StatusOr<std::string> ip = LocalAddressToward(kDefaultRouteProbe);
//
// No packet is sent: the kernel is asked which source address a UDP socket
// connected to `host` would use (the routing table decides). Behind NAT the
// head may see another address; pass --node-ip-address then. Thread-safe.
#ifndef MINIRAY_CLUSTER_NODE_IP_H_
#define MINIRAY_CLUSTER_NODE_IP_H_

#include <string>

#include "absl/status/statusor.h"

namespace miniray {

// An address outside any private network, only used to ask the routing
// table for the default route's interface (never contacted).
inline constexpr char kDefaultRouteProbe[] = "8.8.8.8";

// This machine's IPv4 address on the route to `host` (a name or an IPv4
// address). Unavailable if `host` does not resolve or there is no route.
absl::StatusOr<std::string> LocalAddressToward(const std::string& host);

// Whether `ip` is an IPv4 loopback address (127.0.0.0/8) or "localhost".
bool IsLoopback(const std::string& ip);

// "host:port" split; InvalidArgument if it is not of that shape.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(
    const std::string& address);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_NODE_IP_H_
