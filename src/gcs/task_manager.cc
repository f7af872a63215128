#include "src/gcs/task_manager.h"

#include <algorithm>

#include "glog/logging.h"
#include "src/rpc/convert.h"

namespace miniray {

GcsTaskManager::GcsTaskManager(Options options) : options_(options) {
  CHECK_GT(options_.tasks_max, 0u);
}

void GcsTaskManager::AddEvents(const rpc::AddTaskEventsRequest& request) {
  dropped_at_owners_ += request.dropped();
  for (const rpc::TaskEventProto& event : request.events()) {
    const TaskId id = FromProto(event.task_id());
    auto known = tasks_.find(id);
    Count(known == tasks_.end() ? nullptr : &known->second, event);
    auto [it, inserted] = tasks_.insert_or_assign(id, event);
    if (!inserted) continue;
    order_.push_back(id);
    if (tasks_.size() > options_.tasks_max) {
      tasks_.erase(order_.front());
      order_.pop_front();
      ++evicted_;
    }
  }
  DCHECK_EQ(order_.size(), tasks_.size());
}

namespace {

bool Ended(const rpc::TaskEventProto& task) {
  return task.state() == "finished" || task.state() == "failed";
}

}  // namespace

void GcsTaskManager::Count(const rpc::TaskEventProto* previous,
                           const rpc::TaskEventProto& event) {
  const TaskId id = FromProto(event.task_id());
  TaskCounts& counts = counts_[NodeOfWorker(id.worker)];
  // A task not ended is remembered here even once the table evicted it.
  auto live = live_attempts_.find(id);
  const bool known = previous != nullptr || live != live_attempts_.end();
  if (!known) ++counts.submitted;
  if (Ended(event) && (previous == nullptr || !Ended(*previous))) {
    ++counts.finished;
    if (event.state() == "failed") ++counts.failed;
  }
  int32_t attempts_before = 1;
  if (previous != nullptr) {
    attempts_before = std::max(1, previous->attempts());
  } else if (live != live_attempts_.end()) {
    attempts_before = live->second;
  }
  counts.retried += std::max(0, event.attempts() - attempts_before);
  if (Ended(event)) {
    if (live != live_attempts_.end()) live_attempts_.erase(live);
  } else {
    live_attempts_[id] = std::max(attempts_before, event.attempts());
  }
}

GcsTaskManager::TaskCounts GcsTaskManager::CountsExcept(NodeId node) const {
  TaskCounts total;
  for (const auto& [owner_node, counts] : counts_) {
    if (owner_node == node) continue;
    total.submitted += counts.submitted;
    total.finished += counts.finished;
    total.failed += counts.failed;
    total.retried += counts.retried;
  }
  return total;
}

void GcsTaskManager::OnNodeDied(NodeId node) {
  for (auto& [id, task] : tasks_) {
    if (NodeOfWorker(id.worker) != node || task.state() == "finished" ||
        task.state() == "failed") {
      continue;
    }
    task.set_state("failed");
    task.set_error("OWNER_DIED: its owner's node died");
  }
}

std::vector<const rpc::TaskEventProto*> GcsTaskManager::Tasks() const {
  std::vector<const rpc::TaskEventProto*> out;
  out.reserve(order_.size());
  for (const TaskId& id : order_) out.push_back(&tasks_.at(id));
  return out;
}

}  // namespace miniray
