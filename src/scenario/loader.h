// The scenario loader: reads a scenario file (a miniray.scenario.Scenario in
// protobuf text format, see src/proto/scenario.proto), checks it and hands
// back the message. A scenario that loads is safe to run: every name it uses
// refers to something that exists, every duration, size and bandwidth
// parses, and every task can fit on some node.
//
//   absl::StatusOr<Scenario> scenario = LoadScenarioFile("chaos.textproto");
//   if (!scenario.ok()) {
//     std::cerr << scenario.status().message() << "\n";
//     // chaos.textproto:12:3: fault[0].kill_node: unknown node "worker-33"
//     return 1;
//   }
//   for (const std::string& node : ExpandNodeNames(*scenario)) ...
//
// Every error is one line "file:line:col: field.path: what is wrong" (the
// line and column are 1-based; they point at the field, or at its nearest
// written ancestor when the field is missing). All problems found are
// reported at once, one per line.
//
// Loading reads no global state except the program registry below. All
// functions are thread-safe.
#ifndef MINIRAY_SCENARIO_LOADER_H_
#define MINIRAY_SCENARIO_LOADER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/proto/scenario.pb.h"

namespace miniray::scenario {

// Parses `text` as a Scenario in protobuf text format and validates it.
// `filename` is used only in error messages. Syntax errors and unknown fields
// are reported with the parser's message; failed checks name the field.
// Returns InvalidArgument on any error.
absl::StatusOr<Scenario> ParseScenario(absl::string_view text,
                                       absl::string_view filename);

// Reads the file at `path` and calls ParseScenario with `path` as the file
// name. A missing file gives NotFound naming the path; another failure to
// read it gives the status matching its errno.
absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path);

// The fault kinds `miniray fuzz` may draw, as FuzzLimits.kinds names them.
const std::vector<std::string>& FuzzFaultKinds();

// The node names after `count` expansion, in file order; the first is the
// head. A node with count 1 (or no count) keeps its name; count n > 1 gives
// "<name>-0" ... "<name>-<n-1>". Meant for scenarios that loaded.
std::vector<std::string> ExpandNodeNames(const Scenario& scenario);

// The resources offered by each node of the group `node`: its `resources`,
// or {"CPU": 1} when it lists none.
std::map<std::string, double> NodeResources(const Node& node);

// The resources of expanded node `node_index` (an index into
// ExpandNodeNames), with the same default. `node_index` must be in range.
std::map<std::string, double> NodeResources(const Scenario& scenario,
                                            int node_index);

// The resources each task of `stage` needs: its `resources`, or {"CPU": 1}
// when it lists none.
std::map<std::string, double> StageResources(const Stage& stage);

// The registry of program names that `program.name` may take. It starts with
// the built-in programs "square_map", "sum_matrix", "wait_loop",
// "monte_carlo_pi" and "workload"; RegisterProgramName adds one (adding a
// known name does nothing). Thread-safe.
void RegisterProgramName(std::string name);
bool IsKnownProgram(absl::string_view name);
// The registered names, sorted.
std::vector<std::string> KnownProgramNames();

}  // namespace miniray::scenario

#endif  // MINIRAY_SCENARIO_LOADER_H_
