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
using ::testing::Not;

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

TEST(FaultRulesTest, TheHeadNodeCannotBeKilled) {
  EXPECT_THAT(ErrorWith(R"(fault {
  at: "1s"
  kill_node: "head"
}
)"),
              HasSubstr("test.textproto:8:3: fault[0].kill_node: cannot kill "
                        "the head node \"head\": it runs the GCS and the "
                        "driver; use kill_head to crash the GCS"));
}

TEST(FaultRulesTest, InstantFaultsDoNotHeal) {
  EXPECT_THAT(ErrorWith(R"(fault {
  at: "1s"
  duration: "1s"
  kill_worker: "worker-0"
}
)"),
              HasSubstr("test.textproto:8:3: fault[0].duration: does not "
                        "apply: killing a worker"));
}

TEST(FaultRulesTest, PartitionSidesAreKnownAndDisjoint) {
  const std::string error = ErrorWith(R"(fault {
  at: "1s"
  partition { nodes: "worker-0" nodes: "nowhere" from_nodes_to: "worker-0" }
}
fault {
  at: "1s"
  partition { nodes: "head" nodes: "worker-0" nodes: "worker-1" }
}
)");
  EXPECT_THAT(error, HasSubstr("fault[0].partition.nodes[1]: unknown node "
                               "\"nowhere\""));
  EXPECT_THAT(error, HasSubstr("fault[0].partition.from_nodes_to[0]: "
                               "\"worker-0\" is on both sides"));
  EXPECT_THAT(error, HasSubstr("fault[1].partition.nodes: lists every node"));
}

TEST(FaultRulesTest, MessageFaultsAreProbabilitiesOnALink) {
  const std::string error = ErrorWith(R"(fault {
  at: "1s"
  messages { from: "head" drop: 1.5 }
}
fault {
  at: "1s"
  messages { max_delay: "5ms" }
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:8:3: fault[0].messages.to: "
                               "name both ends of the link"));
  EXPECT_THAT(error, HasSubstr("fault[0].messages.drop: must be in [0, 1], "
                               "got 1.5"));
  EXPECT_THAT(error, HasSubstr("fault[1].messages: does nothing"));
}

TEST(FaultRulesTest, SlowNodeAndClockSkew) {
  const std::string error = ErrorWith(R"(fault {
  at: "1s"
  slow_node { node: "worker-0" factor: 0.5 }
}
fault {
  at: "1s"
  clock_skew { node: "worker-1" }
}
fault {
  at: "1s"
  clock_skew { node: "worker-1" skew: "-2s" }
}
)");
  EXPECT_THAT(error, HasSubstr("fault[0].slow_node.factor: must be at least 1"));
  EXPECT_THAT(error, HasSubstr("fault[1].clock_skew.skew: is required"));
  EXPECT_THAT(error, Not(HasSubstr("fault[2]")));
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
