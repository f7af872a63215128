#include "src/trace/timeline_export.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/common/ids.h"

namespace miniray {
namespace {

// A JSON string literal, quotes included.
std::string Quote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x",
                    static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// Microseconds with exact nanosecond decimals and no trailing zeros, so that
// the text does not depend on floating-point printing: "1500", "1500.25".
std::string Micros(absl::Duration duration) {
  const int64_t nanos = absl::ToInt64Nanoseconds(duration);
  const uint64_t magnitude =
      nanos < 0 ? 0 - static_cast<uint64_t>(nanos) : nanos;
  std::string out = absl::StrCat(nanos < 0 ? "-" : "", magnitude / 1000);
  const int fraction = static_cast<int>(magnitude % 1000);
  if (fraction == 0) return out;
  std::string decimals = {static_cast<char>('0' + fraction / 100),
                          static_cast<char>('0' + fraction / 10 % 10),
                          static_cast<char>('0' + fraction % 10)};
  while (decimals.back() == '0') decimals.pop_back();
  return absl::StrCat(out, ".", decimals);
}

std::string Timestamp(absl::Time time) {
  return Micros(time - absl::UnixEpoch());
}

bool Started(const TaskTrace& task) { return task.attempts > 0; }

int64_t Pid(const TaskTrace& task) {
  const NodeId node =
      task.node != kNoNode ? task.node : NodeOfWorker(task.worker);
  return int64_t{node} + 1;
}
uint32_t Tid(const TaskTrace& task) { return task.worker & 0xffffffffu; }

const char* Category(TaskKind kind) {
  switch (kind) {
    case TaskKind::kActorCreation:
      return "actor_creation";
    case TaskKind::kActorMethod:
      return "actor_method";
    case TaskKind::kNormal:
      break;
  }
  return "task";
}

const char* StateName(TaskState state) {
  switch (state) {
    case TaskState::kPending:
      return "PENDING";
    case TaskState::kRunning:
      return "RUNNING";
    case TaskState::kFinished:
      return "FINISHED";
    case TaskState::kFailed:
      return "FAILED";
  }
  return "UNKNOWN";
}

// The last time the trace knows of: where still-running tasks end.
absl::Time TraceEnd(const TraceRecorder& trace) {
  absl::Time end = absl::UnixEpoch();
  for (const auto& [id, task] : trace.tasks()) {
    end = std::max({end, task.submitted, task.started, task.finished});
  }
  for (const auto& [id, object] : trace.objects()) {
    end = std::max(end, object.created);
  }
  return end;
}

// When the task's slice ends. A task waiting to be retried has no known end
// for its last attempt, so its slice has no length.
absl::Time SliceEnd(const TaskTrace& task, absl::Time trace_end) {
  switch (task.state) {
    case TaskState::kFinished:
    case TaskState::kFailed:
      return task.finished;
    case TaskState::kRunning:
      return trace_end;
    case TaskState::kPending:
      break;
  }
  return task.started;
}

// Viewers bind a flow event to the slice that encloses its time. A worker
// often starts a task at the very time its previous task ended, where two
// slices touch, so the arrow leaves 1ns before the producer's end and enters
// 1ns after the consumer's start (when the slice is long enough).
absl::Time FlowStart(const TaskTrace& producer, absl::Time trace_end) {
  const absl::Time end = SliceEnd(producer, trace_end);
  return end > producer.started ? end - absl::Nanoseconds(1) : end;
}
absl::Time FlowFinish(const TaskTrace& consumer, absl::Time trace_end) {
  const absl::Time end = SliceEnd(consumer, trace_end);
  return end > consumer.started ? consumer.started + absl::Nanoseconds(1)
                                : consumer.started;
}

void AppendMetadata(const TraceRecorder& trace, std::vector<std::string>* out) {
  std::map<int64_t, std::string> processes;
  for (const auto& [node, name] : trace.node_names()) {
    processes[int64_t{node} + 1] = name;
  }
  std::set<std::pair<int64_t, uint32_t>> threads;
  for (const auto& [id, task] : trace.tasks()) {
    if (!Started(task)) continue;
    const NodeId node = static_cast<NodeId>(Pid(task) - 1);
    processes.emplace(Pid(task), trace.NodeName(node));
    threads.emplace(Pid(task), Tid(task));
  }
  for (const auto& [pid, name] : processes) {
    out->push_back(absl::StrCat(R"({"name":"process_name","ph":"M","pid":)",
                                pid, R"(,"tid":0,"args":{"name":)", Quote(name),
                                "}}"));
  }
  for (const auto& [pid, tid] : threads) {
    out->push_back(absl::StrCat(R"({"name":"thread_name","ph":"M","pid":)", pid,
                                R"(,"tid":)", tid,
                                R"(,"args":{"name":"worker )", tid, R"("}})"));
  }
}

std::string Slice(const TaskTrace& task, absl::Time trace_end) {
  std::string args =
      absl::StrCat(R"("task_id":)", Quote(task.id.ToString()), R"(,"state":")",
                   StateName(task.state), R"(","attempts":)", task.attempts);
  if (task.reconstructed) absl::StrAppend(&args, R"(,"reconstructed":true)");
  if (!task.error.empty()) {
    absl::StrAppend(&args, R"(,"error":)", Quote(task.error));
  }
  return absl::StrCat(R"({"name":)", Quote(task.name), R"(,"cat":")",
                      Category(task.kind), R"(","ph":"X","pid":)", Pid(task),
                      R"(,"tid":)", Tid(task), R"(,"ts":)",
                      Timestamp(task.started), R"(,"dur":)",
                      Micros(SliceEnd(task, trace_end) - task.started),
                      R"(,"args":{)", args, "}}");
}

std::string FlowEvent(const char* phase, int flow_id, const ObjectId& object,
                      const TaskTrace& task, absl::Time time) {
  return absl::StrCat(R"({"name":)", Quote(object.ToString()),
                      R"(,"cat":"dependency","ph":")", phase, R"(","id":)",
                      flow_id, R"(,"pid":)", Pid(task), R"(,"tid":)", Tid(task),
                      R"(,"ts":)", Timestamp(time),
                      phase[0] == 'f' ? R"(,"bp":"e"})" : "}");
}

// The task that returns each object, from the objects' records and the
// tasks' declared returns.
std::map<ObjectId, TaskId> Producers(const TraceRecorder& trace) {
  std::map<ObjectId, TaskId> producers;
  for (const auto& [id, task] : trace.tasks()) {
    for (const ObjectId& ret : task.returns) producers[ret] = id;
  }
  for (const auto& [id, object] : trace.objects()) {
    if (object.creator) producers[id] = *object.creator;
  }
  return producers;
}

void AppendTasksAndFlows(const TraceRecorder& trace,
                         std::vector<std::string>* out) {
  const absl::Time trace_end = TraceEnd(trace);
  const std::map<ObjectId, TaskId> producers = Producers(trace);
  int flow_id = 0;
  for (const auto& [id, task] : trace.tasks()) {
    if (!Started(task)) continue;
    out->push_back(Slice(task, trace_end));
    for (const ObjectId& arg : task.args) {
      auto producer_id = producers.find(arg);
      if (producer_id == producers.end()) continue;
      auto producer = trace.tasks().find(producer_id->second);
      if (producer == trace.tasks().end() || !Started(producer->second)) {
        continue;
      }
      ++flow_id;
      out->push_back(FlowEvent("s", flow_id, arg, producer->second,
                               FlowStart(producer->second, trace_end)));
      out->push_back(
          FlowEvent("f", flow_id, arg, task, FlowFinish(task, trace_end)));
    }
  }
}

}  // namespace

std::string ExportTimeline(const TraceRecorder& trace) {
  std::vector<std::string> events;
  AppendMetadata(trace, &events);
  AppendTasksAndFlows(trace, &events);
  return absl::StrCat("{\"traceEvents\":[\n", absl::StrJoin(events, ",\n"),
                      "\n],\n\"displayTimeUnit\":\"ms\"}\n");
}

}  // namespace miniray
