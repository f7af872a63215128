// Proves replay: the same scenario and seed give the same run, event for
// event (same fingerprint); another seed changes the schedule but not the
// program's result.
#include <string>

#include "gtest/gtest.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

RunSummary RunFile(const std::string& path, uint64_t seed) {
  absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(path);
  EXPECT_TRUE(s.ok()) << s.status();
  SimCluster cluster(*s, seed);
  return cluster.Run();
}

TEST(DeterminismTest, SameSeedSameFingerprint) {
  for (const char* path : {"scenarios/workload_mapreduce.textproto",
                           "scenarios/sum_matrix.textproto",
                           "scenarios/wait_loop.textproto"}) {
    const RunSummary a = RunFile(path, 11);
    const RunSummary b = RunFile(path, 11);
    EXPECT_EQ(a.fingerprint, b.fingerprint) << path;
    EXPECT_EQ(a.events, b.events) << path;
    EXPECT_EQ(a.makespan, b.makespan) << path;
    EXPECT_EQ(a.result, b.result) << path;
  }
}

TEST(DeterminismTest, OtherSeedChangesScheduleNotResult) {
  const RunSummary a = RunFile("scenarios/workload_mapreduce.textproto", 11);
  const RunSummary b = RunFile("scenarios/workload_mapreduce.textproto", 12);
  EXPECT_NE(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.makespan, b.makespan);
  EXPECT_EQ(a.result, b.result);
  EXPECT_TRUE(a.error.empty()) << a.error;
}

TEST(DeterminismTest, MonteCarloEstimateDoesNotDependOnTheSchedule) {
  const RunSummary a = RunFile("scenarios/monte_carlo_pi.textproto", 1);
  const RunSummary b = RunFile("scenarios/monte_carlo_pi.textproto", 2);
  EXPECT_EQ(a.result, b.result);
  EXPECT_NE(a.fingerprint, b.fingerprint);
}

}  // namespace
}  // namespace miniray
