#include "src/cluster/worker_processes.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace miniray {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool ParseProcStat(absl::string_view stat, pid_t* parent, char* state,
                   int64_t* cpu_ticks) {
  // "pid (comm) S ppid ..."; comm may hold spaces and parentheses, so the
  // fields start after the last ')'.
  const size_t close = stat.rfind(')');
  if (close == absl::string_view::npos) return false;
  std::vector<absl::string_view> fields =
      absl::StrSplit(stat.substr(close + 1), ' ', absl::SkipEmpty());
  // fields[0] is the state (field 3 of proc(5)), fields[1] the parent (4),
  // fields[11] and [12] utime and stime (14 and 15).
  if (fields.size() < 13 || fields[0].size() != 1) return false;
  int64_t ppid = 0, utime = 0, stime = 0;
  if (!absl::SimpleAtoi(fields[1], &ppid) ||
      !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return false;
  }
  *state = fields[0][0];
  *parent = static_cast<pid_t>(ppid);
  *cpu_ticks = utime + stime;
  return true;
}

std::optional<WorkerId> WorkerIdOfCommandLine(absl::string_view cmdline) {
  std::vector<absl::string_view> args =
      absl::StrSplit(cmdline, absl::ByChar('\0'));
  if (std::find(args.begin(), args.end(), "worker") == args.end()) {
    return std::nullopt;
  }
  for (absl::string_view arg : args) {
    WorkerId id = 0;
    if (absl::ConsumePrefix(&arg, "--worker_id=") &&
        absl::SimpleAtoi(arg, &id)) {
      return id;
    }
  }
  return std::nullopt;
}

std::vector<WorkerProcess> WorkerProcessesOf(pid_t node) {
  std::vector<WorkerProcess> workers;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return workers;
  while (const dirent* entry = readdir(proc)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &pid)) continue;
    const std::string dir = absl::StrCat("/proc/", pid);
    pid_t parent = 0;
    char state = '?';
    int64_t ticks = 0;
    if (!ParseProcStat(ReadFile(dir + "/stat"), &parent, &state, &ticks) ||
        parent != node) {
      continue;
    }
    std::optional<WorkerId> id = WorkerIdOfCommandLine(ReadFile(dir + "/cmdline"));
    if (!id.has_value()) continue;
    workers.push_back(WorkerProcess{pid, *id, state == 'R', ticks});
  }
  closedir(proc);
  std::sort(workers.begin(), workers.end(),
            [](const auto& a, const auto& b) { return a.pid < b.pid; });
  return workers;
}

std::optional<WorkerProcess> BusiestOf(const std::vector<WorkerProcess>& all) {
  std::optional<WorkerProcess> best;
  for (const WorkerProcess& worker : all) {
    const bool better =
        !best.has_value() ||
        std::make_tuple(worker.running, worker.cpu_ticks, -static_cast<int64_t>(worker.worker_id)) >
            std::make_tuple(best->running, best->cpu_ticks, -static_cast<int64_t>(best->worker_id));
    if (better) best = worker;
  }
  return best;
}

}  // namespace miniray
