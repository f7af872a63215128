#include "src/gcs/gcs_server.h"

#include <utility>

#include "glog/logging.h"

namespace miniray {

GcsServer::GcsServer(Clock& clock, Transport& transport, Address address,
                     Options options)
    : clock_(clock),
      endpoint_(transport, std::move(address)),
      options_(options),
      actor_manager_(clock_, endpoint_),
      task_manager_(GcsTaskManager::Options{}) {
  endpoint_.Handle<RegisterNode>([this](auto request, auto respond) {
    HandleRegisterNode(std::move(request), std::move(respond));
  });
  endpoint_.Handle<Heartbeat>([this](auto request, auto respond) {
    HandleHeartbeat(std::move(request), std::move(respond));
  });
  endpoint_.Handle<GetAllNodes>([this](auto request, auto respond) {
    HandleGetAllNodes(std::move(request), std::move(respond));
  });
  endpoint_.Handle<GetClusterStats>([this](auto request, auto respond) {
    rpc::GetClusterStatsReply reply;
    reply.set_actors_restarted(actor_manager_.restarts());
    const GcsTaskManager::TaskCounts tasks = task_manager_.CountsExcept(
        request.has_exclude_owner_node() ? request.exclude_owner_node()
                                         : kNoNode);
    reply.set_tasks_submitted(tasks.submitted);
    reply.set_tasks_finished(tasks.finished);
    reply.set_tasks_failed(tasks.failed);
    reply.set_tasks_retried(tasks.retried);
    SumNodeCounters(request.has_exclude_owner_node()
                        ? request.exclude_owner_node()
                        : kNoNode,
                    reply.mutable_node_counters());
    respond(std::move(reply));
  });
  endpoint_.Handle<AddTaskEvents>([this](auto request, auto respond) {
    task_manager_.AddEvents(request);
    respond(rpc::AddTaskEventsReply());
  });
  endpoint_.Handle<ReportWorkerFailure>([this](auto request, auto respond) {
    respond(rpc::ReportWorkerFailureReply());
    actor_manager_.OnWorkerFailure(request);
    // Every raylet releases the leases the dead worker owned.
    for (const rpc::NodeInfo& node : nodes_) {
      if (node.alive()) {
        endpoint_.Call<WorkerFailed>(node.raylet_address(), request, nullptr);
      }
    }
  });
}

GcsServer::~GcsServer() { clock_.Cancel(tick_timer_); }

absl::Status GcsServer::Start() {
  absl::Status status = endpoint_.Start();
  if (status.ok()) Tick();
  return status;
}

void GcsServer::HandleRegisterNode(rpc::RegisterNodeRequest request,
                                   Respond<RegisterNode> respond) {
  // A raylet asks again when a reply was lost: the same live raylet gets
  // the same node, not a second one.
  for (const rpc::NodeInfo& known : nodes_) {
    if (known.alive() && known.raylet_address() == request.raylet_address() &&
        known.name() == request.name()) {
      rpc::RegisterNodeReply reply;
      reply.set_node_id(known.node_id());
      respond(std::move(reply));
      return;
    }
  }
  const uint32_t node_id = nodes_.size();
  rpc::NodeInfo& node = nodes_.emplace_back();
  node.set_node_id(node_id);
  node.set_name(request.name());
  node.set_raylet_address(request.raylet_address());
  *node.mutable_total() = request.total();
  *node.mutable_available() = request.total();
  node.set_alive(true);
  node.set_object_store_capacity(request.object_store_capacity());
  node.set_http_address(request.http_address());
  node.set_is_head(request.is_head());
  node.set_has_driver(request.has_driver());
  health_.push_back(NodeHealth{clock_.Now(), true});
  is_dirty_.push_back(false);
  dirty_.push_back(node_id);
  is_dirty_[node_id] = true;
  rpc::RegisterNodeReply reply;
  reply.set_node_id(node_id);
  respond(std::move(reply));
}

void GcsServer::HandleHeartbeat(rpc::HeartbeatRequest request,
                                Respond<Heartbeat> respond) {
  rpc::HeartbeatReply reply;
  const uint32_t id = request.node_id();
  if (id >= nodes_.size() || !nodes_[id].alive()) {
    reply.set_known(false);  // declared dead: the raylet must not come back
    respond(std::move(reply));
    return;
  }
  health_[id].last_heartbeat = clock_.Now();
  // The latest sample only; it is not broadcast to the raylets.
  if (request.has_usage()) *nodes_[id].mutable_usage() = request.usage();
  if (request.resources_changed()) {
    *nodes_[id].mutable_available() = request.available();
    if (!is_dirty_[id]) {
      is_dirty_[id] = true;
      dirty_.push_back(id);
    }
  }
  reply.set_known(true);
  respond(std::move(reply));
}

void GcsServer::HandleGetAllNodes(rpc::GetAllNodesRequest,
                                  Respond<GetAllNodes> respond) {
  rpc::GetAllNodesReply reply;
  for (const rpc::NodeInfo& node : nodes_) *reply.add_nodes() = node;
  respond(std::move(reply));
}

void GcsServer::Tick() {
  ForgiveOwnStall();
  CheckHealth();
  Broadcast();
  tick_timer_ = clock_.RunAfter(options_.heartbeat_period, [this] { Tick(); });
}

void GcsServer::ForgiveOwnStall() {
  const absl::Time now = clock_.Now();
  const bool first = last_tick_ == absl::InfinitePast();
  const absl::Duration late = now - last_tick_ - options_.heartbeat_period;
  last_tick_ = now;
  // Small delays are the machine's ordinary noise, and forgiving them
  // would delay every death; only a stall of half the patience counts.
  const absl::Duration patience =
      options_.heartbeat_period * options_.heartbeat_misses_max;
  if (first || late <= patience / 2) return;
  LOG(WARNING) << "GCS: the health check ran " << absl::FormatDuration(late)
               << " late; that time is not counted against any node";
  for (NodeHealth& health : health_) health.last_heartbeat += late;
}

void GcsServer::CheckHealth() {
  const absl::Duration allowed =
      options_.heartbeat_period * options_.heartbeat_misses_max;
  for (rpc::NodeInfo& node : nodes_) {
    if (!node.alive()) continue;
    const uint32_t id = node.node_id();
    if (clock_.Now() - health_[id].last_heartbeat <= allowed) continue;
    LOG(INFO) << "GCS: node " << node.name() << " (" << id
              << ") missed its heartbeats; declaring it dead";
    node.set_alive(false);
    if (options_.trace != nullptr) {
      options_.trace->Record({.time = clock_.Now(),
                              .type = TraceEventType::kNodeDied,
                              .node = id});
    }
    actor_manager_.OnNodeDied(id);
    task_manager_.OnNodeDied(id);
    if (!is_dirty_[id]) {
      is_dirty_[id] = true;
      dirty_.push_back(id);
    }
  }
}

void GcsServer::Broadcast() {
  if (dirty_.empty()) return;
  // Nodes every raylet knows already travel as short entries: id,
  // availability and liveness only.
  rpc::ClusterViewUpdate delta;
  for (uint32_t id : dirty_) {
    rpc::NodeInfo* entry = delta.add_nodes();
    if (health_[id].announced) {
      entry->set_node_id(id);
      *entry->mutable_available() = nodes_[id].available();
      entry->set_alive(nodes_[id].alive());
    } else {
      *entry = nodes_[id];
      entry->clear_usage();  // the GCS's own record, for the dashboard
      health_[id].announced = true;
    }
    is_dirty_[id] = false;
  }
  dirty_.clear();
  const std::string delta_bytes = delta.SerializeAsString();
  std::string full_bytes;
  for (const rpc::NodeInfo& node : nodes_) {
    if (!node.alive()) continue;
    NodeHealth& health = health_[node.node_id()];
    const std::string* update = &delta_bytes;
    if (health.needs_full_view) {
      if (full_bytes.empty()) {
        rpc::ClusterViewUpdate full;
        for (const rpc::NodeInfo& n : nodes_) {
          rpc::NodeInfo* entry = full.add_nodes();
          *entry = n;
          entry->clear_usage();
        }
        full_bytes = full.SerializeAsString();
      }
      update = &full_bytes;
      health.needs_full_view = false;
    }
    endpoint_.CallSerialized<UpdateClusterView>(node.raylet_address(), *update,
                                                nullptr);
  }
}

void GcsServer::SumNodeCounters(NodeId except, rpc::NodeUsage* sum) const {
  for (const rpc::NodeInfo& node : nodes_) {
    if (node.node_id() == except || !node.has_usage()) continue;
    const rpc::NodeUsage& usage = node.usage();
    sum->set_objects_transferred(sum->objects_transferred() +
                                 usage.objects_transferred());
    sum->set_bytes_transferred(sum->bytes_transferred() +
                               usage.bytes_transferred());
    sum->set_leases_granted(sum->leases_granted() + usage.leases_granted());
    sum->set_spillbacks(sum->spillbacks() + usage.spillbacks());
    sum->set_workers_started(sum->workers_started() + usage.workers_started());
    sum->set_objects_evicted(sum->objects_evicted() + usage.objects_evicted());
  }
}

}  // namespace miniray
