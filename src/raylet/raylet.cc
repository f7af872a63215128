#include "src/raylet/raylet.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/rpc/convert.h"

namespace miniray {

Raylet::Raylet(Clock& clock, Transport& transport, Rng& rng, Metrics& metrics,
               Address address, WorkerPool::Launcher launcher, Options options)
    : clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      endpoint_(transport, std::move(address)),
      store_(ObjectStore::Options{options_.object_store_capacity}),
      view_(kNoNode),
      policy_({.spread_threshold = options_.spread_threshold}, rng),
      launcher_(std::move(launcher)) {
  object_manager_ = std::make_unique<ObjectManager>(
      clock_, endpoint_, store_, view_, metrics_,
      ObjectManager::Options{.chunk_size = options_.chunk_size,
                             .trace = options_.trace,
                             .allocate = options_.allocate_object,
                             .read_chunk = options_.read_object_chunk});
  dependencies_ = std::make_unique<DependencyManager>(
      clock_, store_, *object_manager_,
      [this](uint64_t seq, const rpc::ErrorInfo& error) {
        OnDependenciesReady(seq, error);
      });
  store_.SetEvictionListener(
      [this](ObjectId id) { object_manager_->OnEvicted(id); });
  RegisterHandlers();
}

Raylet::~Raylet() {
  clock_.Cancel(heartbeat_timer_);
  clock_.Cancel(register_timer_);
  for (auto& [seq, entry] : infeasible_) clock_.Cancel(entry.timer);
}

void Raylet::RegisterHandlers() {
  endpoint_.Handle<RequestWorkerLease>([this](auto request, auto respond) {
    HandleRequestWorkerLease(std::move(request), std::move(respond));
  });
  endpoint_.Handle<ReturnWorker>([this](auto request, auto respond) {
    HandleReturnWorker(std::move(request), std::move(respond));
  });
  endpoint_.Handle<TaskBlocked>([this](auto request, auto respond) {
    HandleTaskBlocked(std::move(request), std::move(respond));
  });
  endpoint_.Handle<WorkerReady>([this](auto request, auto respond) {
    HandleWorkerReady(std::move(request), std::move(respond));
  });
  endpoint_.Handle<FetchObjects>([this](auto request, auto respond) {
    HandleFetchObjects(std::move(request), std::move(respond));
  });
  endpoint_.Handle<FreeObjects>([this](auto request, auto respond) {
    HandleFreeObjects(std::move(request), std::move(respond));
  });
  endpoint_.Handle<UpdateClusterView>([this](auto update, auto respond) {
    HandleUpdateClusterView(std::move(update), std::move(respond));
  });
  endpoint_.Handle<WorkerFailed>([this](auto failure, auto respond) {
    respond(rpc::ReportWorkerFailureReply());
    // The leases the dead worker owned (it was their tasks' owner).
    const WorkerId dead = failure.worker_id();
    ReclaimLeasesIf(
        [dead](const Lease& lease) { return lease.owner_worker == dead; });
  });
}

absl::Status Raylet::Start(std::function<void(NodeId)> on_registered) {
  absl::Status status = endpoint_.Start();
  if (!status.ok()) return status;
  Register(1, std::move(on_registered));
  return absl::OkStatus();
}

// The GCS may not be up yet, or restarting: registration is asked again
// with backoff (bounded), as a Ray raylet does, except for a wrong token.
void Raylet::Register(int attempt, std::function<void(NodeId)> on_registered) {
  rpc::RegisterNodeRequest request;
  request.set_name(options_.node_name);
  request.set_raylet_address(endpoint_.address());
  *request.mutable_total() = options_.resources.ToProto();
  request.set_object_store_capacity(options_.object_store_capacity);
  request.set_http_address(options_.http_address);
  request.set_is_head(options_.is_head);
  request.set_has_driver(options_.has_driver);
  endpoint_.Call<RegisterNode>(
      options_.gcs_address, request,
      [this, attempt, on_registered = std::move(on_registered)](
          absl::StatusOr<rpc::RegisterNodeReply> reply) mutable {
        if (reply.ok()) {
          OnRegistered(reply->node_id(), std::move(on_registered));
          return;
        }
        if (attempt >= kRegisterAttemptsMax ||
            absl::IsUnauthenticated(reply.status())) {
          LOG(ERROR) << options_.node_name << ": cannot register with the GCS "
                     << "after " << attempt << " attempts: " << reply.status();
          return;
        }
        const absl::Duration backoff =
            std::min(absl::Milliseconds(100) * (1 << std::min(attempt, 6)),
                     absl::Seconds(5));
        register_timer_ =
            clock_.RunAfter(backoff, [this, attempt, on_registered]() mutable {
              Register(attempt + 1, std::move(on_registered));
            });
      });
}

void Raylet::OnRegistered(NodeId id,
                          std::function<void(NodeId)> on_registered) {
  node_id_ = id;
  view_.set_local(id);
  NodeView self;
  self.id = id;
  self.name = options_.node_name;
  self.raylet_address = endpoint_.address();
  self.total = options_.resources;
  self.available = options_.resources;
  self.alive = true;
  view_.Set(std::move(self));
  pool_ = std::make_unique<WorkerPool>(
      id, launcher_, WorkerPool::Options{
              .max_workers = options_.max_workers,
              .max_concurrent_starts = options_.max_concurrent_worker_starts});
  // As Ray does, start one worker per CPU up front.
  pool_->StartWorkers(
      static_cast<int>(std::ceil(options_.resources.Get("CPU"))));
  heartbeat_timer_ =
      clock_.RunAfter(options_.heartbeat_period, [this] { SendHeartbeat(); });
  if (on_registered) on_registered(id);
}

void Raylet::SendHeartbeat() {
  rpc::HeartbeatRequest request;
  request.set_node_id(node_id_);
  if (resources_changed_) {
    request.set_resources_changed(true);
    *request.mutable_available() = local().available.ToProto();
    resources_changed_ = false;
  }
  if (options_.sample_usage) {
    rpc::NodeUsage* usage = request.mutable_usage();
    const ObjectStore::Stats store = store_.stats();
    usage->set_object_store_used_bytes(store.used_bytes);
    usage->set_object_store_capacity_bytes(store.capacity_bytes);
    usage->set_object_store_objects(store.num_objects);
    usage->set_workers_starting(pool_->num_starting());
    options_.sample_usage(usage);
  }
  endpoint_.Call<Heartbeat>(
      options_.gcs_address, request,
      [this](absl::StatusOr<rpc::HeartbeatReply> reply) {
        if (reply.ok() && !reply->known()) {
          LOG(INFO) << options_.node_name
                    << ": the GCS has declared this node dead; exiting";
          if (options_.on_declared_dead) options_.on_declared_dead();
        }
      });
  heartbeat_timer_ =
      clock_.RunAfter(options_.heartbeat_period, [this] { SendHeartbeat(); });
}

// ------------------------------------------------------- other handlers ---

void Raylet::HandleReturnWorker(rpc::ReturnWorkerRequest request,
                                Respond<ReturnWorker> respond) {
  respond(rpc::ReturnWorkerReply());
  auto it = leases_.find(request.lease_id());
  if (it == leases_.end()) return;
  Lease lease = std::move(it->second);
  leases_.erase(it);
  ResourceSet held = lease.demand;
  if (lease.blocked) held.Set("CPU", 0);  // lent while blocked
  allocated_.Subtract(held);
  UpdateAvailable();
  pool_->PushIdle(lease.worker);
  dependencies_->Remove(lease.seq);
  Dispatch();
}

void Raylet::OnWorkerExit(WorkerId id) {
  if (pool_ == nullptr) return;
  std::optional<uint64_t> lease_id;
  for (const auto& [lease, held] : leases_) {
    if (held.worker.id == id) lease_id = lease;
  }
  Address address;
  if (lease_id.has_value()) {
    Lease lease = std::move(leases_.at(*lease_id));
    leases_.erase(*lease_id);
    ResourceSet held = lease.demand;
    if (lease.blocked) held.Set("CPU", 0);
    allocated_.Subtract(held);
    dependencies_->Remove(lease.seq);
    address = lease.worker.address;
    UpdateAvailable();
  }
  std::optional<Address> known = pool_->Remove(id);
  if (known.has_value()) address = *known;
  if (!address.empty()) {
    local_processes_.erase(
        std::remove(local_processes_.begin(), local_processes_.end(), address),
        local_processes_.end());
    rpc::ReportWorkerFailureRequest report;
    report.set_worker_address(address);
    report.set_node_id(node_id_);
    report.set_worker_id(id);
    endpoint_.Call<ReportWorkerFailure>(options_.gcs_address, report, nullptr);
  }
  Dispatch();
}

void Raylet::UpdateAvailable() {
  ResourceSet available = options_.resources;
  available.Subtract(allocated_);  // clamps at zero when oversubscribed
  local().available = std::move(available);
  ResourcesChanged();
}

void Raylet::ReclaimLeasesOf(NodeId dead_owner_node) {
  ReclaimLeasesIf([dead_owner_node](const Lease& lease) {
    return lease.owner_node == dead_owner_node;
  });
}

void Raylet::ReclaimLeasesIf(const std::function<bool(const Lease&)>& orphan) {
  std::vector<uint64_t> orphaned;
  for (const auto& [id, lease] : leases_) {
    if (orphan(lease)) orphaned.push_back(id);
  }
  std::sort(orphaned.begin(), orphaned.end());  // deterministic order
  for (uint64_t id : orphaned) {
    Lease lease = std::move(leases_.at(id));
    leases_.erase(id);
    ResourceSet held = lease.demand;
    if (lease.blocked) held.Set("CPU", 0);
    allocated_.Subtract(held);
    dependencies_->Remove(lease.seq);
  }
  if (!orphaned.empty()) {
    UpdateAvailable();
    Dispatch();
  }
}

void Raylet::HandleTaskBlocked(rpc::TaskBlockedRequest request,
                               Respond<TaskBlocked> respond) {
  respond(rpc::TaskBlockedReply());
  auto it = leases_.find(request.lease_id());
  if (it == leases_.end() || request.seq() <= it->second.blocked_seq) return;
  it->second.blocked_seq = request.seq();
  if (it->second.blocked == request.blocked()) return;
  Lease& lease = it->second;
  lease.blocked = request.blocked();
  // As in Ray, a blocked task lends its CPUs, not its GPUs or custom
  // resources.
  ResourceSet cpus;
  cpus.Set("CPU", lease.demand.Get("CPU"));
  if (lease.blocked) {
    allocated_.Subtract(cpus);
  } else {
    allocated_.Add(cpus);
  }
  UpdateAvailable();
  Dispatch();
}

void Raylet::HandleWorkerReady(rpc::WorkerReadyRequest request,
                               Respond<WorkerReady> respond) {
  respond(rpc::WorkerReadyReply());
  if (request.is_driver()) {
    local_processes_.push_back(request.address());
    return;
  }
  // A worker that exited after it sent this is not taken in.
  if (!pool_->OnWorkerReady(request.worker_id(), request.address())) return;
  local_processes_.push_back(request.address());
  ++metrics_.workers_started;
  Dispatch();
}

void Raylet::HandleFetchObjects(rpc::FetchObjectsRequest request,
                                Respond<FetchObjects> respond) {
  struct Fetch {
    rpc::FetchObjectsReply reply;
    int pending = 0;
    Respond<FetchObjects> respond;
  };
  auto fetch = std::make_shared<Fetch>();
  fetch->respond = std::move(respond);
  fetch->pending = request.refs_size() + 1;
  for (int i = 0; i < request.refs_size(); ++i) {
    fetch->reply.add_errors();
    object_manager_->Pull(request.refs(i),
                          [fetch, i](const rpc::ErrorInfo& error) {
                            *fetch->reply.mutable_errors(i) = error;
                            if (--fetch->pending == 0) {
                              fetch->respond(std::move(fetch->reply));
                            }
                          });
  }
  if (--fetch->pending == 0) fetch->respond(std::move(fetch->reply));
}

void Raylet::HandleFreeObjects(rpc::FreeObjectsRequest request,
                               Respond<FreeObjects> respond) {
  respond(rpc::FreeObjectsReply());
  for (const rpc::ObjectIdProto& proto : request.ids()) {
    const ObjectId id = FromProto(proto);
    store_.Free(id);
    object_manager_->Forget(id);
  }
  dependencies_->Admit();
}

void Raylet::HandleUpdateClusterView(rpc::ClusterViewUpdate update,
                                     Respond<UpdateClusterView> respond) {
  respond(rpc::ClusterViewAck());
  if (node_id_ == kNoNode) return;
  std::vector<NodeId> died;
  for (const rpc::NodeInfo& info : update.nodes()) {
    const NodeView* known = view_.Find(info.node_id());
    if (!info.alive() && known != nullptr && known->alive) {
      died.push_back(info.node_id());
    }
  }
  view_.Apply(update);
  has_cluster_view_ = true;
  for (NodeId node : died) {
    LOG(INFO) << options_.node_name << ": node " << node << " died";
    ReclaimLeasesOf(node);
    if (object_manager_ != nullptr) object_manager_->OnNodeDied(node);
    rpc::NodeDiedRequest request;
    request.set_node_id(node);
    for (const Address& process : local_processes_) {
      endpoint_.Call<NodeDied>(process, request, nullptr);
    }
  }
  if (!infeasible_.empty()) RetryInfeasible();
  SpillQueuedIfBetterElsewhere();
  Dispatch();
}

}  // namespace miniray
