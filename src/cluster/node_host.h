// NodeHost: one miniray node in one OS process, on the real runtime.
//
// It runs, on one EventLoop with one GrpcTransport, a RealClock and a
// FiberExecutor: the node's Raylet (with its ObjectStore), the StoreService
// that serves that store to worker processes through shared memory,
// optionally the GcsServer (on the head), and optionally a driver
// CoreWorker (the `local` and `submit` commands), which shares the store
// in-process. Everything here runs on the loop's thread, the driver's
// program included (as fibers), so the components need no locks.
//
// The node's workers are OS processes of their own (`miniray worker`,
// WorkerHost), started when the raylet's worker pool asks for one and
// watched here: a worker that exits is reported to the raylet, which frees
// its lease and tells the GCS, as a Ray raylet does.
//
//   NodeHost::Options options = ...;          // see scenario_options.h
//   absl::StatusOr<std::unique_ptr<NodeHost>> host = NodeHost::Start(options);
//   if (!host.ok()) return host.status();
//   absl::StatusOr<CoreWorker*> driver = (*host)->StartDriver(driver_options);
//   (*driver)->Spawn([] { ... program code ... });   // on the loop, a fiber
//
// Calls that never reached a peer (connection refused: its process was
// killed) are made again with backoff (RedialTransport), so that a dead
// node is silent until the GCS declares it dead, as in the simulator.
//
// Threads: Start, StartDriver, metrics() and the destructor are called from
// a thread that is not the loop's (main); they block on the loop. The
// destructor stops the loop first, then destroys the components, so no
// callback of theirs can run during or after their destruction.
#ifndef MINIRAY_CLUSTER_NODE_HOST_H_
#define MINIRAY_CLUSTER_NODE_HOST_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/cluster/child_processes.h"
#include "src/cluster/fault_board.h"
#include "src/cluster/task_event_reporter.h"
#include "src/common/metrics.h"
#include "src/core_worker/core_worker.h"
#include "src/dashboard/dashboard_server.h"
#include "src/gcs/gcs_server.h"
#include "src/object_store/store_client.h"
#include "src/raylet/raylet.h"
#include "src/runtime/real/process_runtime.h"
#include "src/runtime/rng.h"
#include "src/shared_store/store_service.h"

namespace miniray {

class NodeHost {
 public:
  struct Options {
    // The host part of every address this process listens on.
    std::string host = "127.0.0.1";
    // Runs the GCS here, on gcs_port; gcs_address is then host:gcs_port.
    bool run_gcs = false;
    int gcs_port = 0;
    // False: only the GCS (and the dashboard) run here, no raylet: the GCS
    // in a process of its own, as Ray's gcs_server (`miniray local`).
    bool run_raylet = true;
    GcsServer::Options gcs;
    Address gcs_address;
    // The raylet's port; 0 picks a free one.
    int raylet_port = 0;
    // node_name, resources, capacity, heartbeat, scheduling, chunking.
    // gcs_address and on_declared_dead are filled in by NodeHost.
    Raylet::Options raylet;
    // For the workers started here.
    int64_t max_inline_bytes = 100 * 1024;
    // Their tasks' synthetic durations are multiplied by it: a slow_node
    // fault from the start (local mode cannot change it later).
    double compute_slowdown = 1.0;
    // How often they report the tasks they own to the GCS (Ray's 1 s;
    // `local` asks for less, so that its summary can wait for the last
    // report).
    absl::Duration worker_task_events_period = absl::Seconds(1);
    uint64_t seed = 1;
    // The cluster token (see docs/real-runtime.md).
    std::string token;
    // No token at all (loopback-only experiments: `start --no-token`).
    bool insecure_no_token = false;
    // How long Start waits for the GCS to answer, and for the raylet to
    // register.
    absl::Duration start_timeout = absl::Seconds(30);
    // Runs on the loop when the GCS says it declared this node dead. A Ray
    // raylet exits then; so does a `miniray node` process.
    std::function<void()> on_declared_dead;
    // --- Dashboard (src/dashboard/, docs/observability.md) ---
    // The HTTP port for /metrics (and, with the GCS, the dashboard); 0
    // picks a free one, -1 runs no HTTP server. Registered with the GCS
    // (NodeInfo.http_address), as is the node's CPU/memory use.
    int dashboard_port = -1;
    // host:port of the driver's HTTP server, which knows the tasks; "" (on
    // the head): the latest live node that registered has_driver.
    std::string dashboard_tasks_from;
    // The driver records the tasks it owns in this host's trace, and this
    // node registers has_driver (its HTTP server serves them).
    bool trace_driver = false;
    // How to start a worker process: this program, with the `worker`
    // command (the worker's flags are appended).
    std::vector<std::string> worker_command = {"/proc/self/exe", "worker"};
    // Worker processes run this much nicer than the node, as with Ray's
    // worker_niceness: busy tasks must not starve the raylet's heartbeats
    // (nor, on one machine, the GCS) until the node is taken for dead.
    int worker_niceness = 15;
    // Under `miniray local`: the FaultBoard that holds the run's message
    // faults, and the node name this process (and its workers) answers to
    // in them (the head's, for the GCS and the driver). Empty: none.
    std::string fault_board;
    std::string fault_node;
  };

  // Starts the GCS (if asked), waits until the GCS answers, starts the
  // raylet and waits until it registered. Unavailable/DeadlineExceeded if
  // the GCS does not answer or the raylet does not register in time;
  // AlreadyExists if a port is taken.
  static absl::StatusOr<std::unique_ptr<NodeHost>> Start(Options options);
  ~NodeHost();
  NodeHost(const NodeHost&) = delete;
  NodeHost& operator=(const NodeHost&) = delete;

  // Starts a driver CoreWorker on this node (worker index 0, a free port).
  // `options` gives the driver's own settings; ids and addresses are filled
  // in. The core worker lives as long as the host.
  absl::StatusOr<CoreWorker*> StartDriver(CoreWorker::Options options);

  // The pids of the node's worker processes, in no particular order.
  std::vector<pid_t> WorkerPids();

  // A copy of this process's counters (taken on the loop).
  Metrics metrics();
  // Sends the task snapshots not yet sent to the GCS now, and waits for the
  // reply, at most `timeout` (a driver's process, before it exits).
  void FlushTaskEvents(absl::Duration timeout);

  NodeId node_id() const { return node_id_; }
  const Address& raylet_address() const { return raylet_address_; }
  // The port of the node's HTTP server (/metrics, the dashboard); -1: none.
  int http_port() const { return options_.dashboard_port; }
  const Address& gcs_address() const { return options_.gcs_address; }
  EventLoop& loop() { return runtime_->loop(); }
  Transport& transport() { return runtime_->transport(); }
  FiberExecutor& executor() { return runtime_->executor(); }
  // Runs `fn(raylet)` on the loop and returns what it returns.
  bool WithRaylet(const std::function<void(const Raylet&)>& fn);
  // The HTTP server, or null if options.dashboard_port was -1.
  const DashboardServer* dashboard() const { return dashboard_.get(); }
  // The driver's owner-side trace, or null without options.trace_driver.
  // Touched on the loop only.
  TraceRecorder* driver_trace() {
    return options_.trace_driver ? &trace_ : nullptr;
  }

 private:
  explicit NodeHost(Options options);
  absl::Status StartGcs();
  // The raylet's options: the node's, with this host's hooks.
  Raylet::Options RayletOptions();
  absl::Status StartRaylet();
  // On the loop, before the raylet starts (and asks for workers).
  absl::Status StartStoreService();
  // On the loop: the raylet's launcher.
  void LaunchWorker(WorkerId id);
  // On the loop, every kReapInterval: reports exited workers to the raylet.
  void ReapWorkers();
  absl::Status StartDashboard();

  Options options_;
  // Declaration order is construction order; the destructor tears down by
  // hand (see there). The board outlives the runtime, whose transport asks it.
  std::unique_ptr<FaultBoard> fault_board_;
  std::unique_ptr<ProcessRuntime> runtime_;
  std::unique_ptr<Rng> rng_;
  Metrics metrics_;  // touched on the loop only
  std::unique_ptr<GcsServer> gcs_;
  // The owners' task snapshots for the GCS (every worker's, the driver's
  // with trace_driver); outlives the core workers, whose traces it holds.
  std::unique_ptr<TaskEventReporter> task_events_;
  std::unique_ptr<Raylet> raylet_;
  std::unique_ptr<InProcessStoreClient> store_client_;  // the driver's
  std::unique_ptr<StoreService> store_service_;
  std::string segment_prefix_;  // the store service's
  // The worker processes, and which worker each pid is. Used on the loop
  // (and by the destructor once the loop has stopped).
  ChildProcesses workers_;
  std::map<pid_t, WorkerId> worker_pids_;
  std::unique_ptr<CoreWorker> driver_;
  NodeId node_id_ = kNoNode;
  Address raylet_address_;
  TraceRecorder trace_;  // the driver's tasks; touched on the loop only
  std::unique_ptr<DashboardServer> dashboard_;
};

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_NODE_HOST_H_
