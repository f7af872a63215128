// Semantic checks of a parsed scenario (internal to the loader): the rules
// that protobuf's text format cannot express, such as "a link names known
// nodes" or "every stage fits on some node".
//
//   Diagnostics diagnostics(filename, scenario, parse_info_tree);
//   ValidateScenario(scenario, &diagnostics);
//   RETURN_IF_ERROR(diagnostics.ToStatus());
#ifndef MINIRAY_SCENARIO_VALIDATE_H_
#define MINIRAY_SCENARIO_VALIDATE_H_

#include <cstdint>
#include <vector>

#include "src/proto/scenario.pb.h"
#include "src/scenario/diagnostics.h"
#include "src/scenario/field_checks.h"

namespace miniray::scenario {

// Most nodes a scenario may have after `count` expansion. The simulator keeps
// per-node state, so this bounds its memory; real clusters of this size are
// out of scope.
inline constexpr uint64_t kMaxExpandedNodes = 100000;

// Records in `diagnostics` every rule `scenario` breaks. Reads the program
// registry of loader.h. (validate.cc)
void ValidateScenario(const Scenario& scenario, Diagnostics* diagnostics);

// Records every rule the synthetic program `workload`, found at `path`,
// breaks. `node_offers` holds the resources of each node group, or is null
// when the cluster is invalid; then whether tasks fit on a node is not
// checked. (validate_workload.cc)
void ValidateWorkload(const FieldPath& path, const Workload& workload,
                      const std::vector<Resources>* node_offers,
                      Diagnostics* diagnostics);

}  // namespace miniray::scenario

#endif  // MINIRAY_SCENARIO_VALIDATE_H_
