// miniray: one binary for the whole system.
//
//   miniray sim FILE [--seed=N] [--json]   run a scenario in the simulator
//
// Exit status: 0 when the scenario ran and its expect block held; 1 when the
// run broke an expectation (or the program failed); 2 for bad input (a
// scenario that does not parse or validate, an unknown command or flag).
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/programs/program.h"
#include "src/scenario/loader.h"
#include "src/sim/run_summary.h"
#include "src/sim/sim_cluster.h"

DEFINE_uint64(seed, 0, "Seed of the run; 0 keeps the scenario's own seed.");
DEFINE_bool(json, false, "Print the run summary as one JSON object.");

namespace miniray {
namespace {

constexpr int kExitExpectationFailed = 1;
constexpr int kExitBadInput = 2;

constexpr char kUsage[] =
    "miniray: a small, faithful reimplementation of Ray's core.\n"
    "\n"
    "usage:\n"
    "  miniray sim FILE [--seed=N] [--json]   run a scenario in the simulator\n"
    "\n"
    "Scenario files are described in docs/scenarios.md.";

int RunSim(const std::string& path) {
  absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(path);
  if (!loaded.ok()) {
    std::cerr << "miniray: " << loaded.status().message() << "\n";
    return kExitBadInput;
  }
  const uint64_t seed = FLAGS_seed != 0 ? FLAGS_seed
                        : loaded->has_seed() ? loaded->seed()
                                             : 1;
  SimCluster cluster(*loaded, seed);
  const RunSummary summary = cluster.Run();
  if (FLAGS_json) {
    std::cout << SummaryToJson(summary) << "\n";
  } else {
    std::cout << SummaryToText(summary);
  }
  absl::Status check = CheckExpectations(loaded->expect(), summary);
  if (!check.ok()) {
    std::cerr << "miniray: " << path << ": expectation failed: "
              << check.message() << "\n";
    return kExitExpectationFailed;
  }
  return 0;
}

}  // namespace
}  // namespace miniray

int main(int argc, char** argv) {
  gflags::SetUsageMessage(miniray::kUsage);
  gflags::ParseCommandLineFlags(&argc, &argv, /*remove_flags=*/true);
  FLAGS_logtostderr = true;
  if (FLAGS_minloglevel == 0) FLAGS_minloglevel = 1;  // warnings and up
  google::InitGoogleLogging(argv[0]);
  if (argc < 2) {
    std::cerr << miniray::kUsage << "\n";
    return miniray::kExitBadInput;
  }
  const std::string command = argv[1];
  if (command == "sim" && argc == 3) return miniray::RunSim(argv[2]);
  if (command == "sim") {
    std::cerr << "usage: miniray sim FILE [--seed=N] [--json]\n";
    return miniray::kExitBadInput;
  }
  std::cerr << "miniray: unknown command \"" << command << "\"\n\n"
            << miniray::kUsage << "\n";
  return miniray::kExitBadInput;
}
