// WorkerProcesses: a node's `miniray worker` processes, as /proc shows them
// (for `miniray local`'s kill_worker and kill_actor faults, which pick a
// worker of a node running in another process).
//
//   for (const WorkerProcess& worker : WorkerProcessesOf(node_pid)) {
//     if (worker.worker_id == wanted) kill(worker.pid, SIGKILL);
//   }
//   std::optional<WorkerProcess> victim = BusiestOf(WorkerProcessesOf(pid));
//
// Linux only; reads /proc/<pid>/stat and /proc/<pid>/cmdline of every
// process once per call.
#ifndef MINIRAY_CLUSTER_WORKER_PROCESSES_H_
#define MINIRAY_CLUSTER_WORKER_PROCESSES_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/common/ids.h"

namespace miniray {

struct WorkerProcess {
  pid_t pid = 0;
  WorkerId worker_id = 0;
  bool running = false;    // state R: on a CPU or waiting for one
  int64_t cpu_ticks = 0;   // user + system time so far, in clock ticks
};

// The worker processes whose parent is `node` (children that are not
// `miniray worker ... --worker_id=N` are left out), by pid.
std::vector<WorkerProcess> WorkerProcessesOf(pid_t node);

// The one most likely running a task: a running one first, then the one
// that used the most CPU, then the lowest worker id. nullopt if none.
std::optional<WorkerProcess> BusiestOf(const std::vector<WorkerProcess>& all);

// Parses /proc/<pid>/stat text: the parent pid, state and CPU ticks.
// False if it does not parse. (Exposed for tests.)
bool ParseProcStat(absl::string_view stat, pid_t* parent, char* state,
                   int64_t* cpu_ticks);

// The value of --worker_id= in a NUL-separated command line, if any.
std::optional<WorkerId> WorkerIdOfCommandLine(absl::string_view cmdline);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_WORKER_PROCESSES_H_
