#include "src/core_worker/task_submitter.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/common/resources.h"
#include "src/rpc/convert.h"

namespace miniray {

TaskSubmitter::TaskSubmitter(Clock& clock, RpcEndpoint& endpoint,
                             Options options, OnTaskDone on_done,
                             OnTaskFailed on_failed)
    : clock_(clock),
      endpoint_(endpoint),
      options_(std::move(options)),
      on_done_(std::move(on_done)),
      on_failed_(std::move(on_failed)) {}

TaskSubmitter::~TaskSubmitter() {
  for (const auto& [retry, timer] : retry_timers_) clock_.Cancel(timer);
  // Kept idle workers go back now (best effort: the process may end first,
  // and then the raylet learns of it as of any owner's death).
  for (const auto& [key, state] : keys_) {
    for (const auto& [worker, timer] : state.idle) {
      clock_.Cancel(timer);
      ReturnLease(worker);
    }
  }
}

std::string TaskSubmitter::SchedulingKey(const rpc::TaskSpec& spec) {
  std::string key = ResourceSet::FromProto(spec.resources()).ToString();
  for (const rpc::ObjectRefProto& dep : spec.dependencies()) {
    absl::StrAppend(&key, " ", FromProto(dep.id()).ToString());
  }
  return key;
}

void TaskSubmitter::Submit(rpc::TaskSpec spec) {
  const std::string key = SchedulingKey(spec);
  KeyState& state = keys_[key];
  state.queue.push_back(std::move(spec));
  if (!state.idle.empty()) {
    const auto [worker, timer] = state.idle.back();
    state.idle.pop_back();
    clock_.Cancel(timer);
    OnWorkerIdle(key, worker);
    return;
  }
  RequestLeases(key);
}

size_t TaskSubmitter::num_queued() const {
  size_t n = 0;
  for (const auto& [key, state] : keys_) n += state.queue.size();
  return n;
}

void TaskSubmitter::RequestLeases(const std::string& key) {
  KeyState& state = keys_.at(key);
  // One request per queued task not yet covered, within the bound.
  while (state.pending_lease_requests < options_.max_pending_lease_requests &&
         state.pending_lease_requests < static_cast<int>(state.queue.size())) {
    ++state.pending_lease_requests;
    RequestLease(key, options_.local_raylet, options_.local_node,
                 /*grant_or_reject=*/false);
  }
}

void TaskSubmitter::RequestLease(const std::string& key, const Address& raylet,
                                 NodeId node, bool grant_or_reject) {
  const KeyState& state = keys_.at(key);
  rpc::LeaseRequest request;
  *request.mutable_spec() = state.queue.front();
  request.set_grant_or_reject(grant_or_reject);
  const uint64_t request_id = next_id_++;
  request.set_request_id(request_id);
  lease_requests_[request_id] = LeaseRequestState{key, node};
  endpoint_.Call<RequestWorkerLease>(
      raylet, request,
      [this, request_id, raylet](absl::StatusOr<rpc::LeaseReply> reply) {
        OnLeaseReply(request_id, raylet, std::move(reply));
      });
}

void TaskSubmitter::OnLeaseReply(uint64_t request_id, const Address& raylet,
                                 absl::StatusOr<rpc::LeaseReply> reply) {
  auto pending = lease_requests_.find(request_id);
  if (pending == lease_requests_.end()) return;  // given up: its node died
  const std::string key = pending->second.key;
  lease_requests_.erase(pending);
  KeyState& state = keys_.at(key);
  if (!reply.ok()) {
    OnLeaseFailed(key, raylet, reply.status());
    return;
  }
  if (raylet == options_.local_raylet) state.local_lease_failures = 0;
  switch (reply->kind_case()) {
    case rpc::LeaseReply::kGranted: {
      --state.pending_lease_requests;
      const rpc::LeaseGranted& granted = reply->granted();
      OnWorkerIdle(key, LeasedWorker{granted.lease_id(),
                                     granted.worker_address(), raylet,
                                     granted.node_id(), granted.worker_id()});
      // A request came back: the bound has room for another, if tasks wait.
      if (keys_.count(key) > 0) RequestLeases(key);
      return;
    }
    case rpc::LeaseReply::kSpillback:
      if (state.queue.empty()) {
        --state.pending_lease_requests;
        MaybeForget(key);
        return;
      }
      RequestLease(key, reply->spillback().raylet_address(),
                   reply->spillback().node_id(), /*grant_or_reject=*/true);
      return;
    case rpc::LeaseReply::kInfeasible:
      --state.pending_lease_requests;
      FailQueued(key, MakeError(rpc::TASK_UNSCHEDULABLE, reply->infeasible()));
      return;
    case rpc::LeaseReply::kDependencyFailed:
      --state.pending_lease_requests;
      FailQueued(key, reply->dependency_failed());
      return;
    default:
      --state.pending_lease_requests;
      FailQueued(key, MakeError(rpc::WORKER_DIED, "empty lease reply"));
      return;
  }
}

void TaskSubmitter::OnLeaseFailed(const std::string& key, const Address& raylet,
                                  const absl::Status& status) {
  KeyState& state = keys_.at(key);
  if (state.queue.empty()) {
    --state.pending_lease_requests;
    MaybeForget(key);
    return;
  }
  // Spilled to a raylet that did not answer: the local raylet decides again
  // (it will hear of that node's death, if that is what it was).
  if (raylet != options_.local_raylet) {
    RequestLease(key, options_.local_raylet, options_.local_node,
                 /*grant_or_reject=*/false);
    return;
  }
  const int failures = ++state.local_lease_failures;
  if (failures >= options_.lease_attempts_max) {
    --state.pending_lease_requests;
    state.local_lease_failures = 0;
    FailQueued(key, MakeError(rpc::WORKER_DIED,
                              absl::StrCat("cannot lease a worker from the "
                                           "local raylet ",
                                           raylet, " after ", failures,
                                           " attempts: ", status.message())));
    return;
  }
  // Still counted as pending while it waits, so RequestLeases adds none.
  absl::Duration backoff = options_.lease_retry_backoff;
  for (int i = 1; i < failures && backoff < options_.lease_retry_backoff_max;
       ++i) {
    backoff *= 2;
  }
  backoff = std::min(backoff, options_.lease_retry_backoff_max);
  const uint64_t retry = next_id_++;
  retry_timers_[retry] = clock_.RunAfter(backoff, [this, key, retry] {
    retry_timers_.erase(retry);
    RetryLocalLease(key);
  });
}

void TaskSubmitter::RetryLocalLease(const std::string& key) {
  KeyState& state = keys_.at(key);  // pending: not forgotten
  if (state.queue.empty()) {
    --state.pending_lease_requests;
    MaybeForget(key);
    return;
  }
  RequestLease(key, options_.local_raylet, options_.local_node,
               /*grant_or_reject=*/false);
}

void TaskSubmitter::FailQueued(const std::string& key,
                               const rpc::ErrorInfo& error) {
  std::deque<rpc::TaskSpec> failed = std::move(keys_.at(key).queue);
  keys_.at(key).queue.clear();
  for (const rpc::TaskSpec& spec : failed) on_failed_(spec, error);
  MaybeForget(key);
}

void TaskSubmitter::OnWorkerIdle(const std::string& key,
                                 const LeasedWorker& worker) {
  KeyState& state = keys_.at(key);
  if (state.queue.empty()) {
    if (options_.idle_worker_keep > absl::ZeroDuration()) {
      const TimerId timer = clock_.RunAfter(
          options_.idle_worker_keep, [this, key, lease_id = worker.lease_id] {
            ReturnIdle(key, lease_id);
          });
      state.idle.emplace_back(worker, timer);
      return;
    }
    ReturnLease(worker);
    MaybeForget(key);
    return;
  }
  rpc::PushTaskRequest request;
  *request.mutable_spec() = std::move(state.queue.front());
  state.queue.pop_front();
  request.set_lease_id(worker.lease_id);
  ++state.busy_workers;
  const uint64_t push_id = next_id_++;
  in_flight_[push_id] = InFlight{
      key, std::make_shared<rpc::TaskSpec>(request.spec()), worker};
  if (options_.on_pushed) {
    options_.on_pushed(request.spec(), worker.node, worker.worker_id);
  }
  endpoint_.Call<PushTask>(
      worker.address, request,
      [this, push_id](absl::StatusOr<rpc::PushTaskReply> reply) {
        OnPushReply(push_id, std::move(reply));
      });
}

void TaskSubmitter::ReturnLease(const LeasedWorker& worker) {
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(worker.lease_id);
  endpoint_.Call<ReturnWorker>(worker.raylet_address, request, nullptr);
}

void TaskSubmitter::ReturnIdle(const std::string& key, uint64_t lease_id) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  auto& idle = it->second.idle;
  auto worker = std::find_if(idle.begin(), idle.end(), [&](const auto& entry) {
    return entry.first.lease_id == lease_id;
  });
  if (worker == idle.end()) return;
  ReturnLease(worker->first);
  idle.erase(worker);
  MaybeForget(key);
}

void TaskSubmitter::OnPushReply(uint64_t push_id,
                                absl::StatusOr<rpc::PushTaskReply> reply) {
  auto it = in_flight_.find(push_id);
  if (it == in_flight_.end()) return;  // given up: its node died
  InFlight push = std::move(it->second);
  in_flight_.erase(it);
  --keys_.at(push.key).busy_workers;
  const bool worker_ok = reply.ok();
  on_done_(*push.spec, std::move(reply));
  if (worker_ok) {
    OnWorkerIdle(push.key, push.worker);
  } else {
    MaybeForget(push.key);
  }
}

void TaskSubmitter::OnNodeDied(NodeId node) {
  std::vector<uint64_t> requests, pushes;
  for (const auto& [id, request] : lease_requests_) {
    if (request.node == node) requests.push_back(id);
  }
  for (const auto& [id, push] : in_flight_) {
    if (push.worker.node == node) pushes.push_back(id);
  }
  for (uint64_t id : requests) {
    const std::string key = lease_requests_.at(id).key;
    lease_requests_.erase(id);
    --keys_.at(key).pending_lease_requests;
    if (keys_.at(key).queue.empty()) {
      MaybeForget(key);
    } else {
      RequestLeases(key);
    }
  }
  for (uint64_t id : pushes) {
    OnPushReply(id,
                absl::UnavailableError(absl::StrCat("node ", node, " died")));
  }
  // Idle workers of the dead node are forgotten (nothing to return them to).
  std::vector<std::string> emptied;
  for (auto& [key, state] : keys_) {
    auto dead = std::remove_if(state.idle.begin(), state.idle.end(),
                               [&](const auto& entry) {
                                 if (entry.first.node != node) return false;
                                 clock_.Cancel(entry.second);
                                 return true;
                               });
    if (dead == state.idle.end()) continue;
    state.idle.erase(dead, state.idle.end());
    emptied.push_back(key);
  }
  for (const std::string& key : emptied) MaybeForget(key);
}

void TaskSubmitter::MaybeForget(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  const KeyState& state = it->second;
  if (state.queue.empty() && state.pending_lease_requests == 0 &&
      state.busy_workers == 0 && state.idle.empty()) {
    keys_.erase(it);
  }
}

}  // namespace miniray
