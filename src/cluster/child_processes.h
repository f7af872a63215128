// ChildProcesses: the OS processes a `miniray local` run starts, and the
// guarantee that none outlives the run.
//
//   ChildProcesses children;
//   ChildProcesses::KillAllOnSignal();          // SIGINT, SIGTERM, SIGHUP
//   absl::StatusOr<pid_t> pid = children.Start(
//       {"/proc/self/exe", "node", "--scenario=x.textproto"},
//       {"MINIRAY_TOKEN=..."});
//   ...
//   children.Kill(*pid);                          // SIGKILL, then reaped
//   // The destructor kills and reaps whatever is left.
//
// Four ways a child is ended: Kill; the destructor (normal end and errors);
// the signal handler, which kills and reaps every child and exits with
// 128+signal; and, should this process die without running any of them
// (SIGKILL), the kernel: each child is started with
// prctl(PR_SET_PDEATHSIG, SIGKILL). That signal follows the *thread* that
// forked, so Start must be called from the main thread.
//
// A child's stdout goes to our stderr (our stdout is the run's summary).
// Not thread-safe: one thread (main) uses it. At most kMaxChildren at once.
#ifndef MINIRAY_CLUSTER_CHILD_PROCESSES_H_
#define MINIRAY_CLUSTER_CHILD_PROCESSES_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace miniray {

class ChildProcesses {
 public:
  static constexpr int kMaxChildren = 256;

  ChildProcesses() = default;
  // Kills (SIGKILL) and reaps every child still running.
  ~ChildProcesses();
  ChildProcesses(const ChildProcesses&) = delete;
  ChildProcesses& operator=(const ChildProcesses&) = delete;

  // Starts argv[0] (a path) with `argv`, our environment plus `extra_env`
  // ("NAME=value" each), at `niceness` (0: ours; higher: a lower priority,
  // from before exec). Returns its pid.
  absl::StatusOr<pid_t> Start(const std::vector<std::string>& argv,
                              const std::vector<std::string>& extra_env,
                              int niceness = 0);

  // SIGKILLs `pid` (one of ours) and reaps it. Returns its wait status, or
  // nullopt if it was not ours.
  std::optional<int> Kill(pid_t pid);

  // Reaps the children that have exited on their own; returns their pids
  // and wait statuses.
  std::vector<std::pair<pid_t, int>> ReapExited();

  void KillAll();

  // Installs handlers for SIGINT, SIGTERM and SIGHUP that kill and reap
  // every child of every ChildProcesses, then exit with 128+signal.
  static void KillAllOnSignal();

  // "exited with status 3", "killed by signal 9".
  static std::string DescribeWaitStatus(int status);

 private:
  std::vector<pid_t> pids_;
};

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_CHILD_PROCESSES_H_
