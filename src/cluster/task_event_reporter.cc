#include "src/cluster/task_event_reporter.h"

#include <memory>
#include <utility>

#include "glog/logging.h"
#include "src/rpc/convert.h"

namespace miniray {
namespace {

bool IsTaskEvent(TraceEventType type) {
  switch (type) {
    case TraceEventType::kTaskSubmitted:
    case TraceEventType::kTaskStarted:
    case TraceEventType::kTaskFinished:
    case TraceEventType::kTaskFailed:
    case TraceEventType::kTaskRetried:
    case TraceEventType::kReconstructionStarted:
      return true;
    default:
      return false;
  }
}

}  // namespace

rpc::TaskEventProto TaskEventFromTrace(const TaskTrace& task) {
  rpc::TaskEventProto event;
  *event.mutable_task_id() = ToProto(task.id);
  event.set_name(task.name);
  event.set_kind(TaskKindName(task.kind));
  event.set_state(TaskStateName(task.state));
  if (task.node != kNoNode) {
    event.set_node_id(task.node);
    event.set_has_node(true);
  }
  event.set_attempts(task.attempts);
  event.set_error(task.error);
  if (task.parent) *event.mutable_parent() = ToProto(*task.parent);
  event.set_submitted_unix_us(absl::ToUnixMicros(task.submitted));
  if (task.attempts > 0 || task.state == TaskState::kFailed) {
    event.set_started_unix_us(absl::ToUnixMicros(task.started));
  }
  if (task.state == TaskState::kFinished || task.state == TaskState::kFailed) {
    event.set_finished_unix_us(absl::ToUnixMicros(task.finished));
  }
  return event;
}

TaskEventReporter::TaskEventReporter(Clock& clock, Transport& transport,
                                     Options options)
    : clock_(clock),
      endpoint_(transport, options.from_address),
      options_(std::move(options)) {}

TaskEventReporter::~TaskEventReporter() { clock_.Cancel(timer_); }

TraceRecorder* TaskEventReporter::NewOwnerTrace() {
  TraceRecorder* trace = &owned_.emplace_back();
  watched_.push_back({trace, /*compact=*/true, 0});
  return trace;
}

void TaskEventReporter::Watch(const TraceRecorder* trace) {
  // Never written through: a watched trace is not compacted.
  watched_.push_back({const_cast<TraceRecorder*>(trace), false, 0});
}

void TaskEventReporter::Start() {
  if (started_) return;
  started_ = true;
  timer_ = clock_.RunAfter(options_.period, [this] { Tick(); });
}

void TaskEventReporter::Tick() {
  Collect();
  if (!in_flight_ && (!pending_.empty() || dropped_unreported_ > 0)) {
    in_flight_ = true;
    SendBatch([this] { in_flight_ = false; });
  }
  timer_ = clock_.RunAfter(options_.period, [this] { Tick(); });
}

void TaskEventReporter::Collect() {
  for (Watched& watched : watched_) {
    const std::vector<TraceEvent>& events = watched.trace->events();
    std::set<TaskId> touched;
    for (size_t i = watched.next_event; i < events.size(); ++i) {
      if (events[i].task && IsTaskEvent(events[i].type)) {
        touched.insert(*events[i].task);
      }
    }
    watched.next_event = events.size();
    for (const TaskId& id : touched) {
      auto it = watched.trace->tasks().find(id);
      if (it != watched.trace->tasks().end()) Enqueue(it->second);
    }
    if (watched.compact) {
      watched.trace->Compact();
      watched.next_event = 0;
    }
  }
}

void TaskEventReporter::Enqueue(const TaskTrace& task) {
  auto [it, inserted] =
      pending_.insert_or_assign(task.id, TaskEventFromTrace(task));
  if (!inserted) return;  // the newer snapshot keeps the older's place
  order_.push_back(task.id);
  if (pending_.size() > options_.pending_max) {
    pending_.erase(order_.front());
    order_.pop_front();
    ++dropped_unreported_;
    ++dropped_total_;
  }
}

void TaskEventReporter::SendBatch(std::function<void()> done) {
  rpc::AddTaskEventsRequest request;
  while (!order_.empty() &&
         static_cast<size_t>(request.events_size()) < options_.batch_max) {
    auto it = pending_.find(order_.front());
    *request.add_events() = std::move(it->second);
    pending_.erase(it);
    order_.pop_front();
  }
  request.set_dropped(dropped_unreported_);
  dropped_unreported_ = 0;
  const int64_t sent = request.events_size();
  endpoint_.Call<AddTaskEvents>(
      options_.gcs_address, request,
      [this, sent,
       done = std::move(done)](absl::StatusOr<rpc::AddTaskEventsReply> reply) {
        if (!reply.ok()) {
          VLOG(1) << "task events: " << sent << " dropped: " << reply.status();
          dropped_unreported_ += sent;
          dropped_total_ += sent;
        }
        done();
      },
      CallOptions{.timeout = absl::Seconds(10)});
}

void TaskEventReporter::Flush(std::function<void()> done) {
  Collect();
  auto remaining = std::make_shared<int>(0);
  auto shared_done = std::make_shared<std::function<void()>>(std::move(done));
  do {
    ++*remaining;
    SendBatch([remaining, shared_done] {
      if (--*remaining == 0) (*shared_done)();
    });
  } while (!order_.empty());
}

}  // namespace miniray
