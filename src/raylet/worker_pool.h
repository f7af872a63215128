// WorkerPool: the worker processes of one node, as its raylet sees them.
//
// The raylet leases idle workers to owners. When it needs more than are
// idle, it asks the pool to start some; a started worker reports ready later
// (after its startup time) and joins the idle workers. The number of workers
// is bounded, and so, optionally, is the number of worker processes being
// launched at once (Ray's maximum_startup_concurrency): the others wait
// their turn, so that a node starting many workers on a small machine does
// not starve itself (and its heartbeats) of CPU.
//
//   WorkerPool pool(node_id, launcher, {.max_workers = 64});
//   pool.StartWorkers(4);                       // prestart
//   ... pool.OnWorkerReady(id, address) as they come up ...
//   if (auto worker = pool.PopIdle()) Lease(*worker);
//
// Single-threaded, on the raylet's loop.
#ifndef MINIRAY_RAYLET_WORKER_POOL_H_
#define MINIRAY_RAYLET_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <vector>

#include "src/common/ids.h"
#include "src/runtime/transport.h"

namespace miniray {

struct WorkerHandle {
  WorkerId id = 0;
  Address address;
};

class WorkerPool {
 public:
  // Starts the process of worker `id`; it calls back OnWorkerReady once up.
  using Launcher = std::function<void(WorkerId id)>;

  struct Options {
    int max_workers = 64;
    // At most this many launched and not yet ready; 0: no limit.
    int max_concurrent_starts = 0;
  };

  WorkerPool(NodeId node, Launcher launcher, Options options)
      : node_(node), launcher_(std::move(launcher)), options_(options) {}

  // Starts up to `count` more workers, within max_workers.
  void StartWorkers(int count);
  // Starts workers so that those starting cover `wanted` (bounded).
  void EnsureStarting(int wanted);

  // Takes worker `id` in as idle; false if it is not one this pool is
  // starting (it exited already, or it is unknown).
  bool OnWorkerReady(WorkerId id, const Address& address);
  std::optional<WorkerHandle> PopIdle();
  void PushIdle(const WorkerHandle& worker);
  // Worker `id` exited: forgets it, so that another may start in its place.
  // Returns its address if it had registered.
  std::optional<Address> Remove(WorkerId id);

  int num_idle() const { return idle_.size(); }
  // Started (launched or waiting their turn) and not yet ready.
  int num_starting() const { return starting_; }
  // Of which launched.
  int num_launching() const { return launching_; }
  int num_workers() const { return started_; }

 private:
  // Launches waiting workers while the concurrency limit allows.
  void LaunchWaiting();

  const NodeId node_;
  Launcher launcher_;
  const Options options_;
  std::vector<WorkerHandle> idle_;  // most recently used last
  // Registered workers' addresses, by id.
  std::map<WorkerId, Address> ready_;
  // Workers started and not yet registered.
  std::set<WorkerId> starting_ids_;
  // Of those, the ones waiting to be launched, in order.
  std::deque<WorkerId> waiting_;
  int starting_ = 0;
  int launching_ = 0;
  int started_ = 0;
  uint32_t next_local_id_ = 1;
};

}  // namespace miniray

#endif  // MINIRAY_RAYLET_WORKER_POOL_H_
