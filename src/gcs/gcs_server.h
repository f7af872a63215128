// GcsServer: the Global Control Service on the head node.
//
// It owns the cluster's membership: raylets register and get a node id; each
// sends a heartbeat every period, carrying its available resources when they
// changed. A node that misses `heartbeat_misses_max` periods in a row is
// declared dead. A check that runs late by half that patience or more (the
// GCS's own process was not scheduled, so the heartbeats that came
// meanwhile wait behind it) counts the lateness for no one: the nodes are
// not blamed for the GCS's stall.
// Every period the GCS broadcasts what changed (nodes joined,
// died, or changed their available resources) to all live raylets, which is
// how each raylet's scheduler sees the cluster, as with Ray's resource syncer.
//
//   GcsServer gcs(clock, transport, "head:6379", options);
//   RETURN_IF_ERROR(gcs.Start());
//
// Single-threaded, on its event loop.
#ifndef MINIRAY_GCS_GCS_SERVER_H_
#define MINIRAY_GCS_GCS_SERVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "src/gcs/actor_manager.h"
#include "src/gcs/task_manager.h"
#include "src/proto/miniray.pb.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

class GcsServer {
 public:
  struct Options {
    absl::Duration heartbeat_period = absl::Milliseconds(100);
    int heartbeat_misses_max = 5;
    // Where to log nodes declared dead; null: nowhere.
    TraceRecorder* trace = nullptr;
  };

  GcsServer(Clock& clock, Transport& transport, Address address,
            Options options);
  ~GcsServer();

  absl::Status Start();
  const Address& address() const { return endpoint_.address(); }

  // All nodes ever registered, by node id.
  const std::vector<rpc::NodeInfo>& nodes() const { return nodes_; }
  const GcsActorManager& actor_manager() const { return actor_manager_; }
  // The tasks owners reported (real runtime only; empty in the simulator).
  const GcsTaskManager& task_manager() const { return task_manager_; }
  // When the node last registered or sent a heartbeat; InfinitePast for an
  // unknown node.
  absl::Time last_heartbeat(uint32_t node) const {
    return node < health_.size() ? health_[node].last_heartbeat
                                 : absl::InfinitePast();
  }

 private:
  struct NodeHealth {
    absl::Time last_heartbeat;
    bool needs_full_view = true;  // joined since the last broadcast
    bool announced = false;       // a full entry was broadcast to everyone
  };

  void HandleRegisterNode(rpc::RegisterNodeRequest request,
                          Respond<RegisterNode> respond);
  void HandleHeartbeat(rpc::HeartbeatRequest request,
                       Respond<Heartbeat> respond);
  void HandleGetAllNodes(rpc::GetAllNodesRequest request,
                         Respond<GetAllNodes> respond);
  // Runs every heartbeat period: health checks, then the broadcast.
  void Tick();
  // Credits every node with the time by which this tick ran late beyond a
  // period, if that is half the patience or more (never in the simulator,
  // whose timers are punctual).
  void ForgiveOwnStall();
  void CheckHealth();
  void Broadcast();
  // Adds up the counters of every node's last usage, `except`'s aside.
  void SumNodeCounters(NodeId except, rpc::NodeUsage* sum) const;

  Clock& clock_;
  RpcEndpoint endpoint_;
  const Options options_;
  GcsActorManager actor_manager_;
  GcsTaskManager task_manager_;
  // Indexed by node id; ids are dense and never reused.
  std::vector<rpc::NodeInfo> nodes_;
  std::vector<NodeHealth> health_;
  // Node ids whose entry changed since the last broadcast, in order.
  std::vector<uint32_t> dirty_;
  std::vector<bool> is_dirty_;
  TimerId tick_timer_ = 0;
  absl::Time last_tick_ = absl::InfinitePast();
};

}  // namespace miniray

#endif  // MINIRAY_GCS_GCS_SERVER_H_
