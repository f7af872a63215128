#include "src/raylet/worker_pool.h"

#include <algorithm>

#include "glog/logging.h"

namespace miniray {

void WorkerPool::StartWorkers(int count) {
  for (int i = 0; i < count && started_ < options_.max_workers; ++i) {
    ++starting_;
    ++started_;
    launcher_(MakeWorkerId(node_, next_local_id_++));
  }
}

void WorkerPool::EnsureStarting(int wanted) {
  if (wanted > starting_) StartWorkers(wanted - starting_);
}

void WorkerPool::OnWorkerReady(WorkerId id, const Address& address) {
  CHECK_GT(starting_, 0) << "worker " << id << " ready but none was starting";
  --starting_;
  ready_[id] = address;
  idle_.push_back(WorkerHandle{id, address});
}

std::optional<Address> WorkerPool::Remove(WorkerId id) {
  idle_.erase(std::remove_if(idle_.begin(), idle_.end(),
                             [id](const WorkerHandle& w) { return w.id == id; }),
              idle_.end());
  --started_;
  auto it = ready_.find(id);
  if (it == ready_.end()) {
    --starting_;  // died before it registered
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
