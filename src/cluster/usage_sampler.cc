#include "src/cluster/usage_sampler.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace miniray {
namespace {

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<absl::string_view> Fields(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
}

}  // namespace

std::optional<int64_t> ParseProcessCpuTicks(absl::string_view stat) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // count fields from after the last ')'. utime and stime are fields 14 and
  // 15 of the line, so 12th and 13th after the ')'.
  const size_t paren = stat.rfind(')');
  if (paren == absl::string_view::npos) return std::nullopt;
  const std::vector<absl::string_view> fields = Fields(stat.substr(paren + 1));
  int64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return std::nullopt;
  }
  return utime + stime;
}

std::optional<int64_t> ParseResidentPages(absl::string_view statm) {
  const std::vector<absl::string_view> fields = Fields(statm);
  int64_t pages = 0;
  if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &pages)) {
    return std::nullopt;
  }
  return pages;
}

std::optional<HostCpuTicks> ParseHostCpuTicks(absl::string_view proc_stat) {
  const absl::string_view line = proc_stat.substr(0, proc_stat.find('\n'));
  const std::vector<absl::string_view> fields = Fields(line);
  // cpu user nice system idle iowait irq softirq steal [guest guest_nice]:
  // guest time is already counted in user, so it is left out.
  if (fields.size() < 9 || fields[0] != "cpu") return std::nullopt;
  HostCpuTicks ticks;
  for (int i = 1; i <= 8; ++i) {
    int64_t value = 0;
    if (!absl::SimpleAtoi(fields[i], &value)) return std::nullopt;
    ticks.total += value;
    if (i == 4 || i == 5) ticks.idle += value;
  }
  return ticks;
}

std::optional<HostMemory> ParseMemInfo(absl::string_view meminfo) {
  HostMemory memory;
  bool total = false, available = false;
  for (absl::string_view line : absl::StrSplit(meminfo, '\n')) {
    const std::vector<absl::string_view> fields = Fields(line);
    int64_t kb = 0;
    if (fields.size() < 2 || !absl::SimpleAtoi(fields[1], &kb)) continue;
    if (fields[0] == "MemTotal:") {
      memory.total_bytes = kb * 1024;
      total = true;
    } else if (fields[0] == "MemAvailable:") {
      memory.available_bytes = kb * 1024;
      available = true;
    }
  }
  if (!total || !available) return std::nullopt;
  return memory;
}

UsageSampler::UsageSampler()
    : last_time_(absl::Now()),
      last_process_ticks_(ParseProcessCpuTicks(ReadFile("/proc/self/stat"))),
      last_host_(ParseHostCpuTicks(ReadFile("/proc/stat"))),
      ticks_per_second_(sysconf(_SC_CLK_TCK)),
      page_bytes_(sysconf(_SC_PAGESIZE)) {}

void UsageSampler::Sample(rpc::NodeUsage* usage) {
  const absl::Time now = absl::Now();
  const double seconds = absl::ToDoubleSeconds(now - last_time_);
  // Clock ticks are 10 ms: over one 100 ms heartbeat a percentage would be
  // too coarse, so CPU use is measured over windows of at least kWindow and
  // the last window's figures are repeated in between.
  if (seconds >= absl::ToDoubleSeconds(kWindow)) {
    last_time_ = now;
    const std::optional<int64_t> process =
        ParseProcessCpuTicks(ReadFile("/proc/self/stat"));
    if (process && last_process_ticks_ && ticks_per_second_ > 0) {
      process_cpu_percent_ = 100.0 * (*process - *last_process_ticks_) /
                             ticks_per_second_ / seconds;
    }
    last_process_ticks_ = process;
    const std::optional<HostCpuTicks> host =
        ParseHostCpuTicks(ReadFile("/proc/stat"));
    if (host && last_host_ && host->total > last_host_->total) {
      const double busy =
          (host->total - last_host_->total) - (host->idle - last_host_->idle);
      host_cpu_percent_ = 100.0 * busy / (host->total - last_host_->total);
    }
    last_host_ = host;
  }
  usage->set_process_cpu_percent(process_cpu_percent_);
  usage->set_host_cpu_percent(host_cpu_percent_);
  if (std::optional<int64_t> pages =
          ParseResidentPages(ReadFile("/proc/self/statm"))) {
    usage->set_process_rss_bytes(*pages * page_bytes_);
  }
  if (std::optional<HostMemory> memory =
          ParseMemInfo(ReadFile("/proc/meminfo"))) {
    usage->set_host_memory_total_bytes(memory->total_bytes);
    usage->set_host_memory_available_bytes(memory->available_bytes);
  }
}

}  // namespace miniray
