// Proves that the /proc parsers read the fields the node reports (process
// CPU ticks past a command name with spaces and parentheses, resident pages,
// host CPU ticks without guest time, MemTotal/MemAvailable in bytes), refuse
// malformed text, and that a live sample on this machine is plausible.
#include "src/cluster/usage_sampler.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(UsageSamplerTest, ProcessCpuTicksSkipCommandWithSpacesAndParens) {
  const char stat[] =
      "4242 (my (odd) prog) S 1 4242 4242 0 -1 4194560 1234 0 0 0 "
      "150 25 0 0 20 0 3 0 100 123456 789 18446744073709551615\n";
  EXPECT_EQ(ParseProcessCpuTicks(stat), 175);
  EXPECT_EQ(ParseProcessCpuTicks("4242 (x) S 1 2"), std::nullopt);
  EXPECT_EQ(ParseProcessCpuTicks("garbage"), std::nullopt);
}

TEST(UsageSamplerTest, ResidentPagesIsTheSecondField) {
  EXPECT_EQ(ParseResidentPages("10240 2560 300 10 0 900 0\n"), 2560);
  EXPECT_EQ(ParseResidentPages("10240"), std::nullopt);
}

TEST(UsageSamplerTest, HostCpuTicksCountIdleAndIowaitAsIdle) {
  const char proc_stat[] =
      "cpu  100 5 50 800 40 3 2 0 77 0\n"
      "cpu0 50 2 25 400 20 1 1 0 0 0\n"
      "intr 12345\n";
  const std::optional<HostCpuTicks> ticks = ParseHostCpuTicks(proc_stat);
  ASSERT_TRUE(ticks.has_value());
  EXPECT_EQ(ticks->total, 100 + 5 + 50 + 800 + 40 + 3 + 2 + 0);
  EXPECT_EQ(ticks->idle, 840);
  EXPECT_EQ(ParseHostCpuTicks("cpu0 1 2 3 4 5 6 7 8\n"), std::nullopt);
  EXPECT_EQ(ParseHostCpuTicks("cpu 1 2 3\n"), std::nullopt);
}

TEST(UsageSamplerTest, MemInfoGivesBytes) {
  const char meminfo[] =
      "MemTotal:       16305048 kB\n"
      "MemFree:         1024000 kB\n"
      "MemAvailable:    8152524 kB\n"
      "Buffers:          200000 kB\n";
  const std::optional<HostMemory> memory = ParseMemInfo(meminfo);
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->total_bytes, 16305048LL * 1024);
  EXPECT_EQ(memory->available_bytes, 8152524LL * 1024);
  EXPECT_EQ(ParseMemInfo("MemTotal: 100 kB\n"), std::nullopt);
}

TEST(UsageSamplerTest, LiveSampleIsPlausible) {
  UsageSampler sampler;
  // Busy for a window, so that this process's CPU use is measured.
  const absl::Time end = absl::Now() + UsageSampler::kWindow;
  volatile double sink = 0;
  while (absl::Now() < end) sink = sink + 1;
  rpc::NodeUsage usage;
  sampler.Sample(&usage);
  EXPECT_GT(usage.process_rss_bytes(), 0);
  EXPECT_GT(usage.host_memory_total_bytes(), 0);
  EXPECT_GE(usage.host_memory_total_bytes(),
            usage.host_memory_available_bytes());
  // One busy thread: about 100% of a core (less when the machine is
  // shared), never more than all of them.
  EXPECT_GT(usage.process_cpu_percent(), 5);
  EXPECT_LE(usage.process_cpu_percent(), 100.0 * 64 + 1);
  EXPECT_GT(usage.host_cpu_percent(), 0);
  EXPECT_LE(usage.host_cpu_percent(), 100.0001);
}

}  // namespace
}  // namespace miniray
