// TaskSubmitter: gets the owner's ready tasks run, through worker leases.
//
// Tasks that need the same resources and the same arguments in the object
// store share a scheduling key. For each key the submitter keeps a queue and
// asks raylets for workers (a bounded number of lease requests in flight,
// starting at the local raylet and following spillbacks). When a worker is
// granted, the owner pushes the next task of the queue to it directly, and
// keeps pushing while the queue has tasks; then it returns the worker (or,
// with idle_worker_keep, keeps it that long for the next task of the key).
// This is how Ray's owner-based scheduling keeps the raylets off the hot
// path.
//
// A lease request that fails (no reply, connection refused) is not the
// tasks' fault, so, as in Ray: one that failed at a raylet the request was
// spilled to goes back to the local raylet; one that failed at the local
// raylet is asked again after a backoff (on the clock), and only after
// lease_attempts_max failures in a row are the key's queued tasks failed
// (WORKER_DIED, which the owner may retry).
//
// Single-threaded, on the core worker's loop.
#ifndef MINIRAY_CORE_WORKER_TASK_SUBMITTER_H_
#define MINIRAY_CORE_WORKER_TASK_SUBMITTER_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"

namespace miniray {

class TaskSubmitter {
 public:
  // A task ended: with the executor's reply, or with an error that the
  // system (not the function) raised.
  using OnTaskDone = std::function<void(const rpc::TaskSpec& spec,
                                        absl::StatusOr<rpc::PushTaskReply>)>;
  using OnTaskFailed =
      std::function<void(const rpc::TaskSpec& spec, const rpc::ErrorInfo&)>;

  struct Options {
    Address local_raylet;
    NodeId local_node = kNoNode;
    int max_pending_lease_requests = 10;
    // A failed lease request at the local raylet is asked again after
    // lease_retry_backoff, doubling up to lease_retry_backoff_max; after
    // lease_attempts_max failures in a row the key's queued tasks fail.
    absl::Duration lease_retry_backoff = absl::Milliseconds(100);
    absl::Duration lease_retry_backoff_max = absl::Seconds(2);
    int lease_attempts_max = 8;
    // A leased worker left with no queued task of its kind is kept this
    // long for the next one, then returned to its raylet. A task submitted
    // meanwhile goes straight to it: one PushTask instead of lease requests
    // (two with a spillback) and then a PushTask. Zero: returned at once,
    // as Ray's owners do and the simulator keeps.
    absl::Duration idle_worker_keep = absl::ZeroDuration();
    // Called when a task is pushed to a leased worker (node, worker id);
    // null: nobody is told. The dashboard's owner-side trace uses it.
    std::function<void(const rpc::TaskSpec&, NodeId, WorkerId)> on_pushed;
  };

  TaskSubmitter(Clock& clock, RpcEndpoint& endpoint, Options options,
                OnTaskDone on_done, OnTaskFailed on_failed);
  // Cancels the retry timers still pending; returns kept idle workers.
  ~TaskSubmitter();

  // Queues a task whose arguments are all available.
  void Submit(rpc::TaskSpec spec);

  // Tasks queued or running, for tests and summaries.
  size_t num_queued() const;

  // A node died: lease requests sent to it are given up (and asked again
  // elsewhere), and tasks running there end with an Unavailable error,
  // which the owner may retry.
  void OnNodeDied(NodeId node);

 private:
  struct LeasedWorker {
    uint64_t lease_id = 0;
    Address address;
    Address raylet_address;
    NodeId node = kNoNode;
    WorkerId worker_id = 0;
  };
  // A lease request waiting for its reply.
  struct LeaseRequestState {
    std::string key;
    NodeId node = kNoNode;
  };
  // A task pushed to a leased worker, waiting for its reply.
  struct InFlight {
    std::string key;
    std::shared_ptr<rpc::TaskSpec> spec;
    LeasedWorker worker;
  };
  struct KeyState {
    std::deque<rpc::TaskSpec> queue;
    int pending_lease_requests = 0;
    int busy_workers = 0;
    // Lease requests at the local raylet that failed in a row (reset by any
    // reply); bounded by Options::lease_attempts_max.
    int local_lease_failures = 0;
    // Leased workers kept idle (Options::idle_worker_keep), each with the
    // timer that returns it.
    std::vector<std::pair<LeasedWorker, TimerId>> idle;
  };

  static std::string SchedulingKey(const rpc::TaskSpec& spec);
  void RequestLeases(const std::string& key);
  void RequestLease(const std::string& key, const Address& raylet, NodeId node,
                    bool grant_or_reject);
  void OnLeaseReply(uint64_t request_id, const Address& raylet,
                    absl::StatusOr<rpc::LeaseReply> reply);
  // A lease request of `key` (still counted as pending) failed at `raylet`.
  void OnLeaseFailed(const std::string& key, const Address& raylet,
                     const absl::Status& status);
  // The backoff of a failed local lease request of `key` is over.
  void RetryLocalLease(const std::string& key);
  void OnPushReply(uint64_t push_id, absl::StatusOr<rpc::PushTaskReply> reply);
  void FailQueued(const std::string& key, const rpc::ErrorInfo& error);
  void OnWorkerIdle(const std::string& key, const LeasedWorker& worker);
  void ReturnLease(const LeasedWorker& worker);
  // The keep of idle worker `lease_id` of `key` is over: return it.
  void ReturnIdle(const std::string& key, uint64_t lease_id);
  void MaybeForget(const std::string& key);

  Clock& clock_;
  RpcEndpoint& endpoint_;
  const Options options_;
  OnTaskDone on_done_;
  OnTaskFailed on_failed_;
  // Ordered so that anything iterating it is deterministic.
  std::map<std::string, KeyState> keys_;
  std::map<uint64_t, LeaseRequestState> lease_requests_;
  std::map<uint64_t, InFlight> in_flight_;
  uint64_t next_id_ = 1;
  // The pending retry timers of failed local lease requests.
  std::map<uint64_t, TimerId> retry_timers_;
};

}  // namespace miniray

#endif  // MINIRAY_CORE_WORKER_TASK_SUBMITTER_H_
