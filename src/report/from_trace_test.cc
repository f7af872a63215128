// Proves that the report's timeline data comes from the event log as
// documented: a bar per task run on its worker's lane, closed by its end, cut
// short by a fault on its node or by the task starting again, marked when it
// rebuilt a lost object, and run to the end when still open; that fault and
// node-death times become marks; and that unknown nodes are added.
#include "src/report/from_trace.h"

#include "gtest/gtest.h"
#include "src/trace/trace_recorder.h"

namespace miniray {
namespace {

absl::Time At(double s) { return absl::UnixEpoch() + absl::Seconds(s); }

TaskId Task(uint64_t seq) { return TaskId{MakeWorkerId(0, 0), seq}; }

TEST(FromTraceTest, BarsFollowTheEventLog) {
  TraceRecorder trace;
  trace.SetNodeName(0, "head");
  trace.SetNodeName(1, "worker-0");
  trace.SetNodeName(2, "worker-1");
  trace.Record({.time = At(1), .type = TraceEventType::kProgramStarted});
  for (uint64_t seq : {1, 2, 3}) {
    trace.TaskSubmitted({.id = Task(seq), .name = "map", .cpus = 2}, At(1));
  }
  trace.TaskStarted(Task(1), 1, MakeWorkerId(1, 3), At(2));
  trace.TaskStarted(Task(2), 1, MakeWorkerId(1, 4), At(2));
  trace.TaskFinished(Task(1), rpc::ErrorInfo(), At(3));
  trace.FaultInjected("worker-0", "kill_node", At(4));  // cuts task 2
  trace.TaskStarted(Task(3), 2, MakeWorkerId(2, 1), At(4));
  trace.TaskStarted(Task(3), 2, MakeWorkerId(2, 2), At(5));  // cuts its run
  trace.Record({.time = At(5.5), .type = TraceEventType::kNodeDied, .node = 1});
  trace.MarkReconstructed(Task(1), At(6));
  trace.TaskStarted(Task(1), 7, MakeWorkerId(7, 1), At(6));  // never ends
  trace.Record({.time = At(9), .type = TraceEventType::kProgramFinished});

  const RunReport report =
      ReportFromTrace(trace, {{"head", 1}, {"worker-0", 4}, {"worker-1", 4}});
  EXPECT_DOUBLE_EQ(report.end_s, 8);
  ASSERT_EQ(report.nodes.size(), 4u);
  EXPECT_EQ(report.nodes[3].name, "node-7");
  EXPECT_EQ(report.nodes[3].cpus, 0);
  ASSERT_EQ(report.bars.size(), 5u);
  const TaskBar& first = report.bars[0];
  EXPECT_EQ(first.task, "0.0.1");
  EXPECT_EQ(first.name, "map");
  EXPECT_EQ(first.node, 1);
  EXPECT_EQ(first.worker, 3u);
  EXPECT_DOUBLE_EQ(first.start_s, 1);
  EXPECT_DOUBLE_EQ(first.end_s, 2);
  EXPECT_EQ(first.outcome, TaskBar::Outcome::kFinished);
  EXPECT_EQ(first.cpus, 2);
  EXPECT_DOUBLE_EQ(report.bars[1].end_s, 3);
  EXPECT_EQ(report.bars[1].outcome, TaskBar::Outcome::kInterrupted);
  EXPECT_EQ(report.bars[2].outcome, TaskBar::Outcome::kInterrupted);
  EXPECT_DOUBLE_EQ(report.bars[2].end_s, 4);
  EXPECT_EQ(report.bars[3].attempt, 2);
  EXPECT_EQ(report.bars[3].outcome, TaskBar::Outcome::kRunning);
  EXPECT_DOUBLE_EQ(report.bars[3].end_s, 8);
  EXPECT_TRUE(report.bars[4].reconstruction);
  EXPECT_EQ(report.bars[4].node, 3);
  ASSERT_EQ(report.marks.size(), 2u);
  EXPECT_DOUBLE_EQ(report.marks[0].time_s, 3);
  EXPECT_EQ(report.marks[0].label, "worker-0: kill_node");
  EXPECT_EQ(report.marks[1].label, "worker-0 declared dead");
}

}  // namespace
}  // namespace miniray
