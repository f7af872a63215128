// Shared by the simulator benchmarks: start-up, and one timed run.
#ifndef MINIRAY_BENCH_BENCH_UTIL_H_
#define MINIRAY_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <string>

#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {

// Parses flags and keeps the logs to warnings on stderr.
inline void InitBench(int* argc, char*** argv) {
  gflags::ParseCommandLineFlags(argc, argv, true);
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 1;
  google::InitGoogleLogging((*argv)[0]);
}

struct TimedRun {
  RunSummary summary;
  double wall_s = 0;
};

// Runs a scenario given as text with seed 1, and times it on the wall
// clock. The run must succeed (CHECK).
inline TimedRun RunScenarioText(const std::string& text,
                                const std::string& label) {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(text, label);
  CHECK(s.ok()) << s.status();
  TimedRun run;
  const auto start = std::chrono::steady_clock::now();
  SimCluster cluster(*s, /*seed=*/1);
  run.summary = cluster.Run();
  run.wall_s = std::chrono::duration<double>(
                   std::chrono::steady_clock::now() - start)
                   .count();
  CHECK(run.summary.error.empty()) << run.summary.error;
  return run;
}

}  // namespace miniray

#endif  // MINIRAY_BENCH_BENCH_UTIL_H_
