#include "src/cluster/daemon.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace miniray {
namespace {

constexpr char kPidfileSuffix[] = ".pid";

// Writes all of `text` to `fd`, across short writes.
void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += n;
  }
}

std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(buffer, n);
  }
}

// The original process: waits for the report ('1' or '0', then the
// message) and exits with what it says. EOF first: the daemon died.
[[noreturn]] void WaitForReport(int fd, pid_t middle) {
  waitpid(middle, nullptr, 0);  // the middle process exits at once
  const std::string report = ReadAll(fd);
  if (report.empty()) {
    std::cerr << "miniray: the daemon exited before it started (see its log)\n";
    std::_Exit(1);
  }
  const bool started = report[0] == '1';
  (started ? std::cout : std::cerr) << report.substr(1) << std::flush;
  std::_Exit(started ? 0 : 1);
}

// Alive, and not a zombie waiting for a parent that does not reap.
bool IsRunning(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() ||
         line[paren + 2] != 'Z';
}

// Whether `pid` is still a miniray process (pids are reused).
bool IsMiniray(pid_t pid) {
  std::ifstream cmdline(absl::StrCat("/proc/", pid, "/cmdline"));
  std::stringstream text;
  text << cmdline.rdbuf();
  return absl::StrContains(text.str(), "miniray");
}

// Polls until `pid` is gone or `timeout` passed; whether it is gone.
bool WaitGone(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (IsRunning(pid)) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

// The processes whose parent is `parent` (a node's workers), from /proc.
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return children;
  while (dirent* entry = readdir(proc)) {
    const pid_t pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
    std::string line;
    std::getline(stat, line);
    // "pid (comm) state ppid ...": comm may hold spaces, so from the last ')'.
    const size_t paren = line.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(line.substr(paren + 1));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent) children.push_back(pid);
  }
  closedir(proc);
  return children;
}

struct Pidfile {
  std::string path;
  std::string name;  // <name>-<pid>
  pid_t pid = 0;
  std::vector<pid_t> children;  // seen before the daemon was signalled
};

std::vector<Pidfile> ListPidfiles() {
  std::vector<Pidfile> found;
  const std::string dir = StateDir();
  DIR* handle = opendir(dir.c_str());
  if (handle == nullptr) return found;
  while (dirent* entry = readdir(handle)) {
    const std::string file = entry->d_name;
    if (!absl::EndsWith(file, kPidfileSuffix)) continue;
    Pidfile pidfile;
    pidfile.path = absl::StrCat(dir, "/", file);
    pidfile.name = file.substr(0, file.size() - strlen(kPidfileSuffix));
    std::ifstream in(pidfile.path);
    in >> pidfile.pid;
    found.push_back(pidfile);
  }
  closedir(handle);
  return found;
}

}  // namespace

std::string StateDir() {
  const char* override_dir = std::getenv("MINIRAY_TMPDIR");
  std::string dir = override_dir != nullptr && *override_dir != '\0'
                        ? override_dir
                        : "/tmp/miniray";
  mkdir(dir.c_str(), 0700);  // EEXIST is fine
  return dir;
}

std::string LogPathFor(const std::string& name) {
  return absl::StrCat(StateDir(), "/", name, "-", getpid(), ".log");
}

void DaemonReport::Send(bool started, const std::string& message) {
  if (fd_ < 0) return;
  WriteAll(fd_, absl::StrCat(started ? "1" : "0", message));
  close(fd_);
  fd_ = -1;
}

absl::StatusOr<DaemonReport> Daemonize(const std::string& log_path) {
  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (log < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the log ", log_path, ": ", strerror(errno)));
  }
  // Close-on-exec: the daemon's worker processes must not hold the report
  // pipe open, or the original process would wait for them to end.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::UnavailableError("pipe failed");
  }
  std::cout.flush();
  std::cerr.flush();
  const pid_t middle = fork();
  if (middle < 0) return absl::UnavailableError("fork failed");
  if (middle > 0) {
    close(pipe_fds[1]);
    close(log);
    WaitForReport(pipe_fds[0], middle);
  }
  // The middle process: a new session (no controlling terminal), then a
  // second fork so that the daemon is not a session leader and can never
  // acquire one.
  setsid();
  if (fork() != 0) std::_Exit(0);
  close(pipe_fds[0]);
  const int null = open("/dev/null", O_RDONLY);
  dup2(null, STDIN_FILENO);
  dup2(log, STDOUT_FILENO);
  dup2(log, STDERR_FILENO);
  close(null);
  close(log);
  umask(077);
  return DaemonReport(pipe_fds[1]);
}

absl::Status WritePidfile(const std::string& name,
                          const std::string& log_path) {
  const std::string path =
      absl::StrCat(StateDir(), "/", name, "-", getpid(), kPidfileSuffix);
  std::ofstream out(path);
  out << getpid() << "\n" << log_path << "\n";
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::vector<std::string> StopDaemons(absl::Duration grace) {
  std::vector<std::string> said;
  std::vector<Pidfile> pidfiles = ListPidfiles();
  std::vector<Pidfile> signalled;
  for (const Pidfile& pidfile : pidfiles) {
    if (pidfile.pid <= 0 || !IsRunning(pidfile.pid) ||
        !IsMiniray(pidfile.pid)) {
      said.push_back(absl::StrCat(pidfile.name, ": not running (stale pidfile ",
                                  "removed)"));
      std::remove(pidfile.path.c_str());
      continue;
    }
    signalled.push_back(pidfile);
    signalled.back().children = ChildrenOf(pidfile.pid);
    kill(pidfile.pid, SIGTERM);
  }
  // One grace period for all of them: they end in parallel.
  const absl::Time deadline = absl::Now() + grace;
  for (const Pidfile& pidfile : signalled) {
    std::string how = "SIGTERM";
    if (!WaitGone(pidfile.pid, deadline - absl::Now())) {
      kill(pidfile.pid, SIGKILL);
      WaitGone(pidfile.pid, absl::Seconds(5));
      how = absl::StrCat("SIGKILL after ", absl::FormatDuration(grace));
    }
    // A daemon reaps its workers on SIGTERM; after a SIGKILL the kernel ends
    // them (they asked for a signal on their parent's death), but not at
    // once. `stop` returns when they are gone too.
    for (pid_t child : pidfile.children) {
      if (!WaitGone(child, absl::Seconds(5)) && IsMiniray(child)) {
        kill(child, SIGKILL);
        WaitGone(child, absl::Seconds(5));
      }
    }
    said.push_back(absl::StrCat("stopped ", pidfile.name, " (", how, ")"));
    std::remove(pidfile.path.c_str());
  }
  return said;
}

}  // namespace miniray
