// Proves that the loader reads valid scenario files, reports syntax errors,
// unknown fields and missing files with their position, places semantic
// errors at the right field (or its nearest written ancestor), and expands
// node groups; validate_test.cc covers each validation rule.
#include "src/scenario/loader.h"

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/scenario/test_scenarios.h"

namespace miniray::scenario {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kFullScenario[] = "src/scenario/testdata/full.textproto";

TEST(LoadScenarioFileTest, LoadsAScenarioThatSetsEveryField) {
  absl::StatusOr<Scenario> scenario = LoadScenarioFile(kFullScenario);
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  EXPECT_EQ(scenario->name(), "full");
  EXPECT_EQ(scenario->seed(), 42);
  EXPECT_EQ(scenario->cluster().node_size(), 3);
  EXPECT_EQ(scenario->program().workload().stage(1).dep(0).per_task(), 25);
  EXPECT_EQ(scenario->fault(0).kill_node(), "worker-1");
  EXPECT_DOUBLE_EQ(scenario->config().spread_threshold(), 0.5);
}

TEST(LoadScenarioFileTest, MissingFileIsNotFoundAndNamesThePath) {
  absl::StatusOr<Scenario> scenario =
      LoadScenarioFile("src/scenario/testdata/no_such_file.textproto");
  EXPECT_EQ(scenario.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(scenario.status().message(),
              HasSubstr("src/scenario/testdata/no_such_file.textproto"));
}

TEST(LoadScenarioFileTest, ErrorsNameTheFilePath) {
  absl::StatusOr<Scenario> scenario =
      LoadScenarioFile("src/scenario/testdata/unknown_node.textproto");
  EXPECT_EQ(scenario.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(scenario.status().message(),
              HasSubstr("src/scenario/testdata/unknown_node.textproto:7:18: "
                        "fault[0].kill_node: unknown node \"worker-33\""));
}

TEST(ParseScenarioTest, AcceptsAMinimalScenario) {
  absl::StatusOr<Scenario> scenario = ParseTestScenario(R"(
cluster { node { name: "head" } }
program { name: "square_map" }
)");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  EXPECT_EQ(scenario->program().name(), "square_map");
}

TEST(ParseScenarioTest, ReportsSyntaxErrorsWithOneBasedLineAndColumn) {
  EXPECT_THAT(ParseError(R"(
cluster {
  node { name "head" }
}
)"),
              HasSubstr("test.textproto:2:15: Expected \":\""));
}

TEST(ParseScenarioTest, ReportsUnclosedBlocks) {
  EXPECT_THAT(ParseError(R"(
cluster {
  node { name: "head" }
)"),
              HasSubstr("test.textproto:3:1: Expected identifier"));
}

TEST(ParseScenarioTest, ReportsUnknownFields) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program { name: "square_map" }
fault {
  at: "1s"
  kill: "head"
}
)"),
              // Protobuf places an unknown field just after its name.
              HasSubstr("test.textproto:5:7: Message type "
                        "\"miniray.scenario.Fault\" has no field named "
                        "\"kill\""));
}

TEST(ParseScenarioTest, ReportsValuesOfTheWrongType) {
  EXPECT_THAT(ParseError(R"(
seed: "one"
)"),
              HasSubstr("test.textproto:1:7: Expected integer"));
}

TEST(ParseScenarioTest, PlacesAnErrorAtTheFieldItIsAbout) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program { name: "square_map" }
network {
  bandwidth: "10Gbps"
  latency: "-1ms"
}
)"),
              HasSubstr("test.textproto:5:3: network.latency: must not be "
                        "negative, got \"-1ms\""));
}

TEST(ParseScenarioTest, PlacesAMissingFieldAtItsNearestWrittenAncestor) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program { name: "square_map" }
fault { kill_node: "head" }
fault { kill_node: "head" }
)"),
              HasSubstr("test.textproto:4:1: fault[1].at: is required"));
}

TEST(ParseScenarioTest, PlacesAnErrorAtTheFileWhenNothingAboveWasWritten) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
)"),
              HasSubstr("test.textproto: program.name: must name a program"));
}

TEST(ParseScenarioTest, PlacesAMapErrorAtItsEntry) {
  // The bad entry is neither first nor first in key order, so this also
  // proves that entries are matched to their text positions by key.
  EXPECT_THAT(
      ParseError(R"(
cluster {
  node {
    name: "head"
    resources { key: "disk" value: 1 }
    resources { key: "CPU" value: 1 }
    resources { key: "GPU" value: -2 }
    resources { key: "zone" value: 1 }
  }
}
program { name: "square_map" }
)"),
      HasSubstr("test.textproto:6:5: cluster.node[0].resources[\"GPU\"]: "
                "must be a finite number >= 0, got -2"));
}

TEST(ParseScenarioTest, ListsEveryErrorOnItsOwnLine) {
  const std::string error = ParseError(R"(
cluster { node { name: "head" count: 0 } }
program { name: "nope" }
max_time: "forever"
)");
  EXPECT_THAT(
      std::vector<std::string>(absl::StrSplit(error, '\n')),
      ElementsAre(StartsWith("test.textproto:1:31: cluster.node[0].count: "
                             "must be at least 1, got 0"),
                  StartsWith("test.textproto:2:11: program.name: unknown "
                             "program \"nope\"; known programs: "),
                  StartsWith("test.textproto:3:1: max_time: invalid "
                             "duration \"forever\"")));
}

TEST(ExpandNodeNamesTest, KeepsSingleNamesAndNumbersGroups) {
  absl::StatusOr<Scenario> scenario = ParseTestScenario(R"(
cluster {
  node { name: "head" }
  node { name: "worker" count: 3 }
  node { name: "gpu" count: 1 }
}
program { name: "square_map" }
)");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  EXPECT_THAT(ExpandNodeNames(*scenario),
              ElementsAre("head", "worker-0", "worker-1", "worker-2", "gpu"));
}

TEST(NodeResourcesTest, AppliesTheDefaultAndFollowsExpansion) {
  absl::StatusOr<Scenario> scenario = ParseTestScenario(R"(
cluster {
  node { name: "head" }
  node { name: "worker" count: 2 resources { key: "GPU" value: 2 } }
  node { name: "last" resources { key: "CPU" value: 8 } }
}
program { name: "square_map" }
)");
  ASSERT_TRUE(scenario.ok()) << scenario.status();
  using Resources = std::map<std::string, double>;
  EXPECT_EQ(NodeResources(*scenario, 0), (Resources{{"CPU", 1}}));
  EXPECT_EQ(NodeResources(*scenario, 1), (Resources{{"GPU", 2}}));
  EXPECT_EQ(NodeResources(*scenario, 2), (Resources{{"GPU", 2}}));
  EXPECT_EQ(NodeResources(*scenario, 3), (Resources{{"CPU", 8}}));
  EXPECT_EQ(StageResources(Stage()), (Resources{{"CPU", 1}}));
}

TEST(ProgramRegistryTest, KnowsTheBuiltInsAndRegisteredNames) {
  EXPECT_TRUE(IsKnownProgram("square_map"));
  EXPECT_TRUE(IsKnownProgram("workload"));
  EXPECT_FALSE(IsKnownProgram("registered_in_test"));
  const std::string scenario = R"(
cluster { node { name: "head" } }
program { name: "registered_in_test" }
)";
  EXPECT_THAT(ParseError(scenario), HasSubstr("unknown program"));

  RegisterProgramName("registered_in_test");
  EXPECT_TRUE(IsKnownProgram("registered_in_test"));
  EXPECT_TRUE(ParseTestScenario(scenario).ok());
  EXPECT_THAT(KnownProgramNames(),
              AllOf(testing::Contains("registered_in_test"),
                    testing::Contains("monte_carlo_pi")));
}

}  // namespace
}  // namespace miniray::scenario
