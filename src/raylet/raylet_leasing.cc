// The raylet's leasing: where a lease request goes (here, another node, or
// nowhere yet), the local queue, and granting workers as arguments arrive and
// resources free up. See raylet.h.
#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/raylet/raylet.h"
#include "src/rpc/convert.h"

namespace miniray {

void Raylet::HandleRequestWorkerLease(rpc::LeaseRequest request,
                                      Respond<RequestWorkerLease> respond) {
  if (request.request_id() != 0) {
    const LeaseRequestKey key{request.spec().owner_worker(),
                              request.spec().actor_creation(),
                              request.request_id()};
    if (!lease_requests_seen_.insert(key).second) {
      // The network delivered it twice: one lease per request.
      respond(absl::AlreadyExistsError("duplicate lease request"));
      return;
    }
  }
  Schedule(std::move(request), std::move(respond));
  Dispatch();
}

void Raylet::Schedule(rpc::LeaseRequest request,
                      Respond<RequestWorkerLease> respond) {
  ResourceSet demand = ResourceSet::FromProto(request.spec().resources());
  if (request.grant_or_reject() && demand.IsSubsetOf(local().total)) {
    Enqueue(std::move(request), std::move(demand), std::move(respond));
    return;
  }
  const SchedulingDecision decision = policy_.Schedule(demand, view_);
  if (!decision.feasible()) {
    const uint64_t seq = next_seq_++;
    InfeasibleLease& entry = infeasible_[seq];
    entry.request = std::move(request);
    entry.respond = std::move(respond);
    entry.timer = clock_.RunAfter(options_.infeasible_timeout, [this, seq] {
      auto it = infeasible_.find(seq);
      if (it == infeasible_.end()) return;
      rpc::LeaseReply reply;
      reply.set_infeasible(absl::StrCat(
          "no node in the cluster has the resources ",
          ResourceSet::FromProto(it->second.request.spec().resources())
              .ToString(),
          " that task ", it->second.request.spec().name(), " needs"));
      it->second.respond(std::move(reply));
      infeasible_.erase(it);
    });
    return;
  }
  if (decision.node != node_id_) {
    Spill(decision.node, request.spec(), demand, std::move(respond));
    return;
  }
  Enqueue(std::move(request), std::move(demand), std::move(respond));
}

void Raylet::Spill(NodeId node, const rpc::TaskSpec& spec,
                   const ResourceSet& demand,
                   Respond<RequestWorkerLease> respond) {
  NodeView* target = view_.FindMutable(node);
  CHECK(target != nullptr);
  // Until the next broadcast, count the task against the node we chose.
  target->available.Subtract(demand);
  ++metrics_.spillbacks;
  if (options_.trace != nullptr) {
    options_.trace->Record({.time = clock_.Now(),
                            .type = TraceEventType::kSpillback,
                            .name = spec.name(),
                            .node = node_id_,
                            .to_node = node});
  }
  rpc::LeaseReply reply;
  reply.mutable_spillback()->set_node_id(node);
  reply.mutable_spillback()->set_raylet_address(target->raylet_address);
  respond(std::move(reply));
}

void Raylet::Enqueue(rpc::LeaseRequest request, ResourceSet demand,
                     Respond<RequestWorkerLease> respond) {
  const uint64_t seq = next_seq_++;
  QueuedLease& queued = queue_[seq];
  queued.request = std::move(request);
  queued.demand = std::move(demand);
  queued.respond = std::move(respond);
  queued.deps_ready = queued.request.spec().dependencies().empty();
  if (!queued.deps_ready) {
    dependencies_->Add(seq, queued.request.spec().dependencies());
  }
}

void Raylet::OnDependenciesReady(uint64_t seq, const rpc::ErrorInfo& error) {
  auto it = queue_.find(seq);
  if (it == queue_.end()) return;
  if (error.type() != rpc::ERROR_NONE) {
    rpc::LeaseReply reply;
    *reply.mutable_dependency_failed() = error;
    it->second.respond(std::move(reply));
    queue_.erase(it);
    return;
  }
  it->second.deps_ready = true;
  Dispatch();
}

void Raylet::Dispatch() {
  if (pool_ == nullptr) return;
  int workers_wanted = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (TryGrant(it->first, it->second, &workers_wanted)) {
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  pool_->EnsureStarting(workers_wanted);
}

bool Raylet::TryGrant(uint64_t seq, QueuedLease& queued, int* workers_wanted) {
  if (!queued.deps_ready) return false;
  if (!queued.demand.IsSubsetOf(local().available)) return false;
  std::optional<WorkerHandle> worker = pool_->PopIdle();
  if (!worker) {
    ++*workers_wanted;
    return false;
  }
  Lease lease;
  lease.worker = *worker;
  lease.demand = queued.demand;
  lease.seq = seq;  // its arguments stay pinned until the lease ends
  lease.owner_node = NodeOfWorker(queued.request.spec().owner_worker());
  lease.owner_worker = queued.request.spec().owner_worker();
  allocated_.Add(queued.demand);
  UpdateAvailable();
  const uint64_t lease_id = next_lease_id_++;
  rpc::LeaseReply reply;
  rpc::LeaseGranted* granted = reply.mutable_granted();
  granted->set_lease_id(lease_id);
  granted->set_worker_id(worker->id);
  granted->set_worker_address(worker->address);
  granted->set_node_id(node_id_);
  leases_.emplace(lease_id, std::move(lease));
  ++metrics_.leases_granted;
  if (options_.trace != nullptr) {
    options_.trace->Record({.time = clock_.Now(),
                            .type = TraceEventType::kLeaseGranted,
                            .name = queued.request.spec().name(),
                            .node = node_id_,
                            .worker = worker->id});
  }
  queued.respond(std::move(reply));
  return true;
}

void Raylet::SpillQueuedIfBetterElsewhere() {
  for (auto it = queue_.begin(); it != queue_.end();) {
    QueuedLease& queued = it->second;
    const bool waits_for_resources =
        queued.deps_ready && !queued.demand.IsSubsetOf(local().available);
    if (!waits_for_resources || queued.request.grant_or_reject()) {
      ++it;
      continue;
    }
    const SchedulingDecision decision = policy_.Schedule(queued.demand, view_);
    if (decision.feasible() && decision.available &&
        decision.node != node_id_) {
      Spill(decision.node, queued.request.spec(), queued.demand,
            std::move(queued.respond));
      const uint64_t seq = it->first;
      it = queue_.erase(it);
      dependencies_->Remove(seq);
    } else {
      ++it;
    }
  }
}

void Raylet::RetryInfeasible() {
  // Only requests that some live node can now run are scheduled again; the
  // others keep waiting with their original deadline.
  for (auto it = infeasible_.begin(); it != infeasible_.end();) {
    const ResourceSet demand =
        ResourceSet::FromProto(it->second.request.spec().resources());
    bool fits_somewhere = false;
    for (const NodeView& node : view_.nodes()) {
      if (node.id != kNoNode && node.alive && demand.IsSubsetOf(node.total)) {
        fits_somewhere = true;
        break;
      }
    }
    if (!fits_somewhere) {
      ++it;
      continue;
    }
    InfeasibleLease entry = std::move(it->second);
    it = infeasible_.erase(it);
    clock_.Cancel(entry.timer);
    Schedule(std::move(entry.request), std::move(entry.respond));
  }
}

}  // namespace miniray
