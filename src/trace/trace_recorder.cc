#include "src/trace/trace_recorder.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"

namespace miniray {

const char* TaskKindName(TaskKind kind) {
  switch (kind) {
    case TaskKind::kNormal:
      return "task";
    case TaskKind::kActorCreation:
      return "actor_creation";
    case TaskKind::kActorMethod:
      return "actor_method";
  }
  return "unknown";
}

const char* TaskStateName(TaskState state) {
  switch (state) {
    case TaskState::kPending:
      return "pending";
    case TaskState::kRunning:
      return "running";
    case TaskState::kFinished:
      return "finished";
    case TaskState::kFailed:
      return "failed";
  }
  return "unknown";
}

const char* TraceEventName(TraceEventType type) {
  switch (type) {
    case TraceEventType::kProgramStarted:
      return "program_started";
    case TraceEventType::kProgramFinished:
      return "program_finished";
    case TraceEventType::kTaskSubmitted:
      return "task_submitted";
    case TraceEventType::kLeaseGranted:
      return "lease_granted";
    case TraceEventType::kSpillback:
      return "spillback";
    case TraceEventType::kTaskStarted:
      return "task_started";
    case TraceEventType::kTaskFinished:
      return "task_finished";
    case TraceEventType::kTaskFailed:
      return "task_failed";
    case TraceEventType::kTaskRetried:
      return "task_retried";
    case TraceEventType::kReconstructionStarted:
      return "reconstruction_started";
    case TraceEventType::kObjectCreated:
      return "object_created";
    case TraceEventType::kObjectTransferred:
      return "object_transferred";
    case TraceEventType::kObjectEvicted:
      return "object_evicted";
    case TraceEventType::kObjectLost:
      return "object_lost";
    case TraceEventType::kObjectReconstructed:
      return "object_reconstructed";
    case TraceEventType::kFaultInjected:
      return "fault_injected";
    case TraceEventType::kNodeDied:
      return "node_died";
  }
  return "unknown";
}

void TraceRecorder::SetNodeName(NodeId node, std::string name) {
  nodes_[node] = std::move(name);
}

void TraceRecorder::Compact() {
  events_.clear();
  objects_.clear();
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    const bool ended = it->second.state == TaskState::kFinished ||
                       it->second.state == TaskState::kFailed;
    it = ended ? tasks_.erase(it) : std::next(it);
  }
}

std::string TraceRecorder::NodeName(NodeId node) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() ? it->second : absl::StrCat("node-", node);
}

void TraceRecorder::Record(TraceEvent event) {
  if (event.type == TraceEventType::kProgramStarted && !has_origin_) {
    has_origin_ = true;
    origin_ = event.time;
  }
  events_.push_back(std::move(event));
}

void TraceRecorder::FaultInjected(const std::string& node_name,
                                  std::string what, absl::Time now) {
  NodeId node = kNoNode;
  for (const auto& [id, name] : nodes_) {
    if (name == node_name) node = id;
  }
  Record({.time = now,
          .type = TraceEventType::kFaultInjected,
          .node = node,
          .detail = std::move(what)});
}

void TraceRecorder::TaskSubmitted(TaskTrace task, absl::Time now) {
  task.state = TaskState::kPending;
  task.submitted = now;
  const TaskId id = task.id;
  tasks_[id] = std::move(task);
  Record({.time = now,
          .type = TraceEventType::kTaskSubmitted,
          .task = id,
          .node = NodeOfWorker(id.worker)});
}

void TraceRecorder::TaskStarted(TaskId id, NodeId node, WorkerId worker,
                                absl::Time now) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;  // submitted before tracing began
  TaskTrace& task = it->second;
  task.state = TaskState::kRunning;
  task.started = now;
  task.node = node;
  task.worker = worker;
  ++task.attempts;
  Record({.time = now,
          .type = TraceEventType::kTaskStarted,
          .task = id,
          .node = node,
          .worker = worker,
          .attempt = task.attempts});
}

void TraceRecorder::TaskFinished(TaskId id, const rpc::ErrorInfo& error,
                                 absl::Time now) {
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;
  TaskTrace& task = it->second;
  task.finished = now;
  if (error.type() == rpc::ERROR_NONE) {
    task.state = TaskState::kFinished;
    task.error.clear();
  } else {
    task.state = TaskState::kFailed;
    task.error =
        absl::StrCat(rpc::ErrorType_Name(error.type()), ": ", error.message());
    if (task.attempts == 0) task.started = now;  // never ran
  }
  Record({.time = now,
          .type = task.state == TaskState::kFinished
                      ? TraceEventType::kTaskFinished
                      : TraceEventType::kTaskFailed,
          .task = id,
          .node = task.node,
          .worker = task.worker,
          .attempt = task.attempts,
          .detail = task.error});
}

void TraceRecorder::MarkReconstructed(TaskId id, absl::Time now) {
  auto it = tasks_.find(id);
  if (it != tasks_.end()) it->second.reconstructed = true;
  Record({.time = now,
          .type = TraceEventType::kReconstructionStarted,
          .task = id});
}

void TraceRecorder::ObjectCreated(ObjectTrace object) {
  const ObjectId id = object.id;
  auto [it, inserted] = objects_.try_emplace(id);
  Record({.time = object.created,
          .type = inserted ? TraceEventType::kObjectCreated
                           : TraceEventType::kObjectReconstructed,
          .task = object.creator ? object.creator : object.put_by,
          .object = id,
          .node = object.node,
          .bytes = object.size});
  it->second = std::move(object);
}

}  // namespace miniray
