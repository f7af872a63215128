// Proves that the validation rules for what happens during a run (faults,
// expectations, system config and max_time) reject scenarios that break
// them, with a message naming the file, the 1-based line and column of the
// offending field, and its path.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/scenario/test_scenarios.h"

namespace miniray::scenario {
namespace {

using ::testing::HasSubstr;

// A valid cluster and program (lines 1-5); the scenario under test adds its
// own lines from line 6.
constexpr char kBase[] = R"(
cluster {
  node { name: "head" }
  node { name: "worker" count: 2 }
}
program { name: "square_map" }
)";

std::string ErrorWith(const std::string& rest) {
  return ParseError(std::string(kBase) + rest);
}

TEST(FaultRulesTest, AtIsRequiredAndNotNegative) {
  const std::string error = ErrorWith(R"(fault {
  kill_node: "worker-0"
}
fault {
  at: "-1s"
  kill_node: "worker-0"
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:6:1: fault[0].at: is required"));
  EXPECT_THAT(error, HasSubstr("test.textproto:10:3: fault[1].at: must not be "
                               "negative, got \"-1s\""));
}

TEST(FaultRulesTest, DurationParses) {
  EXPECT_THAT(ErrorWith(R"(fault {
  at: "1s"
  duration: "a while"
  kill_node: "worker-0"
}
)"),
              HasSubstr("test.textproto:8:3: fault[0].duration: invalid "
                        "duration \"a while\""));
}

TEST(FaultRulesTest, KillNodeNamesAnExpandedNode) {
  EXPECT_THAT(ErrorWith(R"(fault {
  at: "1s"
  kill_node: "worker"
}
)"),
              HasSubstr("test.textproto:8:3: fault[0].kill_node: unknown node "
                        "\"worker\"; the nodes are head, worker-0, "
                        "worker-1"));
}

TEST(FaultRulesTest, TheHeadCannotBeKilledYet) {
  EXPECT_THAT(ErrorWith(R"(fault {
  at: "1s"
  kill_node: "head"
}
)"),
              HasSubstr("test.textproto:8:3: fault[0].kill_node: cannot kill "
                        "the head node \"head\": it runs the GCS and the "
                        "driver, and losing the head is not supported yet"));
}

TEST(FaultRulesTest, AKindIsRequired) {
  EXPECT_THAT(ErrorWith(R"(fault {
  at: "1s"
}
)"),
              HasSubstr("test.textproto:6:1: fault[0]: says nothing to do: set "
                        "one fault kind, such as kill_node"));
}

TEST(ExpectRulesTest, ResultNearNeedsAPositiveTolerance) {
  const std::string error = ErrorWith(R"(expect {
  result_near {
    value: 3.14
  }
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:7:3: "
                               "expect.result_near.tolerance: must be "
                               "positive and finite, got 0"));
  EXPECT_THAT(ErrorWith(R"(expect {
  result_near {
    value: 3.14
    tolerance: -0.1
  }
}
)"),
              HasSubstr("test.textproto:9:5: expect.result_near.tolerance: "
                        "must be positive and finite, got -0.1"));
}

TEST(ExpectRulesTest, MakespansParseAndAreOrdered) {
  EXPECT_THAT(ErrorWith(R"(expect {
  max_makespan: "2s"
  min_makespan: "5s"
}
)"),
              HasSubstr("test.textproto:8:3: expect.min_makespan: \"5s\" is "
                        "more than max_makespan \"2s\""));
  EXPECT_THAT(ErrorWith(R"(expect {
  max_makespan: "2 fortnights"
}
)"),
              HasSubstr("test.textproto:7:3: expect.max_makespan: invalid "
                        "duration \"2 fortnights\""));
}

TEST(ConfigRulesTest, DurationsAndSizesParse) {
  const std::string error = ErrorWith(R"(config {
  heartbeat_period: "0s"
  max_inline_object_size: "100 KiBs"
  transfer_chunk_size: "0"
  worker_startup_time: "-50ms"
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:7:3: config.heartbeat_period: "
                               "must be positive, got \"0s\""));
  EXPECT_THAT(error, HasSubstr("test.textproto:8:3: "
                               "config.max_inline_object_size: invalid size "
                               "\"100 KiBs\""));
  EXPECT_THAT(error, HasSubstr("test.textproto:9:3: "
                               "config.transfer_chunk_size: must be positive, "
                               "got \"0\""));
  EXPECT_THAT(error, HasSubstr("test.textproto:10:3: "
                               "config.worker_startup_time: must not be "
                               "negative, got \"-50ms\""));
}

TEST(ConfigRulesTest, SpreadThresholdIsAFraction) {
  EXPECT_THAT(ErrorWith(R"(config {
  spread_threshold: 1.5
}
)"),
              HasSubstr("test.textproto:7:3: config.spread_threshold: must be "
                        "in [0, 1], got 1.5"));
}

TEST(ConfigRulesTest, CountsAreAtLeastOne) {
  const std::string error = ErrorWith(R"(config {
  heartbeat_misses_max: 0
  max_pending_lease_requests: 0
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:7:3: "
                               "config.heartbeat_misses_max: must be at least "
                               "1, got 0"));
  EXPECT_THAT(error, HasSubstr("test.textproto:8:3: "
                               "config.max_pending_lease_requests: must be at "
                               "least 1, got 0"));
}

TEST(MaxTimeRulesTest, MaxTimeIsANonNegativeDuration) {
  EXPECT_THAT(ErrorWith(R"(max_time: "-1h"
)"),
              HasSubstr("test.textproto:6:1: max_time: must not be negative, "
                        "got \"-1h\""));
}

}  // namespace
}  // namespace miniray::scenario
