// The real-cluster commands of the miniray binary (main.cc hands them over):
//
//   miniray local FILE [--json] [--seed=N]
//       start a real cluster of processes on this machine as the scenario
//       describes, run its program, inject its kill_node faults for real,
//       tear everything down; prints the summary `miniray sim` prints
//   miniray node --scenario=FILE --node_index=I --gcs_address=A
//                --raylet_port=P [--gcs_port=G] --cluster=MARKER
//       (hidden) one node of a `local` cluster; MINIRAY_TOKEN in the
//       environment holds the cluster token
//
//   if (miniray::IsClusterCommand(command)) {
//     return miniray::RunClusterCommand(argc, argv);
//   }
//
// Exit status as for `sim`: 0 when the expect block held, 1 when the run
// broke it, 2 for bad input.
#ifndef MINIRAY_CLI_CLUSTER_COMMANDS_H_
#define MINIRAY_CLI_CLUSTER_COMMANDS_H_

#include <string>

#include "src/sim/run_summary.h"

namespace miniray {

// As SummaryToText, for a real run (`local`, `submit`): real time, no
// fingerprint, and counts that are the driver's own.
std::string LocalSummaryText(const RunSummary& summary);

// Whether `command` (argv[1]) is one of the commands above.
bool IsClusterCommand(const std::string& command);

// Runs the command in argv[1], with main's argv after gflags removed the
// flags. Returns the process's exit status.
int RunClusterCommand(int argc, char** argv);

}  // namespace miniray

#endif  // MINIRAY_CLI_CLUSTER_COMMANDS_H_
