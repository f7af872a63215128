#include "src/cluster/child_processes.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace miniray {
namespace {

// Every live child of this process, for the signal handler: slots hold a
// pid or 0. Lock-free atomics are safe to read in a signal handler.
std::atomic<pid_t> live_children[ChildProcesses::kMaxChildren];

bool Remember(pid_t pid) {
  for (auto& slot : live_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return true;
  }
  return false;
}

void Forget(pid_t pid) {
  for (auto& slot : live_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

// Only async-signal-safe calls: kill, waitpid, _exit.
void OnTerminatingSignal(int signal_number) {
  for (auto& slot : live_children) {
    const pid_t pid = slot.load();
    if (pid > 0) kill(pid, SIGKILL);
  }
  for (auto& slot : live_children) {
    const pid_t pid = slot.load();
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  _exit(128 + signal_number);
}

}  // namespace

ChildProcesses::~ChildProcesses() { KillAll(); }

absl::StatusOr<pid_t> ChildProcesses::Start(
    const std::vector<std::string>& argv,
    const std::vector<std::string>& extra_env, int niceness) {
  if (argv.empty()) return absl::InvalidArgumentError("no program to start");
  // Everything the child needs is built before fork: between fork and exec
  // a child of a threaded process may only make async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (char** var = environ; *var != nullptr; ++var) env.push_back(*var);
  for (const std::string& var : extra_env)
    env.push_back(const_cast<char*>(var.c_str()));
  env.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    if (niceness != 0) setpriority(PRIO_PROCESS, 0, niceness);
    dup2(STDERR_FILENO, STDOUT_FILENO);
    execve(args[0], args.data(), env.data());
    _exit(127);
  }
  pids_.push_back(pid);
  if (!Remember(pid)) {
    Kill(pid);
    return absl::ResourceExhaustedError("too many child processes");
  }
  return pid;
}

std::optional<int> ChildProcesses::Kill(pid_t pid) {
  auto it = std::find(pids_.begin(), pids_.end(), pid);
  if (it == pids_.end()) return std::nullopt;
  pids_.erase(it);
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  Forget(pid);
  return status;
}

std::vector<std::pair<pid_t, int>> ChildProcesses::ReapExited() {
  std::vector<std::pair<pid_t, int>> exited;
  for (pid_t pid : std::vector<pid_t>(pids_)) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited.emplace_back(pid, status);
      pids_.erase(std::find(pids_.begin(), pids_.end(), pid));
      Forget(pid);
    }
  }
  return exited;
}

void ChildProcesses::KillAll() {
  for (pid_t pid : std::vector<pid_t>(pids_)) Kill(pid);
}

void ChildProcesses::KillAllOnSignal() {
  struct sigaction action {};
  action.sa_handler = OnTerminatingSignal;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    sigaction(signal_number, &action, nullptr);
  }
}

std::string ChildProcesses::DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) {
    return absl::StrCat("exited with status ", WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status));
  }
  return absl::StrCat("ended with wait status ", status);
}

}  // namespace miniray
