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
//
// Faults (see docs/fault-tolerance.md):
// - a cut link (a partition) holds its messages until it heals, then sends
//   them in order, as TCP retransmits over a connection that survives;
// - message faults drop, duplicate or delay messages with a probability,
//   drawn from the network's own seeded random stream. A dropped message
//   breaks its connection, as it would under gRPC: the call fails with
//   Unavailable (a dropped reply means the handler ran but the caller does
//   not know). A duplicated request runs its handler twice; the caller gets
//   one reply. Delays reorder messages of different calls.
// Single-threaded, on the loop's thread.
#ifndef MINIRAY_RUNTIME_SIM_SIM_NETWORK_H_
#define MINIRAY_RUNTIME_SIM_SIM_NETWORK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "src/runtime/rng.h"
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
  // Faults applied to each message on a link, independently.
  struct MessageFaults {
    double drop = 0;       // probability that the message is lost
    double duplicate = 0;  // probability that a request is delivered twice
    double delay = 0;      // probability of an extra delay, up to max_delay
    absl::Duration max_delay;
  };
  struct Stats {
    uint64_t messages = 0;
    uint64_t dropped = 0;     // by message faults
    uint64_t duplicated = 0;
    uint64_t delayed = 0;
    uint64_t held = 0;        // by cut links
    uint64_t bytes = 0;             // all messages, requests and replies
    uint64_t bytes_between_hosts = 0;
  };

  // `seed` seeds the stream message faults draw from.
  SimNetwork(SimLoop& loop, Options options, uint64_t seed = 0);
  ~SimNetwork() override;

  // Overrides the model of the link between hosts `a` and `b`, both ways.
  void SetLink(absl::string_view a, absl::string_view b,
               absl::Duration latency, double bandwidth_bytes_per_s);
  // A host that is down drops every message sent to or from it.
  void SetHostUp(absl::string_view host, bool up);
  // Cuts or heals the link from host `from` to host `to` (one direction).
  // Healing sends what the cut held, in order.
  void SetCut(absl::string_view from, absl::string_view to, bool cut);
  // Message faults on the link from `from` to `to`, or on every link when
  // both are empty (a named link's faults take precedence).
  void SetMessageFaults(absl::string_view from, absl::string_view to,
                        const MessageFaults& faults);
  // The process at `address` died and its kernel reset its connections:
  // calls delivered there and waiting for a reply fail with Unavailable.
  void ResetCallsTo(const Address& address);

  absl::Status Listen(const Address& address, RequestHandler handler) override;
  void Close(const Address& address) override;
  void Call(const Address& from, const Address& to, absl::string_view method,
            Payload request, const CallOptions& options,
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
    Address to;
    bool delivered = false;
    TimerId timeout_timer = 0;
  };
  // A message waiting for a cut link to heal.
  struct Held {
    int64_t bytes;
    std::function<void()> arrive;
    std::function<void()> lost;
  };

  // Host index of an address ("host:port"), registering new hosts.
  uint32_t HostOf(absl::string_view address);
  // Puts `bytes` on the link from host `src` to `dst`; returns arrival time.
  absl::Time Transmit(uint32_t src, uint32_t dst, int64_t bytes);
  // Sends a message from host `src` to `dst` through cuts and message
  // faults: `arrive` runs when it arrives, `lost` (after a round trip) if
  // it is dropped, and `duplicate`, if given, when a copy arrives too.
  void Send(uint32_t src, uint32_t dst, int64_t bytes,
            std::function<void()> arrive, std::function<void()> lost,
            std::function<void()> duplicate = nullptr);
  const MessageFaults* FaultsOn(uint32_t src, uint32_t dst) const;
  Link& LinkBetween(uint32_t src, uint32_t dst);
  void Deliver(uint64_t call_id, const Address& from, const Address& to,
               const std::string& method, Payload request);
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
  // Cut links by (src << 32 | dst), with the messages they hold in order.
  absl::flat_hash_map<uint64_t, std::vector<Held>> cuts_;
  absl::flat_hash_map<uint64_t, MessageFaults> link_faults_;
  std::optional<MessageFaults> all_faults_;
  std::unique_ptr<Rng> rng_;
  uint64_t next_call_id_ = 1;
  Stats stats_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_SIM_SIM_NETWORK_H_
