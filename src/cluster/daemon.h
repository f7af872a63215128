// Daemons: the node processes `miniray start` leaves running on a machine,
// their pidfiles and logs, and `miniray stop`, which ends them.
//
//   absl::StatusOr<DaemonReport> report = Daemonize(LogPathFor("head"));
//   // Only the daemon returns (the original process exits from inside
//   // Daemonize, with the status the daemon reports).
//   absl::Status up = StartTheNode();
//   report->Send(up.ok(), up.ok() ? "started ...\n" : up.message());
//   if (up.ok()) WritePidfile("head");
//
//   std::vector<std::string> stopped = StopDaemons(absl::Seconds(10));
//
// Files live in StateDir(): $MINIRAY_TMPDIR, else /tmp/miniray. A pidfile
// is <dir>/<name>-<pid>.pid, holding the pid and the log's path.
// Daemonize must be called before any thread is started (it forks).
#ifndef MINIRAY_CLUSTER_DAEMON_H_
#define MINIRAY_CLUSTER_DAEMON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace miniray {

// Where pidfiles and logs go; created if missing.
std::string StateDir();

// A fresh log path for a daemon called `name`: <dir>/<name>-<pid>.log.
std::string LogPathFor(const std::string& name);

// The daemon's line back to the process that started it.
class DaemonReport {
 public:
  explicit DaemonReport(int fd) : fd_(fd) {}
  // Tells the original process whether the daemon started, and what to
  // print (stdout if it started, stderr if not). Only the first call counts.
  void Send(bool started, const std::string& message);

 private:
  int fd_;
};

// Detaches this process as a daemon: fork, setsid, fork again; the daemon's
// stdin is /dev/null, its stdout and stderr go to `log_path` (appended).
// The original process does not return: it waits for the daemon's report,
// prints its message and exits 0 if it started, 1 if not (or if the daemon
// died without reporting). Returns in the daemon only.
absl::StatusOr<DaemonReport> Daemonize(const std::string& log_path);

// Writes <dir>/<name>-<pid>.pid for this process.
absl::Status WritePidfile(const std::string& name, const std::string& log_path);

// Ends every daemon with a pidfile in StateDir(): SIGTERM, then SIGKILL to
// those still alive after `grace`; removes the pidfiles. Returns once the
// daemons' child processes (their workers) are gone too. Returns one line
// per pidfile saying what happened ("stopped head (pid 12)", ...).
std::vector<std::string> StopDaemons(absl::Duration grace);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_DAEMON_H_
