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
// The same scenario and seed give the same run, event for event: the
// summary's fingerprint proves it. Single-threaded.
#ifndef MINIRAY_SIM_SIM_CLUSTER_H_
#define MINIRAY_SIM_SIM_CLUSTER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "src/common/metrics.h"
#include "src/core_worker/core_worker.h"
#include "src/gcs/gcs_server.h"
#include "src/proto/scenario.pb.h"
#include "src/raylet/raylet.h"
#include "src/runtime/rng.h"
#include "src/runtime/sim/sim_executor.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"
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
  struct SimNode {
    std::string name;
    std::unique_ptr<Rng> rng;
    std::unique_ptr<Raylet> raylet;
    std::vector<std::unique_ptr<CoreWorker>> workers;
  };

  void StartGcs();
  void StartNodes();
  void LaunchWorker(SimNode& node, WorkerId id);
  // Runs until every raylet has registered and sees every node.
  bool WaitForCluster();
  bool ClusterIsUp() const;
  void ScheduleFaults();
  void RunProgram(RunSummary& summary);

  const scenario::Scenario scenario_;
  const uint64_t seed_;
  Metrics metrics_;
  SimLoop loop_;
  std::unique_ptr<SimNetwork> network_;
  std::unique_ptr<SimExecutor> executor_;
  std::unique_ptr<GcsServer> gcs_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::unique_ptr<CoreWorker> driver_;
  std::unique_ptr<TraceRecorder> trace_;
  bool disable_reconstruction_ = false;
  std::function<void(const Progress&)> progress_;
};

}  // namespace miniray

#endif  // MINIRAY_SIM_SIM_CLUSTER_H_
