// The task graph and timeline of real runs: the right vertices and edges for
// small scenarios (semantic checks, not only bytes), byte-identical output
// for the same run, Graphviz's dot accepts the graph of every scenario, and
// the timeline has a slice per task.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "gtest/gtest.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"
#include "src/trace/dot_export.h"
#include "src/trace/timeline_export.h"

namespace miniray {
namespace {

struct Graph {
  int tasks = 0, objects = 0, actor_creations = 0, actor_methods = 0;
  int returns = 0, data = 0, spawned = 0, actor_order = 0, clusters = 0;
};

// Reads back the DOT that ExportDot writes, ignoring the legend.
Graph Parse(const std::string& dot) {
  Graph g;
  std::istringstream in(dot);
  std::string line;
  const std::regex vertex(R"(^\s+([to])_[0-9_]+ \[shape=(\w+),( style="?([a-z,]+))?)");
  const std::regex edge(R"(^\s+([to])_[0-9_]+ -> ([to])_[0-9_]+ \[style=(\w+))");
  std::smatch m;
  bool in_legend = false;
  while (std::getline(in, line)) {
    if (line.find("cluster_legend") != std::string::npos) in_legend = true;
    if (in_legend) {
      if (line == "  }") in_legend = false;
      continue;
    }
    if (line.find("subgraph cluster_") != std::string::npos) ++g.clusters;
    if (std::regex_search(line, m, vertex)) {
      if (m[1] == "o") {
        ++g.objects;
      } else if (m[2] == "doubleoctagon") {
        ++g.actor_creations;
      } else if (m[4].str().find("rounded") != std::string::npos) {
        ++g.actor_methods;
      } else {
        ++g.tasks;
      }
    } else if (std::regex_search(line, m, edge)) {
      if (m[1] == "t" && m[2] == "o") ++g.returns;
      if (m[1] == "o" && m[2] == "t") ++g.data;
      if (m[1] == "t" && m[2] == "t" && m[3] == "dashed") ++g.spawned;
      if (m[1] == "t" && m[2] == "t" && m[3] == "dotted") ++g.actor_order;
    }
  }
  return g;
}

std::unique_ptr<SimCluster> RunTraced(const std::string& path,
                                      RunSummary* summary) {
  absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(path);
  EXPECT_TRUE(s.ok()) << s.status();
  auto cluster = std::make_unique<SimCluster>(*s, s->has_seed() ? s->seed() : 1,
                                              /*trace=*/true);
  *summary = cluster->Run();
  return cluster;
}

std::string DotOf(const std::string& path) {
  RunSummary summary;
  std::unique_ptr<SimCluster> cluster = RunTraced(path, &summary);
  return ExportDot(*cluster->trace());
}

TEST(TaskGraphTest, SquareMap) {
  const Graph g = Parse(DotOf("scenarios/square_map.textproto"));
  EXPECT_EQ(g.tasks, 4);
  EXPECT_EQ(g.objects, 4);
  EXPECT_EQ(g.returns, 4);
  EXPECT_EQ(g.data, 0);
  EXPECT_EQ(g.spawned, 0);  // the driver submits them all
  EXPECT_GE(g.clusters, 2);  // spilled to more than one node
}

TEST(TaskGraphTest, SumMatrixShowsThePutObjectFeedingTheTask) {
  const Graph g = Parse(DotOf("scenarios/sum_matrix.textproto"));
  EXPECT_EQ(g.tasks, 1);
  EXPECT_EQ(g.objects, 2);  // the matrix, and the sum
  EXPECT_EQ(g.data, 1);
  EXPECT_EQ(g.returns, 1);
}

TEST(TaskGraphTest, TreeReduceSpawnsNestedTasks) {
  const Graph g = Parse(DotOf("scenarios/tree_reduce.textproto"));
  EXPECT_EQ(g.tasks, 15);
  EXPECT_EQ(g.spawned, 14);  // every task but the root has a parent task
  EXPECT_EQ(g.returns, 15);
}

TEST(TaskGraphTest, CounterActorChainsItsCalls) {
  const Graph g = Parse(DotOf("scenarios/counter_actor.textproto"));
  EXPECT_EQ(g.actor_creations, 1);
  EXPECT_EQ(g.actor_methods, 11);
  EXPECT_EQ(g.actor_order, 11);  // creation -> call 1 -> ... -> call 11
  EXPECT_EQ(g.tasks, 0);
}

TEST(TaskGraphTest, SameRunSameBytes) {
  EXPECT_EQ(DotOf("scenarios/workload_mapreduce.textproto"),
            DotOf("scenarios/workload_mapreduce.textproto"));
}

TEST(TaskGraphTest, DotAcceptsTheGraphOfEveryScenario) {
  if (!std::filesystem::exists("/usr/bin/dot")) GTEST_SKIP() << "no graphviz";
  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR")
                                                     : "/tmp";
  int checked = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator("scenarios")) {
    if (entry.path().extension() != ".textproto") continue;
    const std::string dot_path = dir + "/graph.dot";
    std::ofstream(dot_path) << DotOf(entry.path().string());
    const std::string command =
        "dot -Tsvg " + dot_path + " -o " + dir + "/graph.svg 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(TimelineTest, OneSlicePerStartedTask) {
  RunSummary summary;
  std::unique_ptr<SimCluster> cluster =
      RunTraced("scenarios/workload_mapreduce.textproto", &summary);
  const std::string json = ExportTimeline(*cluster->trace());
  size_t slices = 0;
  for (size_t at = json.find("\"ph\":\"X\""); at != std::string::npos;
       at = json.find("\"ph\":\"X\"", at + 1)) {
    ++slices;
  }
  EXPECT_EQ(slices, summary.metrics.tasks_finished);
  EXPECT_EQ(json.rfind("{\"traceEvents\":[", 0), 0u);
}

}  // namespace
}  // namespace miniray
