// Raylet: the per-node manager. It owns the node's resources, its worker
// pool, its object store and object manager, and it grants worker leases.
//
// An owner that wants to run a task asks a raylet for a worker lease
// (RequestWorkerLease). The raylet's scheduling policy picks a node; if it
// is another node the raylet answers "spill back" with that node's address,
// and the owner asks there. If it is this node, the request waits in the
// local queue until the task's arguments are in the local object store (the
// dependency manager pulls them) and the resources and a worker are free;
// then the worker is leased to the owner, who pushes tasks to it directly
// and returns it when done (ReturnWorker).
//
// The raylet registers with the GCS at Start, reports its available
// resources in heartbeats, and learns the rest of the cluster from the GCS's
// broadcasts.
//
// Single-threaded, on its event loop.
#ifndef MINIRAY_RAYLET_RAYLET_H_
#define MINIRAY_RAYLET_RAYLET_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "src/common/metrics.h"
#include "src/common/resources.h"
#include "src/object_manager/object_manager.h"
#include "src/object_store/object_store.h"
#include "src/raylet/cluster_view.h"
#include "src/raylet/dependency_manager.h"
#include "src/raylet/scheduling_policy.h"
#include "src/raylet/worker_pool.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"
#include "src/runtime/rng.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

class Raylet {
 public:
  struct Options {
    std::string node_name;
    ResourceSet resources;
    int64_t object_store_capacity = 1LL << 30;
    Address gcs_address;
    absl::Duration heartbeat_period = absl::Milliseconds(100);
    double spread_threshold = 0.5;
    int64_t chunk_size = 5 << 20;
    // Where pulled objects are assembled (ObjectManager::Options::allocate).
    ObjectManager::Allocator allocate_object;
    // Where chunks of objects to send are read (ObjectManager::Options).
    ObjectManager::ChunkReader read_object_chunk;
    int max_workers = 256;
    // Worker processes launched at once, at most (0: no limit).
    int max_concurrent_worker_starts = 0;
    // How long a request no known node can run waits for such a node to
    // join before it is answered "infeasible".
    absl::Duration infeasible_timeout = absl::Seconds(1);
    // Called when the GCS says it has declared this node dead (the node was
    // cut off for too long): a Ray raylet then exits, and so should this
    // node's processes.
    std::function<void()> on_declared_dead;
    // Where to log lease grants, spillbacks and transfers; null: nowhere.
    TraceRecorder* trace = nullptr;
    // --- Real runtime only (docs/observability.md); unset in the simulator,
    // whose messages then stay as they were. Registered with the GCS: this
    // node's HTTP address (/metrics; the dashboard on the head), whether it
    // is the head node (the GCS runs in its process or beside it), whether
    // a driver runs here.
    std::string http_address;
    bool is_head = false;
    bool has_driver = false;
    // Fills the host's and the process's CPU and memory use into each
    // heartbeat, which then also carries the object store's use. Null: no
    // usage is reported (the simulator reads no /proc and no wall clock).
    std::function<void(rpc::NodeUsage*)> sample_usage;
  };

  // `launcher` starts a worker process for this node (see WorkerPool).
  Raylet(Clock& clock, Transport& transport, Rng& rng, Metrics& metrics,
         Address address, WorkerPool::Launcher launcher, Options options);
  ~Raylet();

  // Listens and registers with the GCS (asking again with backoff, up to
  // kRegisterAttemptsMax times, while the GCS does not answer);
  // `on_registered` runs once the node has its id and has prestarted its
  // workers.
  absl::Status Start(std::function<void(NodeId)> on_registered);

  // One of this node's workers exited (the simulator or the process
  // manager saw it go): its lease is released, and the GCS is told so that
  // it can restart the actor the worker hosted.
  void OnWorkerExit(WorkerId id);

  NodeId node_id() const { return node_id_; }
  const Address& address() const { return endpoint_.address(); }
  const std::string& name() const { return options_.node_name; }
  ObjectStore& store() { return store_; }
  const ClusterView& view() const { return view_; }
  // True once a broadcast from the GCS has shown this raylet the cluster.
  bool has_cluster_view() const { return has_cluster_view_; }

 private:
  // A lease request waiting in the local queue.
  struct QueuedLease {
    rpc::LeaseRequest request;
    ResourceSet demand;
    Respond<RequestWorkerLease> respond;
    bool deps_ready = false;
  };
  // A lease request no known node can run yet.
  struct InfeasibleLease {
    rpc::LeaseRequest request;
    Respond<RequestWorkerLease> respond;
    TimerId timer = 0;
  };
  // A worker leased to an owner.
  struct Lease {
    WorkerHandle worker;
    ResourceSet demand;
    uint64_t seq = 0;  // the request's sequence number: its pinned arguments
    // The task blocked in Get: its CPUs are lent to other tasks.
    bool blocked = false;
    uint64_t blocked_seq = 0;  // of the newest TaskBlocked report applied
    // The node and worker of the lease's owner: if either dies, the lease
    // is reclaimed.
    NodeId owner_node = kNoNode;
    WorkerId owner_worker = 0;
  };

  void RegisterHandlers();
  // How many times registration is asked before the raylet gives up.
  static constexpr int kRegisterAttemptsMax = 20;
  void Register(int attempt, std::function<void(NodeId)> on_registered);
  void OnRegistered(NodeId id, std::function<void(NodeId)> on_registered);
  void SendHeartbeat();

  void HandleRequestWorkerLease(rpc::LeaseRequest request,
                                Respond<RequestWorkerLease> respond);
  void Schedule(rpc::LeaseRequest request, Respond<RequestWorkerLease> respond);
  void Spill(NodeId node, const rpc::TaskSpec& spec, const ResourceSet& demand,
             Respond<RequestWorkerLease> respond);
  void Enqueue(rpc::LeaseRequest request, ResourceSet demand,
               Respond<RequestWorkerLease> respond);
  void OnDependenciesReady(uint64_t seq, const rpc::ErrorInfo& error);
  void Dispatch();
  // Grants `queued` a worker if it can; returns false if it must wait.
  bool TryGrant(uint64_t seq, QueuedLease& queued, int* workers_wanted);
  void SpillQueuedIfBetterElsewhere();
  void RetryInfeasible();

  void HandleReturnWorker(rpc::ReturnWorkerRequest request,
                          Respond<ReturnWorker> respond);
  void HandleTaskBlocked(rpc::TaskBlockedRequest request,
                         Respond<TaskBlocked> respond);
  void HandleWorkerReady(rpc::WorkerReadyRequest request,
                         Respond<WorkerReady> respond);
  void HandleFetchObjects(rpc::FetchObjectsRequest request,
                          Respond<FetchObjects> respond);
  void HandleFreeObjects(rpc::FreeObjectsRequest request,
                         Respond<FreeObjects> respond);
  void HandleUpdateClusterView(rpc::ClusterViewUpdate update,
                               Respond<UpdateClusterView> respond);

  NodeView& local() { return *view_.FindMutable(node_id_); }
  // Sets the local node's available resources to total minus allocated_.
  void UpdateAvailable();
  // Frees the resources of a lease without taking its worker back (its
  // worker may still be running the dead owner's task; it is not reused).
  void ReclaimLeasesOf(NodeId dead_owner_node);
  void ReclaimLeasesIf(const std::function<bool(const Lease&)>& orphan);
  void ResourcesChanged() { resources_changed_ = true; }

  Clock& clock_;
  Metrics& metrics_;
  const Options options_;
  RpcEndpoint endpoint_;
  ObjectStore store_;
  ClusterView view_;
  HybridSchedulingPolicy policy_;
  WorkerPool::Launcher launcher_;
  std::unique_ptr<WorkerPool> pool_;  // made once the node id is known
  std::unique_ptr<ObjectManager> object_manager_;
  std::unique_ptr<DependencyManager> dependencies_;
  NodeId node_id_ = kNoNode;
  bool has_cluster_view_ = false;
  bool resources_changed_ = false;
  TimerId heartbeat_timer_ = 0;
  TimerId register_timer_ = 0;

  // The local queue, in arrival order (keys are arrival sequence numbers).
  std::map<uint64_t, QueuedLease> queue_;
  std::map<uint64_t, InfeasibleLease> infeasible_;
  uint64_t next_seq_ = 1;
  absl::flat_hash_map<uint64_t, Lease> leases_;
  // Resources held by leases whose task is not blocked. It may exceed the
  // node's total while blocked tasks resume (oversubscription, as in Ray);
  // available resources are then zero.
  ResourceSet allocated_;
  uint64_t next_lease_id_ = 1;
  // Lease requests seen, by (owner, actor creation, request id), so that a
  // duplicated request is granted once.
  using LeaseRequestKey = std::tuple<WorkerId, bool, uint64_t>;
  absl::flat_hash_set<LeaseRequestKey> lease_requests_seen_;
  // Workers and drivers of this node, told when a node dies.
  std::vector<Address> local_processes_;
};

}  // namespace miniray

#endif  // MINIRAY_RAYLET_RAYLET_H_
