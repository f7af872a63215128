// TaskEventReporter: sends what the owners in this process know of their
// tasks to the GCS, in batches, once a period, as Ray's core workers send
// task events to its GcsTaskManager (see src/gcs/task_manager.h). The head's
// dashboard lists tasks from there, nested ones (submitted by tasks)
// included. Real runtime only: the simulator creates none, so its messages
// stay as they were. docs/observability.md.
//
//   TaskEventReporter events(clock, transport,
//                            {.gcs_address = gcs, .from_address = raylet});
//   worker_options.trace_as_owner = true;
//   runtime.trace = events.NewOwnerTrace();   // one per worker
//   events.Watch(&driver_trace);              // a trace kept by the caller
//   events.Start();
//
// Each period it reads the events the traces logged since the last period,
// takes a snapshot of each task they touched (TaskEventFromTrace; a newer
// one replaces an unsent older one), and sends the snapshots. At
// most one request is in flight; tasks waiting to be sent are bounded by
// Options::pending_max (the oldest are dropped beyond it, and counted in
// the next request's `dropped`, as are the tasks of a request that failed).
// Traces made by NewOwnerTrace are compacted after each read (events and
// ended tasks forgotten), so a long-lived worker's trace stays small.
//
// Single-threaded, on the loop of `clock` and `transport`.
#ifndef MINIRAY_CLUSTER_TASK_EVENT_REPORTER_H_
#define MINIRAY_CLUSTER_TASK_EVENT_REPORTER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <vector>

#include "src/proto/miniray.pb.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

// A task as its owner's trace has it now, for the GCS.
rpc::TaskEventProto TaskEventFromTrace(const TaskTrace& task);

class TaskEventReporter {
 public:
  struct Options {
    Address gcs_address;
    // An address this process listens on (the raylet's): the requests are
    // sent from it (Transport::Call's contract).
    Address from_address;
    absl::Duration period = absl::Seconds(1);  // Ray's default
    size_t batch_max = 1000;                   // tasks per request
    size_t pending_max = 10000;                // tasks waiting to be sent
  };

  TaskEventReporter(Clock& clock, Transport& transport, Options options);
  ~TaskEventReporter();
  TaskEventReporter(const TaskEventReporter&) = delete;
  TaskEventReporter& operator=(const TaskEventReporter&) = delete;

  // A new trace for one owner, kept (and compacted) by this reporter.
  TraceRecorder* NewOwnerTrace();
  // Reports the tasks of `trace` too; it stays the caller's (it must
  // outlive this reporter) and is never compacted.
  void Watch(const TraceRecorder* trace);
  // Reports every period from now on.
  void Start();
  // Reads the traces now and sends every pending task (in batches, even
  // with a request in flight); `done` runs once all replies came.
  void Flush(std::function<void()> done);

  // Tasks dropped so far (buffer full or request failed).
  int64_t dropped() const { return dropped_total_; }

 private:
  struct Watched {
    TraceRecorder* trace = nullptr;
    bool compact = false;
    size_t next_event = 0;
  };
  void Tick();
  // Takes snapshots of the tasks the traces touched since the last read.
  void Collect();
  void Enqueue(const TaskTrace& task);
  // Sends up to batch_max pending tasks; `done` runs with the reply.
  void SendBatch(std::function<void()> done);

  Clock& clock_;
  RpcEndpoint endpoint_;
  const Options options_;
  std::deque<TraceRecorder> owned_;  // a deque: pointers stay valid
  std::vector<Watched> watched_;
  // Snapshots to send; order_ holds each key of pending_ once, oldest first.
  std::map<TaskId, rpc::TaskEventProto> pending_;
  std::deque<TaskId> order_;
  bool in_flight_ = false;
  int64_t dropped_unreported_ = 0;
  int64_t dropped_total_ = 0;
  TimerId timer_ = 0;
  bool started_ = false;
};

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_TASK_EVENT_REPORTER_H_
