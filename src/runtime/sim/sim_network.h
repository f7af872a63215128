// SimNetwork: the simulator's Transport, a model of the cluster's network.
//
// Every message is delivered through the event loop after the time it would
// take on a real network: it waits for its link to be free, occupies it for
// size / bandwidth, then travels for the link's latency. Links are directed
// pairs of hosts (nodes), each with its own queue, so a large object
// transfer delays later messages on the same link but not others. Messages
// between two processes of one host take the local latency only.
//
//   SimNetwork net(loop, {.latency = absl::Microseconds(100),
//                         .bandwidth_bytes_per_s = 1.25e9});
//   net.Listen("worker-3:7000", handler);
//   net.Call("head:7000", "worker-3:7000", "Raylet.RequestWorkerLease", ...);
//
// A call to an address nobody listens on, on a host that is up, fails with
// Unavailable after a round trip (the connection is refused). A host that is
// down swallows messages: the caller hears nothing unless its call has a
// timeout. Every message is mixed into the loop's fingerprint.
// Single-threaded, on the loop's thread.
#ifndef MINIRAY_RUNTIME_SIM_SIM_NETWORK_H_
#define MINIRAY_RUNTIME_SIM_SIM_NETWORK_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/transport.h"

namespace miniray {

class SimNetwork : public Transport {
 public:
  struct Options {
    absl::Duration latency = absl::Microseconds(100);
    double bandwidth_bytes_per_s = 1.25e9;  // 10 Gbps
    absl::Duration local_latency = absl::Microseconds(10);
  };
  struct Stats {
    uint64_t messages = 0;
    uint64_t bytes = 0;             // all messages, requests and replies
    uint64_t bytes_between_hosts = 0;
  };

  SimNetwork(SimLoop& loop, Options options);

  // Overrides the model of the link between hosts `a` and `b`, both ways.
  void SetLink(absl::string_view a, absl::string_view b,
               absl::Duration latency, double bandwidth_bytes_per_s);
  // A host that is down drops every message sent to or from it.
  void SetHostUp(absl::string_view host, bool up);

  absl::Status Listen(const Address& address, RequestHandler handler) override;
  void Close(const Address& address) override;
  void Call(const Address& from, const Address& to, absl::string_view method,
            std::string request, const CallOptions& options,
            ReplyCallback on_reply) override;

  const Stats& stats() const { return stats_; }

 private:
  struct Link {
    absl::Duration latency;
    double bandwidth_bytes_per_s;
    int64_t busy_until_ns = 0;
  };
  struct PendingCall {
    ReplyCallback on_reply;
    Address from;
    TimerId timeout_timer = 0;
  };

  // Host index of an address ("host:port"), registering new hosts.
  uint32_t HostOf(absl::string_view address);
  // Puts `bytes` on the link from host `src` to `dst`; returns arrival time.
  absl::Time Transmit(uint32_t src, uint32_t dst, int64_t bytes);
  Link& LinkBetween(uint32_t src, uint32_t dst);
  void Deliver(uint64_t call_id, const Address& from, const Address& to,
               const std::string& method, std::string request);
  void SendReply(uint64_t call_id, uint32_t src, uint32_t dst,
                 absl::StatusOr<std::string> reply);
  void Complete(uint64_t call_id, absl::StatusOr<std::string> reply);

  SimLoop& loop_;
  const Options options_;
  absl::flat_hash_map<std::string, uint32_t> hosts_;
  absl::flat_hash_set<uint32_t> hosts_down_;
  absl::flat_hash_map<Address, RequestHandler> endpoints_;
  // Directed links by (src << 32 | dst), made on first use.
  absl::flat_hash_map<uint64_t, Link> links_;
  // Link overrides by (min << 32 | max) of the two hosts.
  absl::flat_hash_map<uint64_t, Link> link_models_;
  // Calls whose caller waits for a reply, by call id.
  absl::flat_hash_map<uint64_t, PendingCall> pending_;
  uint64_t next_call_id_ = 1;
  Stats stats_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_SIM_SIM_NETWORK_H_
