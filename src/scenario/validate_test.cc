// Proves that each validation rule of the loader rejects a scenario that
// breaks it, with a message naming the file, the 1-based line and column of
// the offending field, and its path.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/scenario/test_scenarios.h"

namespace miniray::scenario {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ClusterRulesTest, NeedsANode) {
  EXPECT_THAT(ParseError(R"(
cluster {}
program { name: "square_map" }
)"),
              HasSubstr("test.textproto:1:1: cluster.node: at least one node "
                        "is required"));
}

TEST(ClusterRulesTest, NodeNamesAreNonEmptyAndUseSafeCharacters) {
  const std::string error = ParseError(R"(
cluster {
  node { name: "head" }
  node {
    name: ""
  }
  node {
    name: "gpu box"
  }
}
program { name: "square_map" }
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:4:5: cluster.node[1].name: "
                               "must not be empty"));
  EXPECT_THAT(error, HasSubstr("test.textproto:7:5: cluster.node[2].name: "
                               "invalid node name \"gpu box\": use only "
                               "letters, digits, '_', '.' and '-'"));
}

TEST(ClusterRulesTest, NodeNamesAreUniqueAfterExpansion) {
  EXPECT_THAT(ParseError(R"(
cluster {
  node { name: "worker" count: 2 }
  node {
    name: "worker-1"
  }
}
program { name: "square_map" }
)"),
              HasSubstr("test.textproto:4:5: cluster.node[1].name: duplicate "
                        "node name \"worker-1\", also given by "
                        "cluster.node[0]"));
}

TEST(ClusterRulesTest, CountIsAtLeastOne) {
  EXPECT_THAT(ParseError(R"(
cluster {
  node { name: "head" }
  node {
    name: "w"
    count: 0
  }
}
program { name: "square_map" }
)"),
              HasSubstr("test.textproto:5:5: cluster.node[1].count: must be at "
                        "least 1, got 0"));
}

TEST(ClusterRulesTest, ExpandedClusterIsBounded) {
  EXPECT_THAT(ParseError(R"(
cluster {
  node { name: "head" }
  node { name: "worker" count: 200000 }
}
program { name: "square_map" }
)"),
              HasSubstr("test.textproto:2:3: cluster.node: the cluster has "
                        "200001 nodes; at most 100000 are supported"));
}

TEST(ClusterRulesTest, ResourceAmountsAreFiniteAndNonNegative) {
  const std::string error = ParseError(R"(
cluster {
  node {
    name: "head"
    resources { key: "CPU" value: -1 }
    resources { key: "GPU" value: inf }
  }
}
program { name: "square_map" }
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:4:5: "
                               "cluster.node[0].resources[\"CPU\"]: must be a "
                               "finite number >= 0, got -1"));
  EXPECT_THAT(error, HasSubstr("test.textproto:5:5: "
                               "cluster.node[0].resources[\"GPU\"]: must be a "
                               "finite number >= 0, got inf"));
}

TEST(ClusterRulesTest, ObjectStoreMemoryIsAPositiveSize) {
  const std::string error = ParseError(R"(
cluster {
  node {
    name: "head"
    object_store_memory: "lots"
  }
  node {
    name: "other"
    object_store_memory: "0B"
  }
}
program { name: "square_map" }
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:4:5: "
                               "cluster.node[0].object_store_memory: invalid "
                               "size \"lots\""));
  EXPECT_THAT(error, HasSubstr("test.textproto:8:5: "
                               "cluster.node[1].object_store_memory: must be "
                               "positive, got \"0B\""));
}

TEST(NetworkRulesTest, DurationsAndBandwidthsParse) {
  const std::string error = ParseError(R"(
cluster { node { name: "head" } }
program { name: "square_map" }
network {
  latency: "12 parsecs"
  bandwidth: "0Gbps"
  local_latency: "-1us"
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:4:3: network.latency: invalid "
                               "duration \"12 parsecs\": expected a number "
                               "followed by ns, us, ms, s, m or h"));
  EXPECT_THAT(error, HasSubstr("test.textproto:5:3: network.bandwidth: "
                               "bandwidth \"0Gbps\" must be positive"));
  EXPECT_THAT(error, HasSubstr("test.textproto:6:3: network.local_latency: "
                               "must not be negative, got \"-1us\""));
}

TEST(NetworkRulesTest, LinksNameKnownNodes) {
  const std::string error = ParseError(R"(
cluster { node { name: "head" } node { name: "w" count: 2 } }
program { name: "square_map" }
network {
  link {
    from: "head"
    to: "w-2"
    latency: "fast"
  }
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:6:5: network.link[0].to: "
                               "unknown node \"w-2\"; the nodes are head, "
                               "w-0, w-1"));
  EXPECT_THAT(error, HasSubstr("test.textproto:7:5: "
                               "network.link[0].latency: invalid duration"));
}

TEST(NetworkRulesTest, LinksJoinTwoDifferentNodes) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program { name: "square_map" }
network {
  link {
    from: "head"
    to: "head"
  }
}
)"),
              HasSubstr("test.textproto:6:5: network.link[0].to: a link joins "
                        "two different nodes, but both ends are \"head\""));
}

TEST(ProgramRulesTest, NameIsRequired) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program {
  arg { key: "n" value: "1" }
}
)"),
              AllOf(HasSubstr("test.textproto:2:1: program.name: must name a "
                              "program; known programs: monte_carlo_pi, "),
                    HasSubstr("square_map, sum_matrix, wait_loop, workload")));
}

TEST(ProgramRulesTest, NameIsAKnownProgram) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program {
  name: "sqaure_map"
}
)"),
              HasSubstr("test.textproto:3:3: program.name: unknown program "
                        "\"sqaure_map\"; known programs: monte_carlo_pi, "));
}

TEST(ProgramRulesTest, WorkloadNeedsAStage) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program {
  name: "workload"
}
)"),
              HasSubstr("test.textproto:2:1: program.workload.stage: the "
                        "\"workload\" program needs at least one stage"));
}

TEST(ProgramRulesTest, StagesAreOnlyForTheWorkloadProgram) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" } }
program {
  name: "square_map"
  workload { stage { name: "a" count: 1 } }
}
)"),
              HasSubstr("test.textproto:4:3: program.workload: is only used "
                        "when program.name is \"workload\""));
}

// The workload rules below share this cluster: a 4-CPU head and two workers
// with 16 CPUs and 1 GPU each.
constexpr char kWorkloadCluster[] = R"(
cluster {
  node { name: "head" resources { key: "CPU" value: 4 } }
  node {
    name: "worker"
    count: 2
    resources { key: "CPU" value: 16 }
    resources { key: "GPU" value: 1 }
  }
}
)";

// Returns the error of a scenario made of kWorkloadCluster (lines 1-9) and
// `program`, whose first line is line 10.
std::string WorkloadError(const std::string& program) {
  return ParseError(std::string(kWorkloadCluster) + program);
}

TEST(StageRulesTest, NamesAreNonEmptyAndUnique) {
  const std::string error = WorkloadError(R"(program {
  name: "workload"
  workload {
    stage { name: "" count: 1 }
    stage { name: "a" count: 1 }
    stage { name: "a" count: 1 }
  }
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:13:13: "
                               "program.workload.stage[0].name: must not be "
                               "empty"));
  EXPECT_THAT(error, HasSubstr("test.textproto:15:13: "
                               "program.workload.stage[2].name: duplicate "
                               "stage name \"a\", also the name of stage[1]"));
}

TEST(StageRulesTest, CountIsAtLeastOne) {
  EXPECT_THAT(WorkloadError(R"(program {
  name: "workload"
  workload {
    stage { name: "a" }
  }
}
)"),
              HasSubstr("test.textproto:13:5: program.workload.stage[0].count: "
                        "must be at least 1, got 0"));
}

TEST(StageRulesTest, DurationAndOutputSizeParseAndAreNotNegative) {
  const std::string error = WorkloadError(R"(program {
  name: "workload"
  workload {
    stage { name: "a" count: 1 duration: "5ms" }
    stage {
      name: "b"
      count: 1
      duration: "-5ms"
      output_size: "8 bits"
    }
  }
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:17:7: "
                               "program.workload.stage[1].duration: must not "
                               "be negative, got \"-5ms\""));
  EXPECT_THAT(error, HasSubstr("test.textproto:18:7: "
                               "program.workload.stage[1].output_size: "
                               "invalid size \"8 bits\""));
}

TEST(StageRulesTest, JitterIsBelowOne) {
  EXPECT_THAT(WorkloadError(R"(program {
  name: "workload"
  workload {
    stage {
      name: "a"
      count: 1
      duration_jitter: 1
    }
  }
}
)"),
              HasSubstr("test.textproto:16:7: "
                        "program.workload.stage[0].duration_jitter: must be "
                        "in [0, 1), got 1"));
}

TEST(StageRulesTest, DependenciesNameEarlierStages) {
  const std::string error = WorkloadError(R"(program {
  name: "workload"
  workload {
    stage {
      name: "a"
      count: 1
      dep { stage: "b" }
      dep { stage: "a" }
      dep { stage: "nowhere" }
      dep { stage: "" }
    }
    stage { name: "b" count: 1 }
  }
}
)");
  EXPECT_THAT(error, HasSubstr("test.textproto:16:13: "
                               "program.workload.stage[0].dep[0].stage: stage "
                               "\"b\" does not come before this one"));
  EXPECT_THAT(error, HasSubstr("test.textproto:17:13: "
                               "program.workload.stage[0].dep[1].stage: stage "
                               "\"a\" does not come before this one"));
  EXPECT_THAT(error, HasSubstr("test.textproto:18:13: "
                               "program.workload.stage[0].dep[2].stage: "
                               "unknown stage \"nowhere\""));
  EXPECT_THAT(error, HasSubstr("test.textproto:19:13: "
                               "program.workload.stage[0].dep[3].stage: must "
                               "name an earlier stage"));
}

TEST(StageRulesTest, PerTaskIsAtLeastOne) {
  EXPECT_THAT(WorkloadError(R"(program {
  name: "workload"
  workload {
    stage { name: "a" count: 1 }
    stage {
      name: "b"
      count: 1
      dep { stage: "a" per_task: 0 }
    }
  }
}
)"),
              HasSubstr("test.textproto:17:24: "
                        "program.workload.stage[1].dep[0].per_task: must be "
                        "at least 1, got 0"));
}

TEST(StageRulesTest, ResourceAmountsAreNotNegative) {
  EXPECT_THAT(WorkloadError(R"(program {
  name: "workload"
  workload {
    stage {
      name: "a"
      count: 1
      resources { key: "CPU" value: -0.5 }
    }
  }
}
)"),
              HasSubstr("test.textproto:16:7: "
                        "program.workload.stage[0].resources[\"CPU\"]: must "
                        "be a finite number >= 0, got -0.5"));
}

TEST(StageRulesTest, EveryTaskFitsOnSomeNode) {
  EXPECT_THAT(WorkloadError(R"(program {
  name: "workload"
  workload {
    stage {
      name: "a"
      count: 1
      resources { key: "CPU" value: 64 }
    }
  }
}
)"),
              HasSubstr("test.textproto:16:7: "
                        "program.workload.stage[0].resources: no node can "
                        "ever run this task: it needs {CPU: 64} and the "
                        "largest node has {CPU: 16}"));
}

TEST(StageRulesTest, TheDefaultDemandMustFitToo) {
  EXPECT_THAT(ParseError(R"(
cluster { node { name: "head" resources { key: "GPU" value: 1 } } }
program {
  name: "workload"
  workload { stage { name: "a" count: 1 } }
}
)"),
              HasSubstr("test.textproto:4:14: program.workload.stage[0]"
                        ".resources: no node can ever run this task: it needs "
                        "{CPU: 1} and the largest node has {CPU: 0}"));
}

TEST(StageRulesTest, AllResourcesMustFitOnOneNode) {
  EXPECT_THAT(WorkloadError(R"(program {
  name: "workload"
  workload {
    stage {
      name: "a"
      count: 1
      resources { key: "CPU" value: 8 }
      resources { key: "GPU" value: 2 }
    }
  }
}
)"),
              HasSubstr("program.workload.stage[0].resources: no node can "
                        "ever run this task: it needs {CPU: 8, GPU: 2} and the "
                        "most of each on any node is {CPU: 16, GPU: 1}"));
  EXPECT_THAT(ParseError(R"(
cluster {
  node { name: "head" resources { key: "CPU" value: 8 } }
  node { name: "gpu" resources { key: "GPU" value: 1 } }
}
program {
  name: "workload"
  workload {
    stage {
      name: "a"
      count: 1
      resources { key: "CPU" value: 1 }
      resources { key: "GPU" value: 1 }
    }
  }
}
)"),
              HasSubstr("test.textproto:11:7: program.workload.stage[0]"
                        ".resources: no node can ever run this task: it needs "
                        "{CPU: 1, GPU: 1} and no single node has all of it"));
}

}  // namespace
}  // namespace miniray::scenario
