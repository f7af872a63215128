// What a scenario says about one node, as NodeHost options: the same
// defaults and settings SimCluster uses, so that `miniray local` builds the
// cluster `miniray sim` simulates.
//
//   NodeHost::Options options = NodeOptionsFromScenario(scenario, 2);
//   options.gcs_address = gcs;
//   options.token = token;
//
// Simulator-only settings (worker_startup_time, task_overhead, the network
// model) are left out: in a real cluster they take the time they take.
#ifndef MINIRAY_CLUSTER_SCENARIO_OPTIONS_H_
#define MINIRAY_CLUSTER_SCENARIO_OPTIONS_H_

#include "src/cluster/node_host.h"
#include "src/proto/scenario.pb.h"

namespace miniray {

// How often the workers of a `local` cluster report the tasks they own to
// the GCS; the run's summary waits that long (and a little) for their last
// report before it counts the nested tasks.
inline constexpr absl::Duration kLocalTaskEventsPeriod =
    absl::Milliseconds(200);

// Options for expanded node `node_index` (see scenario::ExpandNodeNames) of
// a scenario that loaded; run_gcs is set for the head (index 0). Addresses,
// ports and the token are left for the caller.
NodeHost::Options NodeOptionsFromScenario(const scenario::Scenario& scenario,
                                          int node_index);

// Whether `fault` is a slow_node from time zero that never heals: the kind
// local mode applies, by starting the node's workers slow.
bool IsSlowFromStart(const scenario::Fault& fault);

// The driver's own settings from the scenario's config.
CoreWorker::Options DriverOptionsFromScenario(
    const scenario::Scenario& scenario);

// The scenario's seed (1 if it has none), unless `seed_flag` is non-zero.
uint64_t ScenarioSeed(const scenario::Scenario& scenario, uint64_t seed_flag);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_SCENARIO_OPTIONS_H_
