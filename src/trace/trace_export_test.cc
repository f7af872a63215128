// Proves that the task graph (DOT) and the timeline (trace-event JSON) of
// hand-built traces draw every task, object and relation once with the
// documented shape, style and frame; that equal traces export byte-identical
// text; that names are escaped; and that Graphviz accepts the DOT.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/common/ids.h"
#include "src/trace/dot_export.h"
#include "src/trace/timeline_export.h"
#include "src/trace/trace_recorder.h"

namespace miniray {
namespace {

// ---- Building traces ----

TaskId Task(NodeId node, uint32_t worker, uint64_t seq) {
  return TaskId{MakeWorkerId(node, worker), seq};
}
absl::Time At(double ms) {
  return absl::UnixEpoch() + absl::Microseconds(ms * 1000);
}

rpc::ErrorInfo Error(rpc::ErrorType type, const std::string& message) {
  rpc::ErrorInfo error;
  error.set_type(type);
  error.set_message(message);
  return error;
}

struct Call {
  TaskId id;
  std::string name;
  std::vector<ObjectId> args;
  TaskKind kind = TaskKind::kNormal;
  std::optional<TaskId> parent;
  std::optional<TaskId> actor;
};

// Submits `call` at time 0 with one return value, and records that return.
ObjectId Submit(TraceRecorder& trace, const Call& call, int64_t size = 8,
                NodeId object_node = kNoNode) {
  const ObjectId out = ObjectId::ForReturn(call.id, 1);
  trace.TaskSubmitted({.id = call.id,
                       .name = call.name,
                       .kind = call.kind,
                       .parent = call.parent,
                       .args = call.args,
                       .returns = {out},
                       .actor = call.actor},
                      At(0));
  trace.ObjectCreated(
      {.id = out, .size = size, .node = object_node, .creator = call.id});
  return out;
}

void RunTask(TraceRecorder& trace, TaskId id, NodeId node, uint32_t worker,
             double start_ms, double end_ms) {
  trace.TaskStarted(id, node, MakeWorkerId(node, worker), At(start_ms));
  trace.TaskFinished(id, rpc::ErrorInfo(), At(end_ms));
}

// A driver submits two producers whose 8MiB outputs feed a third task.
TraceRecorder Diamond() {
  TraceRecorder trace;
  trace.SetNodeName(0, "head");
  trace.SetNodeName(1, "worker-0");
  const ObjectId a = Submit(trace, {Task(0, 1, 1), "produce"}, 8 << 20, 0);
  const ObjectId b = Submit(trace, {Task(0, 1, 2), "produce"}, 8 << 20, 1);
  Submit(trace, {Task(0, 1, 3), "combine", {a, b}});
  RunTask(trace, Task(0, 1, 1), 0, 2, 1, 3.5);
  RunTask(trace, Task(0, 1, 2), 1, 1, 1, 4);
  RunTask(trace, Task(0, 1, 3), 1, 1, 5, 6);
  return trace;
}

// A task that spawns a child and puts an object.
TraceRecorder Nested() {
  TraceRecorder trace;
  const TaskId parent = Task(0, 1, 1);
  Submit(trace, {parent, "parent"});
  Submit(trace, {Task(0, 2, 1), "child", {}, TaskKind::kNormal, parent});
  trace.ObjectCreated({.id = ObjectId::ForPut(MakeWorkerId(0, 2), 2),
                       .size = 1024,
                       .node = 0,
                       .put_by = parent});
  RunTask(trace, parent, 0, 2, 0, 10);
  RunTask(trace, Task(0, 2, 1), 1, 1, 2, 5);
  return trace;
}

// An actor created on node 1, then three calls that start in the order
// 1, 3, 2; a fourth call is still pending.
TraceRecorder Actor() {
  TraceRecorder trace;
  const TaskId actor = Task(0, 1, 1);
  Submit(trace, {actor, "Counter", {}, TaskKind::kActorCreation, {}, actor});
  for (uint64_t seq = 2; seq <= 5; ++seq) {
    Submit(trace, {Task(0, 1, seq),
                   "Counter.add",
                   {},
                   TaskKind::kActorMethod,
                   {},
                   actor});
  }
  RunTask(trace, actor, 1, 3, 1, 2);
  RunTask(trace, Task(0, 1, 2), 1, 3, 2, 3);
  RunTask(trace, Task(0, 1, 4), 1, 3, 3, 4);
  RunTask(trace, Task(0, 1, 3), 1, 3, 4, 5);
  return trace;
}

// A failed task, a task that could never run, a task retried twice and
// rebuilt, a running task, and a pending one.
TraceRecorder Faults() {
  TraceRecorder trace;
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    trace.TaskSubmitted({.id = Task(0, 1, seq),
                         .name = "step",
                         .returns = {ObjectId::ForReturn(Task(0, 1, seq), 1)}},
                        At(0));
  }
  trace.TaskStarted(Task(0, 1, 1), 0, MakeWorkerId(0, 2), At(1));
  trace.TaskFinished(Task(0, 1, 1), Error(rpc::TASK_FAILED, "bad \"x\""),
                     At(2));
  trace.TaskFinished(Task(0, 1, 2), Error(rpc::TASK_UNSCHEDULABLE, "no GPU"),
                     At(2));
  for (int attempt = 0; attempt < 3; ++attempt) {
    trace.TaskStarted(Task(0, 1, 3), 0, MakeWorkerId(0, 3), At(1 + attempt));
  }
  trace.TaskFinished(Task(0, 1, 3), rpc::ErrorInfo(), At(7));
  trace.MarkReconstructed(Task(0, 1, 3), At(8));
  trace.ObjectCreated({.id = ObjectId::ForReturn(Task(0, 1, 3), 1),
                       .size = 100,
                       .node = 0,
                       .creator = Task(0, 1, 3),
                       .created = At(9)});
  trace.TaskStarted(Task(0, 1, 4), 0, MakeWorkerId(0, 2), At(8));
  return trace;
}

// ---- Reading DOT back ----

using Attributes = std::map<std::string, std::string>;

struct DotEdge {
  std::string from, to;
  Attributes attributes;
};

struct DotGraph {
  std::map<std::string, Attributes> vertices;     // by vertex name
  std::map<std::string, std::string> cluster_of;  // vertex -> cluster
  std::vector<std::string> clusters;
  std::vector<DotEdge> edges;
};

Attributes ParseAttributes(const std::string& text) {
  static const std::regex kAttribute(
      R"re((\w+)=("(?:[^"\\]|\\.)*"|[^,\s]+))re");
  Attributes attributes;
  for (std::sregex_iterator it(text.begin(), text.end(), kAttribute), end;
       it != end; ++it) {
    std::string value = (*it)[2];
    if (value.front() == '"') value = value.substr(1, value.size() - 2);
    attributes[(*it)[1]] = value;
  }
  return attributes;
}

// Reads the one-statement-per-line DOT that ExportDot writes, leaving out
// the legend.
DotGraph ParseDot(const std::string& dot) {
  static const std::regex kCluster(R"(^\s*subgraph (\w+) \{$)");
  static const std::regex kEdge(R"(^\s*(\w+) -> (\w+) \[(.*)\];$)");
  static const std::regex kVertex(R"(^\s*(\w+) \[(.*)\];$)");
  DotGraph graph;
  std::string cluster, line;
  std::istringstream lines(dot);
  std::smatch match;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, match, kCluster)) {
      cluster = match[1];
      if (cluster != "cluster_legend") graph.clusters.push_back(cluster);
    } else if (line == "  }") {
      cluster.clear();
    } else if (cluster == "cluster_legend") {
      continue;
    } else if (std::regex_match(line, match, kEdge)) {
      graph.edges.push_back({match[1], match[2], ParseAttributes(match[3])});
    } else if (std::regex_match(line, match, kVertex) && match[1] != "graph" &&
               match[1] != "node" && match[1] != "edge") {
      graph.vertices[match[1]] = ParseAttributes(match[2]);
      if (!cluster.empty()) graph.cluster_of[match[1]] = cluster;
    }
  }
  return graph;
}

// "task", "actor_method", "actor_creation", "object" or "note".
std::string VertexKind(const std::string& name, const Attributes& attributes) {
  if (name[0] == 'o') return "object";
  if (name[0] != 't') return "note";
  if (attributes.at("shape") == "doubleoctagon") return "actor_creation";
  return absl::StrContains(attributes.at("style"), "rounded") ? "actor_method"
                                                              : "task";
}

// "returns", "put", "data", "spawned" or "actor_order".
std::string EdgeKind(const DotEdge& edge) {
  const std::string& style = edge.attributes.at("style");
  if (edge.from[0] == 'o') return "data";
  if (edge.to[0] == 'o') return style == "solid" ? "returns" : "put";
  return style == "dashed" ? "spawned" : "actor_order";
}

std::map<std::string, int> CountVertices(const DotGraph& graph) {
  std::map<std::string, int> counts;
  for (const auto& [name, attributes] : graph.vertices) {
    ++counts[VertexKind(name, attributes)];
  }
  return counts;
}

std::map<std::string, int> CountEdges(const DotGraph& graph) {
  std::map<std::string, int> counts;
  for (const DotEdge& edge : graph.edges) ++counts[EdgeKind(edge)];
  return counts;
}

using Counts = std::map<std::string, int>;

// ---- DOT ----

TEST(ExportDotTest, DiamondHasTasksObjectsAndDataDependencies) {
  const DotGraph graph = ParseDot(ExportDot(Diamond()));
  EXPECT_EQ(CountVertices(graph), (Counts{{"task", 3}, {"object", 3}}));
  EXPECT_EQ(CountEdges(graph), (Counts{{"returns", 3}, {"data", 2}}));
  EXPECT_EQ(graph.clusters,
            (std::vector<std::string>{"cluster_0", "cluster_1"}));
  EXPECT_EQ(graph.cluster_of.at("t_0_1_1"), "cluster_0");
  EXPECT_EQ(graph.cluster_of.at("o_0_1_1_1"), "cluster_0");
  EXPECT_EQ(graph.cluster_of.at("o_0_1_2_1"), "cluster_1");
  // The small inline result sits with its creator, drawn dotted.
  EXPECT_EQ(graph.cluster_of.at("o_0_1_3_1"), "cluster_1");
  EXPECT_EQ(graph.vertices.at("o_0_1_3_1").at("style"), "dotted");
  EXPECT_EQ(graph.vertices.at("o_0_1_1_1").at("label"), "0.1.1.1\\n8MiB");
  EXPECT_EQ(graph.vertices.at("t_0_1_3").at("label"), "combine\\n0.1.3");
  EXPECT_EQ(graph.vertices.at("t_0_1_3").at("fillcolor"), "#c7e9c0");
}

TEST(ExportDotTest, ClustersAreLabelledWithNodeNames) {
  const std::string dot = ExportDot(Diamond());
  EXPECT_TRUE(
      absl::StrContains(dot, "subgraph cluster_1 {\n    label=\"worker-0\";"));
  EXPECT_TRUE(
      absl::StrContains(dot, "subgraph cluster_0 {\n    label=\"head\";"));
}

TEST(ExportDotTest, NestedTaskHasSpawnedAndPutEdges) {
  const DotGraph graph = ParseDot(ExportDot(Nested()));
  EXPECT_EQ(CountVertices(graph), (Counts{{"task", 2}, {"object", 3}}));
  EXPECT_EQ(CountEdges(graph),
            (Counts{{"returns", 2}, {"put", 1}, {"spawned", 1}}));
  EXPECT_EQ(graph.clusters,
            (std::vector<std::string>{"cluster_0", "cluster_1"}));
  EXPECT_EQ(graph.cluster_of.at("o_0_2_2_0"), "cluster_0");
  // Unnamed nodes are called after their id.
  EXPECT_TRUE(absl::StrContains(ExportDot(Nested()), "label=\"node-1\""));
}

TEST(ExportDotTest, ActorCallsAreChainedInStartOrderFromTheCreation) {
  const DotGraph graph = ParseDot(ExportDot(Actor()));
  EXPECT_EQ(
      CountVertices(graph),
      (Counts{{"actor_creation", 1}, {"actor_method", 4}, {"object", 5}}));
  std::vector<std::string> chain;
  for (const DotEdge& edge : graph.edges) {
    if (EdgeKind(edge) != "actor_order") continue;
    if (chain.empty()) chain.push_back(edge.from);
    EXPECT_EQ(edge.from, chain.back());
    chain.push_back(edge.to);
  }
  EXPECT_EQ(chain, (std::vector<std::string>{"t_0_1_1", "t_0_1_2", "t_0_1_4",
                                             "t_0_1_3", "t_0_1_5"}));
  EXPECT_EQ(graph.clusters, std::vector<std::string>{"cluster_1"});
  EXPECT_EQ(graph.cluster_of.count("t_0_1_5"), 0);  // never started
}

TEST(ExportDotTest, StatesAreColouredAndRetriesAndRebuildsMarked) {
  const DotGraph graph = ParseDot(ExportDot(Faults()));
  const Attributes& failed = graph.vertices.at("t_0_1_1");
  EXPECT_EQ(failed.at("fillcolor"), "#fb8072");
  EXPECT_EQ(failed.at("tooltip"), "TASK_FAILED: bad \\\"x\\\"");
  const Attributes& unschedulable = graph.vertices.at("t_0_1_2");
  EXPECT_EQ(unschedulable.at("fillcolor"), "#fb8072");
  EXPECT_EQ(graph.cluster_of.count("t_0_1_2"), 0);
  const Attributes& retried = graph.vertices.at("t_0_1_3");
  EXPECT_EQ(retried.at("peripheries"), "2");
  EXPECT_EQ(retried.at("label"), "step\\n0.1.3\\nx3\\nrebuilt");
  EXPECT_EQ(retried.at("color"), "#7b3294");  // rebuilt wins the border
  EXPECT_EQ(graph.vertices.at("t_0_1_4").at("fillcolor"), "#fff3a0");
  EXPECT_EQ(graph.vertices.at("t_0_1_5").at("fillcolor"), "#e0e0e0");
  EXPECT_EQ(graph.vertices.at("o_0_1_5_1").at("style"), "dashed");
}

TEST(ExportDotTest, EqualTracesExportIdenticalBytes) {
  for (auto make : {Diamond, Nested, Actor, Faults}) {
    EXPECT_EQ(ExportDot(make()), ExportDot(make()));
    EXPECT_EQ(ExportTimeline(make()), ExportTimeline(make()));
  }
}

TEST(ExportDotTest, EscapesQuotesAndBackslashesInNames) {
  TraceRecorder trace;
  trace.SetNodeName(0, "rack \"A\"");
  Submit(trace, {Task(0, 1, 1), "say \"hi\" \\ there"});
  RunTask(trace, Task(0, 1, 1), 0, 1, 0, 1);
  const std::string dot = ExportDot(trace);
  EXPECT_TRUE(
      absl::StrContains(dot, "label=\"say \\\"hi\\\" \\\\ there\\n0.1.1\""));
  EXPECT_TRUE(absl::StrContains(dot, "label=\"rack \\\"A\\\"\";"));
  const std::string json = ExportTimeline(trace);
  EXPECT_TRUE(
      absl::StrContains(json, "\"name\":\"say \\\"hi\\\" \\\\ there\""));
}

TEST(ExportDotTest, LegendIsOptional) {
  EXPECT_TRUE(absl::StrContains(ExportDot(Diamond()), "cluster_legend"));
  EXPECT_FALSE(absl::StrContains(ExportDot(Diamond(), {.legend = false}),
                                 "cluster_legend"));
}

TEST(ExportDotTest, LargeGraphsAreCutAtMaxTasksWithANote) {
  TraceRecorder trace;
  ObjectId previous = Submit(trace, {Task(0, 1, 1), "chain"});
  for (uint64_t seq = 2; seq <= 10; ++seq) {
    previous = Submit(trace, {Task(0, 1, seq), "chain", {previous}});
  }
  const std::string dot = ExportDot(trace, {.max_tasks = 4});
  const DotGraph graph = ParseDot(dot);
  // Task 4's argument and return are drawn; task 5 onwards is not.
  EXPECT_EQ(CountVertices(graph),
            (Counts{{"task", 4}, {"object", 4}, {"note", 1}}));
  EXPECT_EQ(CountEdges(graph), (Counts{{"returns", 4}, {"data", 3}}));
  EXPECT_TRUE(absl::StrContains(dot, "6 more tasks not drawn"));
  EXPECT_FALSE(absl::StrContains(ExportDot(trace), "note_truncated"));
}

// Skipped where Graphviz is not installed.
TEST(ExportDotTest, GraphvizAcceptsTheOutput) {
  if (access("/usr/bin/dot", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/dot";
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  int index = 0;
  for (auto make : {Diamond, Nested, Actor, Faults}) {
    TraceRecorder trace = make();
    trace.SetNodeName(0, "quote \" and back\\slash");
    const std::string in = absl::StrCat(dir, "/graph", index, ".dot");
    const std::string out = absl::StrCat(dir, "/graph", index++, ".svg");
    std::ofstream(in) << ExportDot(trace);
    const std::string command =
        absl::StrCat("/usr/bin/dot -Tsvg ", in, " -o ", out);
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
  }
}

// ---- Timeline ----

// Braces and brackets balance outside strings, and strings are closed.
bool Balanced(const std::string& json) {
  std::vector<char> open;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') ++i;
      if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') open.push_back(c);
    if (c == '}' || c == ']') {
      if (open.empty() || open.back() != (c == '}' ? '{' : '[')) return false;
      open.pop_back();
    }
  }
  return open.empty() && !in_string;
}

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// The line of the event for task `id`.
std::string EventOf(const std::string& json, const std::string& id) {
  std::istringstream lines(json);
  std::string line;
  while (std::getline(lines, line)) {
    if (absl::StrContains(line, absl::StrCat("\"task_id\":\"", id, "\""))) {
      return line;
    }
  }
  return "";
}

TEST(ExportTimelineTest, DiamondHasSlicesFlowsAndNamedRows) {
  const std::string json = ExportTimeline(Diamond());
  EXPECT_TRUE(Balanced(json));
  EXPECT_TRUE(absl::StartsWith(json, "{\"traceEvents\":["));
  EXPECT_TRUE(absl::StrContains(json, "\"displayTimeUnit\":\"ms\"}"));
  EXPECT_EQ(Count(json, "\"ph\":\"X\""), 3);
  EXPECT_EQ(Count(json, "\"ph\":\"s\""), 2);
  EXPECT_EQ(Count(json, "\"ph\":\"f\",\"id\":"), 2);
  EXPECT_EQ(Count(json, "\"bp\":\"e\""), 2);
  EXPECT_EQ(Count(json, "\"id\":1,"), 2);
  EXPECT_EQ(Count(json, "\"id\":2,"), 2);
  EXPECT_TRUE(absl::StrContains(
      json, R"("name":"process_name","ph":"M","pid":2,"tid":0,)"
            R"("args":{"name":"worker-0"})"));
  EXPECT_TRUE(absl::StrContains(
      json, R"("name":"thread_name","ph":"M","pid":1,"tid":2,)"
            R"("args":{"name":"worker 2"})"));
}

TEST(ExportTimelineTest, SliceHasTheTaskTimesInMicroseconds) {
  const std::string json = ExportTimeline(Diamond());
  const std::string event = EventOf(json, "0.1.1");
  EXPECT_TRUE(absl::StrContains(event, R"("cat":"task","ph":"X")"));
  EXPECT_TRUE(
      absl::StrContains(event, R"("pid":1,"tid":2,"ts":1000,"dur":2500)"))
      << event;
  EXPECT_TRUE(absl::StrContains(event, R"("state":"FINISHED","attempts":1)"));
  // The flow from 0.1.1 leaves just inside its end and enters 0.1.3 just
  // inside its start, so that viewers bind it to those slices.
  EXPECT_TRUE(absl::StrContains(
      json, R"("ph":"s","id":1,"pid":1,"tid":2,"ts":3499.999})"));
  EXPECT_TRUE(absl::StrContains(
      json, R"("ph":"f","id":1,"pid":2,"tid":1,"ts":5000.001,"bp":"e"})"));
}

TEST(ExportTimelineTest, ActorAndFaultSlicesCarryKindStateAndError) {
  const std::string actor = ExportTimeline(Actor());
  EXPECT_TRUE(Balanced(actor));
  EXPECT_EQ(Count(actor, "\"cat\":\"actor_creation\""), 1);
  EXPECT_EQ(Count(actor, "\"cat\":\"actor_method\""), 3);  // one pending
  const std::string faults = ExportTimeline(Faults());
  EXPECT_TRUE(Balanced(faults));
  EXPECT_EQ(Count(faults, "\"ph\":\"X\""), 3);  // one never ran, one pending
  EXPECT_TRUE(absl::StrContains(EventOf(faults, "0.1.1"),
                                R"("error":"TASK_FAILED: bad \"x\"")"));
  EXPECT_TRUE(absl::StrContains(EventOf(faults, "0.1.3"),
                                R"("attempts":3,"reconstructed":true)"));
  // Still running: the slice ends at the last time the trace knows (9ms).
  EXPECT_TRUE(
      absl::StrContains(EventOf(faults, "0.1.4"), R"("ts":8000,"dur":1000)"));
}

TEST(ExportTimelineTest, FractionalMicrosecondsArePrintedExactly) {
  TraceRecorder trace;
  Submit(trace, {Task(0, 1, 1), "quick"});
  trace.TaskStarted(Task(0, 1, 1), 0, MakeWorkerId(0, 1),
                    absl::UnixEpoch() + absl::Nanoseconds(1250));
  trace.TaskFinished(Task(0, 1, 1), rpc::ErrorInfo(),
                     absl::UnixEpoch() + absl::Nanoseconds(2000));
  EXPECT_TRUE(absl::StrContains(EventOf(ExportTimeline(trace), "0.1.1"),
                                R"("ts":1.25,"dur":0.75)"));
}

}  // namespace
}  // namespace miniray
