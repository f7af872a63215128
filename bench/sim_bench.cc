// Simulator throughput: how many simulated tasks per wall-clock second, and
// at what peak memory, for synthetic workloads on large simulated clusters.
//
//   bazel run -c opt //bench:sim_bench                      # both sizes
//   bazel run -c opt //bench:sim_bench -- --nodes=100 --tasks=100000
//
// Each run is a two-stage workload: `tasks` map tasks of 100 ms (+/- 50%)
// on 16-CPU nodes, then one reduce task per 1000 maps that reads 10 map
// outputs each. Prints one line per run.
#include <sys/resource.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "bench/bench_util.h"

DEFINE_int32(nodes, 0, "Nodes in the cluster; 0 runs the standard sizes.");
DEFINE_int64(tasks, 0, "Map tasks of the workload.");

namespace miniray {
namespace {

std::string MakeScenario(int nodes, int64_t tasks) {
  return absl::StrCat(R"(
    name: "sim_bench"
    cluster {
      node { name: "head" resources { key: "CPU" value: 16 } }
      node { name: "worker" count: )", nodes - 1, R"( resources { key: "CPU" value: 16 } }
    }
    program {
      name: "workload"
      workload {
        stage { name: "map" count: )", tasks, R"( duration: "100ms" duration_jitter: 0.5 output_size: "100B" }
        stage { name: "reduce" count: )", std::max<int64_t>(1, tasks / 1000), R"( duration: "10ms"
                dep { stage: "map" per_task: 10 } }
      }
    }
    max_time: "10h"
  )");
}

long PeakRssMiB() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

void RunOne(int nodes, int64_t tasks) {
  const TimedRun run = RunScenarioText(MakeScenario(nodes, tasks), "sim_bench");
  const RunSummary& summary = run.summary;
  const double wall_s = run.wall_s;
  std::printf(
      "sim_bench nodes=%d tasks=%lld: %.2f s wall, %.0f tasks/s, "
      "makespan %.2f s virtual, %llu events, %llu messages, peak RSS %ld MiB\n",
      nodes, static_cast<long long>(summary.metrics.tasks_finished), wall_s,
      summary.metrics.tasks_finished / wall_s,
      absl::ToDoubleSeconds(summary.makespan),
      static_cast<unsigned long long>(summary.events),
      static_cast<unsigned long long>(summary.messages), PeakRssMiB());
  std::fflush(stdout);
}

}  // namespace
}  // namespace miniray

int main(int argc, char** argv) {
  miniray::InitBench(&argc, &argv);
  if (FLAGS_nodes > 0) {
    miniray::RunOne(FLAGS_nodes, FLAGS_tasks > 0 ? FLAGS_tasks : 100000);
    return 0;
  }
  miniray::RunOne(100, 100000);
  miniray::RunOne(1000, 1000000);
  return 0;
}
