#include "src/cluster/scenario_options.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "src/common/units.h"
#include "src/scenario/loader.h"

namespace miniray {
namespace {

absl::Duration DurationOr(const std::string& text, absl::Duration fallback) {
  return text.empty() ? fallback : ParseDuration(text).value();
}

int64_t BytesOr(const std::string& text, int64_t fallback) {
  return text.empty() ? fallback : ParseBytes(text).value();
}

// The node entry expanded node `index` comes from.
const scenario::Node& EntryOf(const scenario::Scenario& scenario, int index) {
  int first = 0;
  for (const scenario::Node& candidate : scenario.cluster().node()) {
    const int count = candidate.has_count() ? candidate.count() : 1;
    if (index < first + count) return candidate;
    first += count;
  }
  return scenario.cluster().node(0);
}

}  // namespace

bool IsSlowFromStart(const scenario::Fault& fault) {
  return fault.kind_case() == scenario::Fault::kSlowNode &&
         ParseDuration(fault.at()).value_or(absl::InfiniteDuration()) ==
             absl::ZeroDuration() &&
         fault.duration().empty();
}

NodeHost::Options NodeOptionsFromScenario(const scenario::Scenario& scenario,
                                          int node_index) {
  const scenario::SystemConfig& config = scenario.config();
  const std::vector<std::string> names = scenario::ExpandNodeNames(scenario);
  NodeHost::Options options;
  options.run_gcs = node_index == 0;
  options.gcs.heartbeat_period =
      DurationOr(config.heartbeat_period(), absl::Milliseconds(100));
  options.gcs.heartbeat_misses_max =
      config.has_heartbeat_misses_max() ? config.heartbeat_misses_max() : 5;
  Raylet::Options& raylet = options.raylet;
  raylet.node_name = names.at(node_index);
  raylet.resources =
      ResourceSet::FromMap(scenario::NodeResources(scenario, node_index));
  raylet.object_store_capacity =
      BytesOr(EntryOf(scenario, node_index).object_store_memory(), 1LL << 30);
  raylet.heartbeat_period = options.gcs.heartbeat_period;
  raylet.spread_threshold =
      config.has_spread_threshold() ? config.spread_threshold() : 0.5;
  raylet.chunk_size = BytesOr(config.transfer_chunk_size(), 5 << 20);
  // The nodes of a local cluster share this machine's cores: together they
  // start at most as many worker processes at once as it has (each node
  // at least one), not each node as many.
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  raylet.max_concurrent_worker_starts =
      std::max(1, cores / static_cast<int>(names.size()));
  if (config.has_max_workers_per_node()) {
    raylet.max_workers = config.max_workers_per_node();
  }
  options.max_inline_bytes =
      BytesOr(config.max_inline_object_size(), 100 * 1024);
  // A slow node from the start, for good, is the one local mode applies
  // (local_faults.cc): its workers are started slow.
  for (const scenario::Fault& fault : scenario.fault()) {
    if (IsSlowFromStart(fault) && fault.slow_node().node() == raylet.node_name) {
      options.compute_slowdown = fault.slow_node().factor();
    }
  }
  options.seed = ScenarioSeed(scenario, 0);
  options.worker_task_events_period = kLocalTaskEventsPeriod;
  return options;
}

CoreWorker::Options DriverOptionsFromScenario(
    const scenario::Scenario& scenario) {
  CoreWorker::Options options;
  options.max_inline_bytes =
      BytesOr(scenario.config().max_inline_object_size(), 100 * 1024);
  // A driver's sequential tasks reuse their worker: one RPC per task
  // instead of three (docs/real-cluster.md, section 9).
  options.idle_worker_keep = absl::Milliseconds(10);
  if (scenario.config().has_max_pending_lease_requests()) {
    options.max_pending_lease_requests =
        scenario.config().max_pending_lease_requests();
  }
  return options;
}

uint64_t ScenarioSeed(const scenario::Scenario& scenario, uint64_t seed_flag) {
  if (seed_flag != 0) return seed_flag;
  return scenario.has_seed() ? scenario.seed() : 1;
}

}  // namespace miniray
