// Proves that /metrics is valid Prometheus text exposition (checked by a
// small parser of HELP, TYPE and sample lines), that its task counters and
// scheduling-latency histogram move when tasks run, that the JSON views list
// the tasks with their states, and that on the head (a GCS, in the
// simulator) the nodes' reported CPU, memory and store use and the owners'
// reported tasks, nested ones with their parent, show in /api/nodes,
// /api/tasks and /metrics.
#include "src/dashboard/views.h"

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "src/dashboard/prometheus.h"
#include "src/rpc/convert.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"

namespace miniray {
namespace {

// Parses Prometheus text exposition; returns samples by "name{labels}" and
// fails the test on a line that is not HELP, TYPE, blank or a sample, on a
// sample whose family has no TYPE, or on a family typed twice.
std::map<std::string, double> ParsePrometheus(const std::string& text) {
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? ([-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)))");
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  std::istringstream lines(text);
  std::string line;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (line.empty() || std::regex_match(line, m, kHelp)) continue;
    if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(typed.insert(m[1]).second) << "typed twice: " << line;
      continue;
    }
    if (!std::regex_match(line, m, kSample)) {
      ADD_FAILURE() << "not Prometheus text: " << line;
      continue;
    }
    std::string family = m[1];
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s = suffix;
      if (!typed.count(family) && family.size() > s.size() &&
          family.compare(family.size() - s.size(), s.size(), s) == 0) {
        family.resize(family.size() - s.size());
      }
    }
    EXPECT_TRUE(typed.count(family)) << "sample before its TYPE: " << line;
    samples[std::string(m[1]) + std::string(m[2])] = std::stod(m[5]);
  }
  return samples;
}

TEST(ViewsTest, MetricsParseAndCountersMoveWhenTasksRun) {
  TraceRecorder trace;
  Metrics metrics;
  DashboardSources sources{.trace = &trace, .metrics = &metrics};
  std::map<std::string, double> before = ParsePrometheus(MetricsText(sources));
  EXPECT_EQ(before["miniray_tasks_finished_total"], 0);
  EXPECT_EQ(before["miniray_tasks{state=\"finished\"}"], 0);

  const absl::Time t0 = absl::UnixEpoch() + absl::Seconds(100);
  const TaskId task{1, 7};
  trace.TaskSubmitted({.id = task, .name = "square"}, t0);
  ++metrics.tasks_submitted;
  std::map<std::string, double> pending = ParsePrometheus(MetricsText(sources));
  EXPECT_EQ(pending["miniray_tasks{state=\"pending\"}"], 1);

  trace.TaskStarted(task, 2, MakeWorkerId(2, 1), t0 + absl::Milliseconds(30));
  trace.TaskFinished(task, rpc::ErrorInfo(), t0 + absl::Milliseconds(90));
  ++metrics.tasks_finished;
  metrics.bytes_transferred += 4096;
  std::map<std::string, double> after = ParsePrometheus(MetricsText(sources));
  EXPECT_EQ(after["miniray_tasks{state=\"finished\"}"], 1);
  EXPECT_EQ(after["miniray_tasks{state=\"pending\"}"], 0);
  EXPECT_EQ(after["miniray_tasks_finished_total"], 1);
  EXPECT_EQ(after["miniray_bytes_transferred_total"], 4096);
  const std::string h = "miniray_task_scheduling_latency_seconds";
  EXPECT_EQ(after[h + "_count"], 1);
  EXPECT_NEAR(after[h + "_sum"], 0.03, 1e-9);
  EXPECT_EQ(after[h + "_bucket{le=\"0.01\"}"], 0);
  EXPECT_EQ(after[h + "_bucket{le=\"0.05\"}"], 1);
  EXPECT_EQ(after[h + "_bucket{le=\"+Inf\"}"], 1);
}

TEST(ViewsTest, TasksJsonListsTasksWithStatesAndCounts) {
  TraceRecorder trace;
  DashboardSources sources{.trace = &trace};
  const absl::Time t0 = absl::UnixEpoch() + absl::Seconds(5);
  trace.TaskSubmitted({.id = TaskId{1, 1}, .name = "ok"}, t0);
  trace.TaskSubmitted({.id = TaskId{1, 2}, .name = "bad\"name"}, t0);
  trace.TaskStarted(TaskId{1, 1}, 2, 3, t0 + absl::Seconds(1));
  trace.TaskFinished(TaskId{1, 1}, rpc::ErrorInfo(), t0 + absl::Seconds(2));
  const std::string json = TasksJson(sources);
  EXPECT_NE(json.find("\"finished\":1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"pending\":1"), std::string::npos) << json;
  EXPECT_NE(json.find("\"name\":\"bad\\\"name\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"started_s\":1.000"), std::string::npos) << json;
}

// Sends `request` to the GCS as `Method` from `client`; waits for the reply.
template <typename Method>
typename Method::Reply CallGcs(SimLoop& loop, RpcEndpoint& client,
                               const typename Method::Request& request) {
  std::optional<typename Method::Reply> got;
  client.Call<Method>("head:6379", request,
                      [&](absl::StatusOr<typename Method::Reply> reply) {
                        EXPECT_TRUE(reply.ok()) << reply.status();
                        got = reply.ok() ? *reply : typename Method::Reply();
                      });
  EXPECT_TRUE(loop.RunUntil([&] { return got.has_value(); },
                            loop.Now() + absl::Seconds(1)));
  return got.value_or(typename Method::Reply());
}

TEST(ViewsTest, HeadShowsReportedUsageAndEveryOwnersTasks) {
  SimLoop loop;
  SimNetwork network(loop, {});
  GcsServer gcs(loop, network, "head:6379", {});
  ASSERT_TRUE(gcs.Start().ok());
  RpcEndpoint client(network, "w1:7000");
  ASSERT_TRUE(client.Start().ok());
  DashboardSources sources{.gcs = &gcs, .clock = &loop};

  rpc::RegisterNodeRequest join;
  join.set_name("w1");
  join.set_raylet_address("w1:7000");
  join.set_http_address("w1:9100");
  const uint32_t node = CallGcs<RegisterNode>(loop, client, join).node_id();
  std::string nodes = NodesJson(sources);
  EXPECT_NE(nodes.find("\"rss_bytes\":-1"), std::string::npos) << nodes;
  rpc::HeartbeatRequest beat;
  beat.set_node_id(node);
  beat.mutable_usage()->set_process_rss_bytes(5 << 20);
  beat.mutable_usage()->set_host_cpu_percent(37.5);
  beat.mutable_usage()->set_object_store_used_bytes(4096);
  CallGcs<Heartbeat>(loop, client, beat);
  nodes = NodesJson(sources);
  EXPECT_NE(nodes.find("\"store_used_bytes\":4096"), std::string::npos)
      << nodes;
  EXPECT_NE(nodes.find("\"rss_bytes\":5242880"), std::string::npos) << nodes;
  EXPECT_NE(nodes.find("\"host_cpu_percent\":37.5"), std::string::npos)
      << nodes;
  EXPECT_NE(nodes.find("\"http_address\":\"w1:9100\""), std::string::npos);

  // The driver's task, and one its task submitted (owned by a worker).
  rpc::AddTaskEventsRequest events;
  rpc::TaskEventProto* top = events.add_events();
  *top->mutable_task_id() = ToProto(TaskId{MakeWorkerId(1, 0), 1});
  top->set_name("fib");
  top->set_state("running");
  top->set_node_id(node);
  top->set_has_node(true);
  top->set_submitted_unix_us(1000000);
  rpc::TaskEventProto* nested = events.add_events();
  *nested->mutable_task_id() = ToProto(TaskId{MakeWorkerId(0, 1), 1});
  *nested->mutable_parent() = top->task_id();
  nested->set_name("fib");
  nested->set_state("finished");
  nested->set_submitted_unix_us(1500000);
  nested->set_finished_unix_us(2000000);
  CallGcs<AddTaskEvents>(loop, client, events);
  const std::string tasks = TasksJson(sources);
  EXPECT_NE(tasks.find("\"running\":1,\"finished\":1"), std::string::npos)
      << tasks;
  EXPECT_NE(tasks.find("\"state\":\"running\",\"node\":\"w1\""),
            std::string::npos)
      << tasks;
  EXPECT_NE(tasks.find("\"finished_s\":1.000,\"parent\":\"1.0.1\""),
            std::string::npos)
      << tasks;
  std::map<std::string, double> metrics = ParsePrometheus(MetricsText(sources));
  EXPECT_EQ(metrics["miniray_node_rss_bytes{node=\"w1\"}"], 5 << 20);
  EXPECT_EQ(metrics["miniray_gcs_tasks{state=\"finished\"}"], 1);
  EXPECT_EQ(metrics["miniray_gcs_task_events_evicted_total"], 0);
}

TEST(ViewsTest, LabelValuesAreEscaped) {
  PrometheusText text;
  text.Add("x", "gauge", "help", {{"node", "a\"b\\c\nd"}}, 1.5);
  EXPECT_EQ(text.str(),
            "# HELP x help\n# TYPE x gauge\nx{node=\"a\\\"b\\\\c\\nd\"} 1.5\n");
  ParsePrometheus(text.str());
}

}  // namespace
}  // namespace miniray
