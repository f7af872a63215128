// SimCluster: a whole miniray cluster in one process, on virtual time.
//
// It builds what a scenario describes, on the simulated runtime: a network
// model, the GCS on the head node, a raylet (with its object store and
// object manager) per node, worker processes started by the raylets, and
// the driver, which runs the scenario's program on a fiber. Then it runs
// the event loop until the program returns, and summarises the run.
//
//   absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(path);
//   SimCluster cluster(*s, /*seed=*/7);
//   RunSummary summary = cluster.Run();
//
// Each component runs in its own SimProcess, so that faults can kill it as
// an operating system would (see sim_faults.cc for the faults a scenario
// injects). The same scenario and seed give the same run, event for event:
// the summary's fingerprint proves it. Single-threaded.
#ifndef MINIRAY_SIM_SIM_CLUSTER_H_
#define MINIRAY_SIM_SIM_CLUSTER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/common/metrics.h"
#include "src/core_worker/core_worker.h"
#include "src/gcs/gcs_server.h"
#include "src/object_store/store_client.h"
#include "src/proto/scenario.pb.h"
#include "src/raylet/raylet.h"
#include "src/runtime/rng.h"
#include "src/runtime/sim/sim_executor.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"
#include "src/runtime/sim/sim_process.h"
#include "src/sim/run_summary.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

class SimCluster {
 public:
  // `scenario` must have passed the loader's validation. With `trace`, the
  // run records every task and object (see trace()).
  SimCluster(const scenario::Scenario& scenario, uint64_t seed,
             bool trace = false);

  // Plants a bug (for testing the fuzzer): owners never rebuild lost objects.
  void DisableReconstruction() { disable_reconstruction_ = true; }
  ~SimCluster();

  // What a progress display shows: virtual time since the program started,
  // tasks finished, events run.
  struct Progress {
    absl::Duration elapsed;
    uint64_t tasks_finished = 0;
    uint64_t events = 0;
  };
  // Calls `callback` every few thousand events while the program runs. It
  // only reads: the run (and its fingerprint) is the same with or without.
  void SetProgressCallback(std::function<void(const Progress&)> callback) {
    progress_ = std::move(callback);
  }

  RunSummary Run();

  // After Run: lets the cluster go on for `duration` of virtual time (for
  // messages still in flight when the program returned, such as frees).
  void Settle(absl::Duration duration);

  // For tests: the nodes, in scenario order.
  size_t num_nodes() const { return nodes_.size(); }
  Raylet& raylet(size_t index) { return *nodes_.at(index)->raylet; }
  CoreWorker& driver() { return *driver_; }
  const GcsServer& gcs() const { return *gcs_; }
  // The run's task and object records; null unless tracing was asked for.
  const TraceRecorder* trace() const { return trace_.get(); }

 private:
  struct SimWorker {
    std::unique_ptr<SimProcess> process;
    std::unique_ptr<CoreWorker> core;
  };
  // One incarnation of a node: a restarted node is a new SimNode.
  struct SimNode {
    std::string name;
    int index = 0;        // in scenario order
    int incarnation = 0;  // 0 at first, +1 at each restart
    std::unique_ptr<Rng> rng;
    std::unique_ptr<SimProcess> raylet_process;
    std::unique_ptr<Raylet> raylet;
    // How the node's workers (and, on the head, the driver) reach its store.
    std::unique_ptr<InProcessStoreClient> store_client;
    std::vector<SimWorker> workers;
    double slowdown = 1.0;
    absl::Duration skew;
  };

  void StartGcs();
  void StartNodes();
  std::unique_ptr<SimNode> MakeNode(int index, int incarnation);
  void LaunchWorker(SimNode& node, WorkerId id);
  // Runs until every raylet has registered and sees every node.
  bool WaitForCluster();
  bool ClusterIsUp() const;
  void RunProgram(RunSummary& summary);
  // A new process on `host`, with the host's slowdown and skew.
  std::unique_ptr<SimProcess> NewProcess(const SimNode& host,
                                         const std::string& name);

  // Faults (sim_faults.cc).
  void ScheduleFaults();
  void ApplyFault(const scenario::Fault& fault, bool heal);
  // Kills a node's processes; `why` (if any) replaces "killed" in the log.
  void KillNode(int index, absl::string_view why = "");
  void RestartNode(int index);
  void KillWorkerOn(int index);
  void KillActorNamed(const std::string& name);
  void KillWorker(SimNode& node, SimWorker& worker);
  void KillHead();
  void SetSlowdown(int index, double factor);
  void SetSkew(int index, absl::Duration skew);
  int NodeIndex(const std::string& name) const;
  // Logs what a fault did (and traces it, on `node` if it has one).
  void NoteFault(std::string what, const std::string& node = "");

  const scenario::Scenario scenario_;
  const uint64_t seed_;
  Metrics metrics_;
  SimLoop loop_;
  std::unique_ptr<SimNetwork> network_;
  std::unique_ptr<SimExecutor> executor_;
  std::unique_ptr<SimProcess> gcs_process_;
  std::unique_ptr<GcsServer> gcs_;
  // The current incarnation of each node, in scenario order.
  std::vector<std::unique_ptr<SimNode>> nodes_;
  // Killed incarnations, kept until the end: the simulator may still hold
  // callbacks into them (which their dead processes never run).
  std::vector<std::unique_ptr<SimNode>> dead_nodes_;
  std::unique_ptr<SimProcess> driver_process_;
  std::unique_ptr<CoreWorker> driver_;
  // What the faults did, in order, for the summary.
  std::vector<std::string> fault_log_;
  // Fault times count from here, the program's start.
  absl::Time faults_start_;
  std::unique_ptr<TraceRecorder> trace_;
  bool disable_reconstruction_ = false;
  std::function<void(const Progress&)> progress_;
};

}  // namespace miniray

#endif  // MINIRAY_SIM_SIM_CLUSTER_H_
