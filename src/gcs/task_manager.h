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
// (dropped_at_owners()).
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

 private:
  const Options options_;
  // Invariant: order_ holds each key of tasks_ once, oldest first.
  std::map<TaskId, rpc::TaskEventProto> tasks_;
  std::deque<TaskId> order_;
  int64_t evicted_ = 0;
  int64_t dropped_at_owners_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_GCS_TASK_MANAGER_H_
