// TraceRecorder: what happened to every task and object of a run, kept so
// that the run can be drawn afterwards (a task graph in Graphviz DOT, a
// timeline in Chrome's trace-event format; see dot_export.h and
// timeline_export.h), and the log of its events in the order they happened
// (see trace_event.h and event_export.h).
//
// Components that submit, run or store things report to the recorder they
// were given (a null recorder means tracing is off, which costs nothing):
//
//   recorder->TaskSubmitted({.id = task, .name = "fib", .parent = current,
//                            .args = {x}, .returns = {out}}, now);
//   recorder->TaskStarted(task, node, worker, now);
//   recorder->TaskFinished(task, rpc::ErrorInfo(), now);
//   recorder->Record({.time = now, .type = TraceEventType::kNodeDied,
//                     .node = node});
//
// The task and object calls add their own events to the log (submitted,
// started, finished or failed, created or reconstructed); Record adds the
// events only other components see.
//
// In the simulator one recorder serves the whole cluster. Records are kept
// in ordered maps so that exports are byte-identical for the same run.
// Not thread-safe.
#ifndef MINIRAY_TRACE_TRACE_RECORDER_H_
#define MINIRAY_TRACE_TRACE_RECORDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"
#include "src/trace/trace_event.h"

namespace miniray {

enum class TaskKind {
  kNormal,         // a remote function call
  kActorCreation,  // the constructor of an actor
  kActorMethod,    // a method call on an actor
};

enum class TaskState { kPending, kRunning, kFinished, kFailed };

// "task", "actor_creation", "actor_method".
const char* TaskKindName(TaskKind kind);
// "pending", "running", "finished", "failed".
const char* TaskStateName(TaskState state);

struct TaskTrace {
  TaskId id;
  std::string name;
  TaskKind kind = TaskKind::kNormal;
  // The task whose code submitted this one; empty when the driver did.
  std::optional<TaskId> parent;
  // Objects the task takes as arguments, and the objects it returns.
  std::vector<ObjectId> args;
  std::vector<ObjectId> returns;
  // For actor creations and methods: the actor (named by its creation task).
  std::optional<TaskId> actor;
  // The CPUs the task asked for.
  double cpus = 0;

  TaskState state = TaskState::kPending;
  absl::Time submitted;
  absl::Time started;   // meaningful once state != kPending
  absl::Time finished;  // meaningful once kFinished or kFailed
  NodeId node = kNoNode;
  WorkerId worker = 0;
  std::string error;  // when kFailed
  // Times the task started running: more than 1 when it was retried.
  int attempts = 0;
  // Set when the task ran again to rebuild a lost object.
  bool reconstructed = false;
};

struct ObjectTrace {
  ObjectId id;
  int64_t size = 0;
  // The node whose object store holds the primary copy, or kNoNode when the
  // object lives inline in its owner (small values, errors).
  NodeId node = kNoNode;
  // The task that returned it; empty for an object made by Put.
  std::optional<TaskId> creator;
  // For a Put: the task whose code put it, empty when the driver did.
  std::optional<TaskId> put_by;
  absl::Time created;
};

class TraceRecorder {
 public:
  void SetNodeName(NodeId node, std::string name);

  // `task.state`, times, node and worker are filled in by the recorder.
  void TaskSubmitted(TaskTrace task, absl::Time now);
  void TaskStarted(TaskId id, NodeId node, WorkerId worker, absl::Time now);
  // `error.type()` is ERROR_NONE when the task succeeded.
  void TaskFinished(TaskId id, const rpc::ErrorInfo& error, absl::Time now);
  // The task runs again to rebuild its lost returns.
  void MarkReconstructed(TaskId id, absl::Time now);
  // Logs kObjectCreated, or kObjectReconstructed when the object existed.
  void ObjectCreated(ObjectTrace object);
  // Appends `event` to the log. The first kProgramStarted sets origin().
  void Record(TraceEvent event);
  // A fault the scenario injected into the node named `node_name`.
  void FaultInjected(const std::string& node_name, std::string what,
                     absl::Time now);

  const std::map<TaskId, TaskTrace>& tasks() const { return tasks_; }
  const std::map<ObjectId, ObjectTrace>& objects() const { return objects_; }
  const std::map<NodeId, std::string>& node_names() const { return nodes_; }
  // Every event, in the order they happened (times never decrease).
  const std::vector<TraceEvent>& events() const { return events_; }
  // When the program started; absl::UnixEpoch() if it was never recorded.
  absl::Time origin() const { return origin_; }
  // The node's name, or "node-<id>".
  std::string NodeName(NodeId node) const;

  // Forgets the event log, the objects and the tasks that ended (finished
  // or failed), keeping the origin and the tasks still pending or running.
  // For a trace read only as it goes, whose memory must stay bounded (an
  // owner's, whose tasks are reported to the GCS: task_event_reporter.h).
  // A forgotten task's later events (a rerun) are then ignored.
  void Compact();

 private:
  std::map<TaskId, TaskTrace> tasks_;
  std::map<ObjectId, ObjectTrace> objects_;
  std::map<NodeId, std::string> nodes_;
  std::vector<TraceEvent> events_;
  absl::Time origin_ = absl::UnixEpoch();
  bool has_origin_ = false;
};

}  // namespace miniray

#endif  // MINIRAY_TRACE_TRACE_RECORDER_H_
