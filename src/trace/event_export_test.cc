// Proves that the event log lists what a hand-built trace did, in order,
// with times relative to the program's start and the documented fields; that
// the two formats agree (CSV has every column, JSON lines only the set ones,
// both escaped); that a re-created object is logged as reconstructed; and
// that only .jsonl and .csv file names are accepted.
#include "src/trace/event_export.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "src/common/ids.h"
#include "src/trace/trace_recorder.h"

namespace miniray {
namespace {

absl::Time At(double ms) {
  return absl::UnixEpoch() + absl::Microseconds(ms * 1000);
}

const TaskId kTask{MakeWorkerId(0, 0), 1};
const ObjectId kOut = ObjectId::ForReturn(kTask, 1);

// A program that starts at 10ms, runs one task on worker-1 whose output moves
// to the head, then loses it when worker-1 is killed and rebuilds it.
TraceRecorder MakeTrace() {
  TraceRecorder trace;
  trace.SetNodeName(0, "head");
  trace.SetNodeName(1, "worker-1");
  trace.Record({.time = At(10), .type = TraceEventType::kProgramStarted});
  trace.TaskSubmitted({.id = kTask, .name = "map", .returns = {kOut}}, At(10));
  trace.Record({.time = At(10.5),
                .type = TraceEventType::kSpillback,
                .name = "map",
                .node = 0,
                .to_node = 1});
  trace.TaskStarted(kTask, 1, MakeWorkerId(1, 2), At(11));
  trace.TaskFinished(kTask, rpc::ErrorInfo(), At(12.0005));
  trace.ObjectCreated({.id = kOut,
                       .size = 4096,
                       .node = 1,
                       .creator = kTask,
                       .created = At(12)});
  trace.Record({.time = At(13),
                .type = TraceEventType::kObjectTransferred,
                .object = kOut,
                .node = 1,
                .to_node = 0,
                .bytes = 4096});
  trace.FaultInjected("worker-1", "kill_node", At(14));
  trace.Record({.time = At(15),
                .type = TraceEventType::kTaskFailed,
                .task = kTask,
                .detail = "said \"no\", twice\nthen stopped"});
  trace.MarkReconstructed(kTask, At(16));
  trace.ObjectCreated({.id = kOut,
                       .size = 4096,
                       .node = 0,
                       .creator = kTask,
                       .created = At(17)});
  return trace;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  EXPECT_EQ(lines.back(), "") << "the export must end with a newline";
  lines.pop_back();
  return lines;
}

TEST(EventExportTest, JsonLinesListEventsInOrderFromProgramStart) {
  const std::vector<std::string> lines =
      Lines(ExportEvents(MakeTrace(), EventFormat::kJsonLines));
  const std::vector<std::string> want = {
      R"({"time_us": 0.000, "event": "program_started"})",
      R"({"time_us": 0.000, "event": "task_submitted", "task": "0.0.1", "name": "map", "node": "head"})",
      R"({"time_us": 500.000, "event": "spillback", "name": "map", "node": "head", "to_node": "worker-1"})",
      R"({"time_us": 1000.000, "event": "task_started", "task": "0.0.1", "name": "map", "node": "worker-1", "worker": "1.2", "attempt": 1})",
      R"({"time_us": 2000.500, "event": "task_finished", "task": "0.0.1", "name": "map", "node": "worker-1", "worker": "1.2", "attempt": 1})",
      R"({"time_us": 2000.000, "event": "object_created", "task": "0.0.1", "name": "map", "object": "0.0.1.1", "node": "worker-1", "bytes": 4096})",
      R"({"time_us": 3000.000, "event": "object_transferred", "object": "0.0.1.1", "node": "worker-1", "to_node": "head", "bytes": 4096})",
      R"({"time_us": 4000.000, "event": "fault_injected", "node": "worker-1", "detail": "kill_node"})",
      R"({"time_us": 5000.000, "event": "task_failed", "task": "0.0.1", "name": "map", "detail": "said \"no\", twice\nthen stopped"})",
      R"({"time_us": 6000.000, "event": "reconstruction_started", "task": "0.0.1", "name": "map"})",
      R"({"time_us": 7000.000, "event": "object_reconstructed", "task": "0.0.1", "name": "map", "object": "0.0.1.1", "node": "head", "bytes": 4096})",
  };
  ASSERT_EQ(lines.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(lines[i], want[i]);
}

TEST(EventExportTest, CsvHasEveryColumnAndQuotesWhatNeedsIt) {
  const std::vector<std::string> lines =
      Lines(ExportEvents(MakeTrace(), EventFormat::kCsv));
  ASSERT_EQ(lines.size(), 13u);  // header, 11 events, one spans 2 lines
  EXPECT_EQ(lines[0],
            "time_us,event,task,name,object,node,to_node,worker,bytes,"
            "attempt,detail");
  EXPECT_EQ(lines[1], "0.000,program_started,,,,,,,,,");
  EXPECT_EQ(lines[7],
            "3000.000,object_transferred,,,0.0.1.1,worker-1,head,,4096,,");
  // The failed task's detail holds a quote, a comma and a newline, so its
  // record spans two lines.
  EXPECT_EQ(lines[9],
            "5000.000,task_failed,0.0.1,map,,,,,,,\"said \"\"no\"\", twice");
  EXPECT_EQ(lines[10], "then stopped\"");
}

TEST(EventExportTest, EqualTracesGiveIdenticalText) {
  EXPECT_EQ(ExportEvents(MakeTrace(), EventFormat::kCsv),
            ExportEvents(MakeTrace(), EventFormat::kCsv));
  EXPECT_EQ(ExportEvents(MakeTrace(), EventFormat::kJsonLines),
            ExportEvents(MakeTrace(), EventFormat::kJsonLines));
}

TEST(EventExportTest, WithoutProgramStartTimesCountFromZero) {
  TraceRecorder trace;
  trace.Record({.time = At(2), .type = TraceEventType::kNodeDied, .node = 3});
  EXPECT_EQ(ExportEvents(trace, EventFormat::kJsonLines),
            "{\"time_us\": 2000.000, \"event\": \"node_died\", \"node\": "
            "\"node-3\"}\n");
}

TEST(EventExportTest, FormatComesFromTheFileName) {
  EXPECT_EQ(*EventFormatForPath("out/events.jsonl"), EventFormat::kJsonLines);
  EXPECT_EQ(*EventFormatForPath("events.csv"), EventFormat::kCsv);
  const absl::StatusOr<EventFormat> bad = EventFormatForPath("events.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find(".jsonl"), std::string::npos);
}

}  // namespace
}  // namespace miniray
