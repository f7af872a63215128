#include "src/trace/trace_recorder.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace miniray {

void TraceRecorder::SetNodeName(NodeId node, std::string name) {
  nodes_[node] = std::move(name);
}

std::string TraceRecorder::NodeName(NodeId node) const {
  auto it = nodes_.find(node);
  return it != nodes_.end() ? it->second : absl::StrCat("node-", node);
}

void TraceRecorder::TaskSubmitted(TaskTrace task, absl::Time now) {
  task.state = TaskState::kPending;
  task.submitted = now;
  const TaskId id = task.id;
  tasks_[id] = std::move(task);
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
    task.error = absl::StrCat(rpc::ErrorType_Name(error.type()), ": ",
                              error.message());
    if (task.attempts == 0) task.started = now;  // never ran
  }
}

void TraceRecorder::MarkReconstructed(TaskId id) {
  auto it = tasks_.find(id);
  if (it != tasks_.end()) it->second.reconstructed = true;
}

void TraceRecorder::ObjectCreated(ObjectTrace object) {
  const ObjectId id = object.id;
  objects_[id] = std::move(object);
}

}  // namespace miniray
