#include "src/sim/fuzz.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/runtime/rng.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

// Errors a fault can explain.
bool ExplainedByFaults(const std::string& error) {
  if (error.find("ACTOR_DIED") != std::string::npos) return true;
  if (error.find("WORKER_DIED") != std::string::npos) return true;
  if (error.find("OWNER_DIED") != std::string::npos) return true;
  // Every node that could run a task may have been killed or cut off.
  if (error.find("TASK_UNSCHEDULABLE") != std::string::npos) return true;
  // Only Put objects may be lost for good: task outputs must be rebuilt.
  return error.find("OBJECT_LOST") != std::string::npos &&
         error.find("objects made by Put cannot be rebuilt") !=
             std::string::npos;
}

std::string DescribeFaults(const scenario::Scenario& s) {
  std::vector<std::string> parts;
  for (const scenario::Fault& fault : s.fault()) {
    parts.push_back(fault.ShortDebugString());
  }
  return parts.empty() ? "none" : absl::StrJoin(parts, "; ");
}

std::string Micros(int64_t us) { return absl::StrCat(us, "us"); }

// Fills `fault` with one fault of `kind` (see scenario::FuzzFaultKinds).
void DrawFault(const std::string& kind, const std::vector<std::string>& nodes,
               int64_t horizon_us, Rng& rng, scenario::Fault* fault) {
  const std::string any_node = nodes[rng.Uniform(nodes.size())];
  const std::string worker_node = nodes[1 + rng.Uniform(nodes.size() - 1)];
  fault->set_at(Micros(rng.Uniform(horizon_us)));
  if (kind == "kill_node") {
    fault->set_kill_node(worker_node);
  } else if (kind == "restart_node") {
    fault->set_kill_node(worker_node);
    fault->set_duration(Micros(100000 + rng.Uniform(1900000)));
  } else if (kind == "kill_worker") {
    fault->set_kill_worker(any_node);
  } else if (kind == "partition") {
    fault->mutable_partition()->add_nodes(worker_node);
    fault->mutable_partition()->set_one_way(rng.Uniform(4) == 0);
    fault->set_duration(Micros(50000 + rng.Uniform(1450000)));
  } else if (kind == "delay") {
    fault->mutable_messages()->set_delay(0.3);
    fault->mutable_messages()->set_max_delay("5ms");
  } else if (kind == "duplicate") {
    fault->mutable_messages()->set_duplicate(0.1);
  } else if (kind == "drop") {
    std::string to = nodes[rng.Uniform(nodes.size())];
    fault->mutable_messages()->set_from(any_node);
    fault->mutable_messages()->set_to(to);
    fault->mutable_messages()->set_drop(0.2);
    fault->set_duration(Micros(10000 + rng.Uniform(290000)));
  } else if (kind == "slow_node") {
    fault->mutable_slow_node()->set_node(any_node);
    fault->mutable_slow_node()->set_factor(2 + rng.Uniform(7));
  } else if (kind == "clock_skew") {
    fault->mutable_clock_skew()->set_node(any_node);
    fault->mutable_clock_skew()->set_skew(
        Micros(static_cast<int64_t>(rng.Uniform(10000000)) - 5000000));
  }
}

}  // namespace

scenario::Scenario WithRandomFaults(const scenario::Scenario& scenario,
                                    uint64_t seed, absl::Duration horizon,
                                    int max_faults) {
  scenario::Scenario out = scenario;
  out.clear_fault();
  const std::vector<std::string> nodes = scenario::ExpandNodeNames(scenario);
  if (nodes.size() < 2 || max_faults <= 0) return out;
  std::vector<std::string> allowed(scenario.fuzz().kinds().begin(),
                                   scenario.fuzz().kinds().end());
  if (allowed.empty()) {
    for (const std::string& kind : scenario::FuzzFaultKinds()) {
      if (kind != "drop") allowed.push_back(kind);
    }
  }
  Rng rng(seed, "fuzz/faults");
  // Swarm testing: each seed enables its own subset of the kinds, so that
  // some runs hammer one mechanism and others mix them.
  std::vector<std::string> enabled;
  for (const std::string& kind : allowed) {
    if (rng.Uniform(2) == 0) enabled.push_back(kind);
  }
  if (enabled.empty()) enabled.push_back(allowed[rng.Uniform(allowed.size())]);
  const int64_t horizon_us =
      std::max<int64_t>(1, absl::ToInt64Microseconds(horizon));
  const uint64_t count = rng.Uniform(max_faults + 1);
  for (uint64_t i = 0; i < count; ++i) {
    DrawFault(enabled[rng.Uniform(enabled.size())], nodes, horizon_us, rng,
              out.add_fault());
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
    // A restarted actor's state is rebuilt by its constructor, so what the
    // program computes from it may differ (Ray does not checkpoint actors).
    if (summary.result != baseline_result &&
        summary.metrics.actors_restarted == 0) {
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
  if (summary.metrics.actor_order_violations > 0) {
    return absl::StrCat(summary.metrics.actor_order_violations,
                        " actor call(s) ran out of their caller's order");
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
  const int max_faults =
      options.max_faults >= 0
          ? options.max_faults
          : (scenario.fuzz().has_max_faults() ? scenario.fuzz().max_faults()
                                              : 2);
  report.max_faults = max_faults;
  for (int i = 0; i < options.seeds; ++i) {
    const uint64_t seed = options.first_seed + i;
    scenario::Scenario faulty =
        WithRandomFaults(scenario, seed, baseline.makespan, max_faults);
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
