#include "src/raylet/worker_pool.h"

#include <algorithm>

#include "glog/logging.h"

namespace miniray {

void WorkerPool::StartWorkers(int count) {
  for (int i = 0; i < count && started_ < options_.max_workers; ++i) {
    ++starting_;
    ++started_;
    const WorkerId id = MakeWorkerId(node_, next_local_id_++);
    starting_ids_.insert(id);
    waiting_.push_back(id);
  }
  LaunchWaiting();
}

void WorkerPool::LaunchWaiting() {
  while (!waiting_.empty() && (options_.max_concurrent_starts <= 0 ||
                               launching_ < options_.max_concurrent_starts)) {
    const WorkerId id = waiting_.front();
    waiting_.pop_front();
    ++launching_;
    launcher_(id);
  }
}

void WorkerPool::EnsureStarting(int wanted) {
  if (wanted > starting_) StartWorkers(wanted - starting_);
}

bool WorkerPool::OnWorkerReady(WorkerId id, const Address& address) {
  if (starting_ids_.erase(id) == 0) {
    LOG(INFO) << "worker " << id << " says it is ready, but it is not one "
                 << "this pool is starting; ignored";
    return false;
  }
  --starting_;
  --launching_;
  ready_[id] = address;
  idle_.push_back(WorkerHandle{id, address});
  LaunchWaiting();
  return true;
}

std::optional<Address> WorkerPool::Remove(WorkerId id) {
  idle_.erase(std::remove_if(idle_.begin(), idle_.end(),
                             [id](const WorkerHandle& w) { return w.id == id; }),
              idle_.end());
  --started_;
  auto it = ready_.find(id);
  if (it == ready_.end()) {
    if (starting_ids_.erase(id) > 0) {  // died before it registered
      --starting_;
      auto waiting = std::find(waiting_.begin(), waiting_.end(), id);
      if (waiting != waiting_.end()) {
        waiting_.erase(waiting);
      } else {
        --launching_;
      }
      LaunchWaiting();
    }
    return std::nullopt;
  }
  Address address = std::move(it->second);
  ready_.erase(it);
  return address;
}

std::optional<WorkerHandle> WorkerPool::PopIdle() {
  if (idle_.empty()) return std::nullopt;
  WorkerHandle worker = std::move(idle_.back());
  idle_.pop_back();
  return worker;
}

void WorkerPool::PushIdle(const WorkerHandle& worker) {
  idle_.push_back(worker);
}

}  // namespace miniray
