// WorkerHost: one worker of a real cluster node, in an OS process of its
// own (as a Ray worker process is).
//
// The node's process (NodeHost) starts it with `miniray worker ...`
// when its raylet's worker pool asks for a worker. It runs one CoreWorker
// on an EventLoop with a GrpcTransport and a FiberExecutor, as a node does,
// and reaches the node's object store through shared memory
// (SharedStoreClient and the node's StoreService). It registers with the
// raylet (WorkerReady) and then runs the tasks it is pushed, until the node
// goes: it is started with PR_SET_PDEATHSIG, so it dies with its node. The
// tasks it submits itself (nested tasks, which it owns) are reported to the
// GCS's task table, as the driver's are (TaskEventReporter).
//
//   absl::StatusOr<std::unique_ptr<WorkerHost>> worker =
//       WorkerHost::Start(options);   // listening, registered
//   ... runs on its own loop until the process ends
//
// Threads: Start and the destructor are called from main; everything else
// runs on the loop's thread.
#ifndef MINIRAY_CLUSTER_WORKER_HOST_H_
#define MINIRAY_CLUSTER_WORKER_HOST_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "src/common/ids.h"
#include "src/cluster/fault_board.h"
#include "src/cluster/task_event_reporter.h"
#include "src/common/metrics.h"
#include "src/core_worker/core_worker.h"
#include "src/runtime/real/process_runtime.h"
#include "src/shared_store/shared_store_client.h"

namespace miniray {

class WorkerHost {
 public:
  struct Options {
    // The host part of the worker's address.
    std::string host = "127.0.0.1";
    WorkerId worker_id = 0;
    NodeId node_id = kNoNode;
    Address raylet_address;
    Address gcs_address;
    // The node's StoreService, and its segments' name prefix.
    Address store_address;
    std::string segment_prefix;
    int64_t max_inline_bytes = 100 * 1024;
    // Tasks' synthetic durations are multiplied by it (a slow_node fault).
    double compute_slowdown = 1.0;
    // How often the tasks this worker owns are reported to the GCS.
    absl::Duration task_events_period = absl::Seconds(1);
    std::string token;
    bool insecure_no_token = false;
    // As NodeHost::Options: the run's FaultBoard and this node's name in it.
    std::string fault_board;
    std::string fault_node;
  };

  // Starts the worker's core worker on a free port; it tells the raylet it
  // is ready. Unavailable if no port could be bound.
  static absl::StatusOr<std::unique_ptr<WorkerHost>> Start(Options options);
  ~WorkerHost();
  WorkerHost(const WorkerHost&) = delete;
  WorkerHost& operator=(const WorkerHost&) = delete;

  // Where the core worker listens.
  const Address& address() const { return address_; }

 private:
  explicit WorkerHost(Options options);
  // The node's slowdown now: --compute_slowdown times the fault board's.
  std::function<double()> SlowdownSource() const;

  Options options_;
  std::unique_ptr<FaultBoard> fault_board_;  // outlives the runtime
  std::unique_ptr<ProcessRuntime> runtime_;
  // The runtime's executor, slowed by options_.compute_slowdown.
  std::unique_ptr<Executor> core_executor_;
  Metrics metrics_;  // touched on the loop only
  std::unique_ptr<SharedStoreClient> store_;
  // Declared before the core worker: outlives the core worker, whose trace it holds.
  std::unique_ptr<TaskEventReporter> task_events_;
  std::unique_ptr<CoreWorker> core_;
  Address address_;
};

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_WORKER_HOST_H_
