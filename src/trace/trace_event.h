// TraceEvent: one thing that happened in a run, at one (virtual) time.
//
// The TraceRecorder keeps a log of these in the order they happened, next to
// its per-task and per-object records. Components report the events only
// they can see (a raylet grants a lease, an object manager finishes a
// transfer); the recorder adds the task and object events itself:
//
//   recorder->Record({.time = clock.Now(),
//                     .type = TraceEventType::kLeaseGranted,
//                     .task = task, .node = node_id, .worker = worker});
//
// ExportEvents (event_export.h) writes the log as JSON lines or CSV;
// docs/observability.md describes every event and field.
#ifndef MINIRAY_TRACE_TRACE_EVENT_H_
#define MINIRAY_TRACE_TRACE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "src/common/ids.h"

namespace miniray {

enum class TraceEventType {
  kProgramStarted,         // the driver began running the program
  kProgramFinished,        // ... and returned (or failed)
  kTaskSubmitted,          // task, node (of the submitter)
  kLeaseGranted,           // name, node, worker: a worker leased to run
                           // tasks of that function (one at a time)
  kSpillback,              // name, node -> to_node: a lease request sent on
                           // to a node with more room
  kTaskStarted,            // task, node, worker, attempt
  kTaskFinished,           // task, node, worker, attempt
  kTaskFailed,             // task, node, attempt, detail (the error)
  kTaskRetried,            // task, attempt (the next one), detail (why)
  kReconstructionStarted,  // task: run again to rebuild its lost returns
  kObjectCreated,          // object, task, node (kNoNode: inline), bytes
  kObjectTransferred,      // object, node (from) -> to_node, bytes
  kObjectEvicted,          // object, node
  kObjectLost,             // object, node: its last copy died with the node
  kObjectReconstructed,    // object, task, node, bytes: made again
  kFaultInjected,          // node, detail (what the scenario did to it)
  kNodeDied,               // node: the GCS declared it dead
};

// The event's name in exports: "task_submitted", "object_lost", ...
const char* TraceEventName(TraceEventType type);

struct TraceEvent {
  absl::Time time;
  TraceEventType type = TraceEventType::kTaskSubmitted;
  std::optional<TaskId> task;
  // The function's name, when there is no task (a lease is for a kind of
  // task, not one task); otherwise the export takes it from the task.
  std::string name;
  std::optional<ObjectId> object;
  NodeId node = kNoNode;
  NodeId to_node = kNoNode;
  WorkerId worker = 0;  // 0: none
  int64_t bytes = -1;   // negative: not applicable
  int attempt = 0;      // from 1; 0: not applicable
  std::string detail;
};

}  // namespace miniray

#endif  // MINIRAY_TRACE_TRACE_EVENT_H_
