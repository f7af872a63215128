#include "src/sim/fuzz.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/runtime/rng.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

// Errors a fault can explain, as long as miniray has no actor restarts.
bool ExplainedByFaults(const std::string& error) {
  if (error.find("ACTOR_DIED") != std::string::npos) return true;
  if (error.find("WORKER_DIED") != std::string::npos) return true;
  // Only Put objects may be lost for good: task outputs must be rebuilt.
  return error.find("OBJECT_LOST") != std::string::npos &&
         error.find("objects made by Put cannot be rebuilt") !=
             std::string::npos;
}

std::string DescribeFaults(const scenario::Scenario& s) {
  std::vector<std::string> parts;
  for (const scenario::Fault& fault : s.fault()) {
    parts.push_back(absl::StrCat("kill ", fault.kill_node(), " at ", fault.at()));
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
}

}  // namespace

scenario::Scenario WithRandomFaults(const scenario::Scenario& scenario,
                                    uint64_t seed, absl::Duration horizon,
                                    int max_faults) {
  scenario::Scenario out = scenario;
  out.clear_fault();
  const std::vector<std::string> nodes = scenario::ExpandNodeNames(scenario);
  if (nodes.size() < 2 || max_faults <= 0) return out;
  Rng rng(seed, "fuzz/faults");
  const int64_t horizon_us =
      std::max<int64_t>(1, absl::ToInt64Microseconds(horizon));
  const uint64_t count = rng.Uniform(max_faults + 1);
  for (uint64_t i = 0; i < count; ++i) {
    scenario::Fault* fault = out.add_fault();
    fault->set_kill_node(nodes[1 + rng.Uniform(nodes.size() - 1)]);
    fault->set_at(absl::StrCat(rng.Uniform(horizon_us), "us"));
  }
  return out;
}

std::string CheckInvariants(const RunSummary& summary,
                            const std::string& baseline_result,
                            bool had_faults) {
  if (!summary.finished && summary.error.empty()) {
    return "the run neither finished nor reported an error";
  }
  if (summary.error.empty()) {
    if (summary.result != baseline_result) {
      return absl::StrCat("result \"", summary.result,
                          "\" differs from the fault-free \"",
                          baseline_result, "\"");
    }
  } else if (!had_faults) {
    return absl::StrCat("failed without any fault: ", summary.error);
  } else if (!ExplainedByFaults(summary.error)) {
    return absl::StrCat("failed for a reason the faults do not explain: ",
                        summary.error);
  }
  // Each task runs at most 1 + max_retries (3) times for failures, plus once
  // per reconstruction.
  const uint64_t budget = summary.metrics.tasks_submitted * 3 +
                          summary.metrics.objects_reconstructed;
  if (summary.metrics.tasks_retried > budget) {
    return absl::StrCat(summary.metrics.tasks_retried,
                        " retries exceed the budget of ", budget);
  }
  return "";
}

FuzzReport Fuzz(
    const scenario::Scenario& scenario, const FuzzOptions& options,
    const std::function<void(uint64_t seed, const FuzzReport&)>& on_run) {
  FuzzReport report;
  scenario::Scenario clean = scenario;
  clean.clear_fault();
  const uint64_t base_seed = scenario.has_seed() ? scenario.seed() : 1;
  SimCluster baseline_cluster(clean, base_seed);
  const RunSummary baseline = baseline_cluster.Run();
  report.baseline_result = baseline.result;
  if (!baseline.error.empty()) {
    report.failures.push_back(
        {base_seed, absl::StrCat("fails without faults: ", baseline.error),
         "none"});
    return report;
  }
  for (int i = 0; i < options.seeds; ++i) {
    const uint64_t seed = options.first_seed + i;
    scenario::Scenario faulty = WithRandomFaults(
        scenario, seed, baseline.makespan, options.max_faults);
    SimCluster cluster(faulty, seed);
    if (options.disable_reconstruction) cluster.DisableReconstruction();
    const RunSummary summary = cluster.Run();
    ++report.runs;
    const bool had_faults = faulty.fault_size() > 0;
    if (had_faults) ++report.runs_with_faults;
    const std::string violation =
        CheckInvariants(summary, baseline.result, had_faults);
    if (!violation.empty()) {
      report.failures.push_back({seed, violation, DescribeFaults(faulty)});
    } else if (!summary.error.empty()) {
      ++report.programs_failed;
    }
    if (on_run) on_run(seed, report);
  }
  return report;
}

}  // namespace miniray
