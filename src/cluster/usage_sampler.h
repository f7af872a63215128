// UsageSampler: what this node's process and its host use, read from Linux's
// /proc for each heartbeat (real runtime only; the simulator never reads
// /proc or the wall clock, so its raylets get no sampler). See
// docs/observability.md, "Per-node CPU and memory".
//
//   UsageSampler sampler;                       // reads /proc/... now
//   rpc::NodeUsage usage;
//   sampler.Sample(&usage);                     // CPU % since the last call
//
// The parsers are pure functions of the files' text, so that tests can feed
// them samples. A file that cannot be read or parsed leaves its fields 0.
//
// Threading: not thread-safe; a NodeHost calls Sample on its loop only.
#ifndef MINIRAY_CLUSTER_USAGE_SAMPLER_H_
#define MINIRAY_CLUSTER_USAGE_SAMPLER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

// From /proc/self/stat: utime + stime, in clock ticks.
std::optional<int64_t> ParseProcessCpuTicks(absl::string_view stat);
// From /proc/self/statm: resident pages (the second field).
std::optional<int64_t> ParseResidentPages(absl::string_view statm);

// The first line of /proc/stat, in clock ticks.
struct HostCpuTicks {
  int64_t total = 0;  // user..steal
  int64_t idle = 0;   // idle + iowait
};
std::optional<HostCpuTicks> ParseHostCpuTicks(absl::string_view proc_stat);

struct HostMemory {
  int64_t total_bytes = 0;
  int64_t available_bytes = 0;
};
// From /proc/meminfo: MemTotal and MemAvailable (given in kB).
std::optional<HostMemory> ParseMemInfo(absl::string_view meminfo);

class UsageSampler {
 public:
  UsageSampler();
  // CPU use is measured over windows of at least this long.
  static constexpr absl::Duration kWindow = absl::Seconds(1);

  // Fills the CPU and memory fields of `usage` (not the object store's).
  // CPU percentages are over the last complete window (0 before the first
  // one ends); memory is read now.
  void Sample(rpc::NodeUsage* usage);

 private:
  absl::Time last_time_;
  double process_cpu_percent_ = 0;
  double host_cpu_percent_ = 0;
  std::optional<int64_t> last_process_ticks_;
  std::optional<HostCpuTicks> last_host_;
  const int64_t ticks_per_second_;
  const int64_t page_bytes_;
};

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_USAGE_SAMPLER_H_
