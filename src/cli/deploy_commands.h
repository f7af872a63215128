// The commands that deploy a real cluster across machines, as `ray start`,
// `ray status`, `ray stop` and `ray submit` do (docs/real-cluster.md):
//
//   miniray start --head [--port=6379] [--token=T | --no-token]
//                 [--num-cpus=N] [--resources=GPU=1,...] [--block]
//                 [--node-ip-address=IP] [--node-name=NAME]
//       start the head node (GCS + raylet), a daemon unless --block; prints
//       the address and the token other nodes join with
//   miniray start --address=HEAD:PORT [--token=T | MINIRAY_TOKEN=T]
//                 [--num-cpus=N] [--resources=...] [--block] ...
//       start a node that joins the head's cluster
//   miniray status --address=HEAD:PORT [--token=T | MINIRAY_TOKEN=T]
//       list the cluster's nodes, their state and resources
//   miniray stop [--grace_seconds=10]
//       end every node `start` started on this machine
//   miniray submit --address=HEAD:PORT FILE [--json]
//       run the scenario's program as a driver on the live cluster
//
//   if (miniray::IsDeployCommand(command)) {
//     return miniray::RunDeployCommand(argc, argv);
//   }
//
// Exit status: 0 on success; 1 when the cluster refused or could not be
// reached, a node did not start, or a submitted run broke its expect
// block; 2 for bad input. Flags are read here only.
#ifndef MINIRAY_CLI_DEPLOY_COMMANDS_H_
#define MINIRAY_CLI_DEPLOY_COMMANDS_H_

#include <string>

namespace miniray {

// Whether `command` (argv[1]) is one of the commands above.
bool IsDeployCommand(const std::string& command);

// Runs the command in argv[1], with main's argv after gflags removed the
// flags. Returns the process's exit status.
int RunDeployCommand(int argc, char** argv);

}  // namespace miniray

#endif  // MINIRAY_CLI_DEPLOY_COMMANDS_H_
