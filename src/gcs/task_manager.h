// GcsTaskManager: the GCS's bounded table of tasks, as their owners last
// reported them (Ray's GcsTaskManager). Real runtime only: in the simulator
// no owner reports, and the table stays empty. docs/observability.md.
//
//   GcsTaskManager tasks({.tasks_max = 10000});
//   tasks.AddEvents(request);                  // from an AddTaskEvents RPC
//   for (const rpc::TaskEventProto* task : tasks.Tasks()) ...
//
// A task's entry is replaced by each newer snapshot of it. Beyond
// `tasks_max` entries, the task first reported longest ago is dropped
// (evicted() counts them); owners count the snapshots they could not send
// (dropped_at_owners()). CountsExcept() adds up, by the owner's node, the
// tasks reported, ended, failed and retried, as the reports change them;
// tasks not ended are remembered for that beyond the table's bound (an
// ended task's final state sent again after its eviction counts twice).
//
// Single-threaded, on the GCS's loop.
#ifndef MINIRAY_GCS_TASK_MANAGER_H_
#define MINIRAY_GCS_TASK_MANAGER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

class GcsTaskManager {
 public:
  struct Options {
    size_t tasks_max = 10000;  // > 0
  };
  // As the summary's counters (src/common/metrics.h): `finished` counts
  // the tasks that ended, with a value or an error; `failed` those that
  // ended with an error; `retried` the attempts after the first.
  struct TaskCounts {
    int64_t submitted = 0;
    int64_t finished = 0;
    int64_t failed = 0;
    int64_t retried = 0;
  };

  explicit GcsTaskManager(Options options);

  void AddEvents(const rpc::AddTaskEventsRequest& request);
  // The node died, and the owners there with it: their tasks not yet ended
  // will never be reported again, so they are marked failed (as Ray marks
  // the tasks of a dead worker).
  void OnNodeDied(NodeId node);

  // Every task kept, in the order they were first reported.
  std::vector<const rpc::TaskEventProto*> Tasks() const;
  size_t size() const { return tasks_.size(); }
  int64_t evicted() const { return evicted_; }
  int64_t dropped_at_owners() const { return dropped_at_owners_; }
  // The counts of the tasks whose owners are not on `node` (kNoNode: all).
  TaskCounts CountsExcept(NodeId node) const;

 private:
  // Counts what `event` changes of `previous` (null: a new task).
  void Count(const rpc::TaskEventProto* previous,
             const rpc::TaskEventProto& event);

  const Options options_;
  // Invariant: order_ holds each key of tasks_ once, oldest first.
  std::map<TaskId, rpc::TaskEventProto> tasks_;
  std::deque<TaskId> order_;
  int64_t evicted_ = 0;
  int64_t dropped_at_owners_ = 0;
  std::map<NodeId, TaskCounts> counts_;  // by the owner's node
  // The attempts of each task reported and not ended, evicted or not.
  std::map<TaskId, int32_t> live_attempts_;
};

}  // namespace miniray

#endif  // MINIRAY_GCS_TASK_MANAGER_H_
