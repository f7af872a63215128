// Proves that /metrics is valid Prometheus text exposition (checked by a
// small parser of HELP, TYPE and sample lines), that its task counters and
// scheduling-latency histogram move when tasks run, and that the JSON views
// list the tasks with their states.
#include "src/dashboard/views.h"

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "src/dashboard/prometheus.h"

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

TEST(ViewsTest, LabelValuesAreEscaped) {
  PrometheusText text;
  text.Add("x", "gauge", "help", {{"node", "a\"b\\c\nd"}}, 1.5);
  EXPECT_EQ(text.str(),
            "# HELP x help\n# TYPE x gauge\nx{node=\"a\\\"b\\\\c\\nd\"} 1.5\n");
  ParsePrometheus(text.str());
}

}  // namespace
}  // namespace miniray
