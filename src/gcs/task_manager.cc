#include "src/gcs/task_manager.h"

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
