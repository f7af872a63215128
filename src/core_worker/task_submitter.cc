#include "src/core_worker/task_submitter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/common/resources.h"
#include "src/rpc/convert.h"

namespace miniray {

TaskSubmitter::TaskSubmitter(RpcEndpoint& endpoint, Options options,
                             OnTaskDone on_done, OnTaskFailed on_failed)
    : endpoint_(endpoint),
      options_(std::move(options)),
      on_done_(std::move(on_done)),
      on_failed_(std::move(on_failed)) {}

std::string TaskSubmitter::SchedulingKey(const rpc::TaskSpec& spec) {
  std::string key = ResourceSet::FromProto(spec.resources()).ToString();
  for (const rpc::ObjectRefProto& dep : spec.dependencies()) {
    absl::StrAppend(&key, " ", FromProto(dep.id()).ToString());
  }
  return key;
}

void TaskSubmitter::Submit(rpc::TaskSpec spec) {
  const std::string key = SchedulingKey(spec);
  keys_[key].queue.push_back(std::move(spec));
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
    RequestLease(key, options_.local_raylet, /*grant_or_reject=*/false);
  }
}

void TaskSubmitter::RequestLease(const std::string& key, const Address& raylet,
                                 bool grant_or_reject) {
  const KeyState& state = keys_.at(key);
  rpc::LeaseRequest request;
  *request.mutable_spec() = state.queue.front();
  request.set_grant_or_reject(grant_or_reject);
  endpoint_.Call<RequestWorkerLease>(
      raylet, request,
      [this, key, raylet](absl::StatusOr<rpc::LeaseReply> reply) {
        OnLeaseReply(key, raylet, std::move(reply));
      });
}

void TaskSubmitter::OnLeaseReply(const std::string& key, const Address& raylet,
                                 absl::StatusOr<rpc::LeaseReply> reply) {
  KeyState& state = keys_.at(key);
  if (!reply.ok()) {
    --state.pending_lease_requests;
    FailQueued(key, MakeError(rpc::WORKER_DIED,
                              absl::StrCat("cannot lease a worker from ",
                                           raylet, ": ",
                                           reply.status().message())));
    return;
  }
  switch (reply->kind_case()) {
    case rpc::LeaseReply::kGranted: {
      --state.pending_lease_requests;
      const rpc::LeaseGranted& granted = reply->granted();
      OnWorkerIdle(key, LeasedWorker{granted.lease_id(),
                                     granted.worker_address(), raylet});
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
                   /*grant_or_reject=*/true);
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
    rpc::ReturnWorkerRequest request;
    request.set_lease_id(worker.lease_id);
    endpoint_.Call<ReturnWorker>(worker.raylet_address, request, nullptr);
    MaybeForget(key);
    return;
  }
  rpc::PushTaskRequest request;
  *request.mutable_spec() = std::move(state.queue.front());
  state.queue.pop_front();
  request.set_lease_id(worker.lease_id);
  ++state.busy_workers;
  auto spec = std::make_shared<rpc::TaskSpec>(request.spec());
  endpoint_.Call<PushTask>(
      worker.address, request,
      [this, key, worker, spec](absl::StatusOr<rpc::PushTaskReply> reply) {
        --keys_.at(key).busy_workers;
        const bool worker_ok = reply.ok();
        on_done_(*spec, std::move(reply));
        if (worker_ok) {
          OnWorkerIdle(key, worker);
        } else {
          MaybeForget(key);
        }
      });
}

void TaskSubmitter::MaybeForget(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  const KeyState& state = it->second;
  if (state.queue.empty() && state.pending_lease_requests == 0 &&
      state.busy_workers == 0) {
    keys_.erase(it);
  }
}

}  // namespace miniray
