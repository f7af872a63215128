#include "src/gcs/actor_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/rpc/convert.h"

namespace miniray {

GcsActorManager::GcsActorManager(Clock& clock, RpcEndpoint& endpoint)
    : clock_(clock), endpoint_(endpoint) {

  endpoint_.Handle<CreateActor>([this](auto request, auto respond) {
    HandleCreateActor(std::move(request), std::move(respond));
  });
  endpoint_.Handle<GetActorInfo>([this](auto request, auto respond) {
    HandleGetActorInfo(std::move(request), std::move(respond));
  });
}

std::vector<rpc::ActorInfo> GcsActorManager::actors() const {
  std::vector<rpc::ActorInfo> out;
  for (const auto& [id, actor] : actors_) out.push_back(actor.info);
  return out;
}

void GcsActorManager::OnNodeDied(uint32_t node) {
  dead_nodes_.push_back(node);
  std::vector<TaskId> orphaned, lost, waiting;
  for (const auto& [id, actor] : actors_) {
    if (actor.info.state() == rpc::ACTOR_DEAD) continue;
    if (NodeOfWorker(actor.spec.owner_worker()) == node) {
      orphaned.push_back(id);
    } else if (!actor.info.address().empty() && actor.info.node_id() == node) {
      lost.push_back(id);
    } else if (actor.info.address().empty() && actor.lease_node == node) {
      waiting.push_back(id);
    }
  }
  for (TaskId id : waiting) {
    RetryLease(id,
               absl::StrCat("node ", node, " died while asked for a lease"));
  }
  for (TaskId id : orphaned) {
    Settle(id, rpc::ACTOR_DEAD,
           MakeError(rpc::ACTOR_DIED,
                     absl::StrCat("actor ", id.ToString(),
                                  " died with its owner, whose node ", node,
                                  " died (fate sharing)")));
  }
  for (TaskId id : lost) {
    OnWorkerLost(id, absl::StrCat("its node ", node, " died"));
  }
}

void GcsActorManager::OnWorkerFailure(
    const rpc::ReportWorkerFailureRequest& failure) {
  std::vector<TaskId> orphaned, lost;
  for (const auto& [id, actor] : actors_) {
    if (actor.info.state() == rpc::ACTOR_DEAD) continue;
    if (actor.spec.owner_worker() == failure.worker_id()) {
      orphaned.push_back(id);
    } else if (actor.info.address() == failure.worker_address()) {
      lost.push_back(id);
    }
  }
  for (TaskId id : orphaned) {
    Settle(id, rpc::ACTOR_DEAD,
           MakeError(rpc::ACTOR_DIED,
                     absl::StrCat("actor ", id.ToString(),
                                  " died with its owner, worker ",
                                  failure.worker_address(), " (fate sharing)")));
  }
  for (TaskId id : lost) {
    OnWorkerLost(id, absl::StrCat("its worker ", failure.worker_address(),
                                  " on node ", failure.node_id(), " died"));
  }
}

void GcsActorManager::OnWorkerLost(TaskId id, const std::string& why) {
  Actor& actor = actors_.at(id);
  const int max_restarts = actor.spec.max_restarts();
  const uint32_t used = actor.info.num_restarts();
  if (max_restarts >= 0 && used >= static_cast<uint32_t>(max_restarts)) {
    Settle(id, rpc::ACTOR_DEAD,
           MakeError(rpc::ACTOR_DIED,
                     absl::StrCat("actor ", actor.spec.function(), " (",
                                  id.ToString(), ") died: ", why, "; ",
                                  max_restarts == 0
                                      ? "it may not restart (max_restarts 0)"
                                      : absl::StrCat("it was restarted ", used,
                                                     " times, its max_restarts"))));
    return;
  }
  LOG(INFO) << "restarting actor " << id.ToString() << ": " << why;
  ++restarts_;
  actor.info.set_num_restarts(used + 1);
  actor.info.set_state(rpc::ACTOR_RESTARTING);
  actor.info.clear_address();
  actor.lease_attempts = 0;
  RequestLease(id, actor.owner_raylet, /*grant_or_reject=*/false);
}

void GcsActorManager::HandleCreateActor(rpc::CreateActorRequest request,
                                        Respond<CreateActor> respond) {
  const TaskId id = FromProto(request.spec().actor_id());
  const std::string& name = request.spec().actor_name();
  Actor& actor = actors_[id];
  actor.spec = request.spec();
  *actor.info.mutable_actor_id() = ToProto(id);
  actor.info.set_name(name);
  actor.info.set_class_name(request.spec().function());
  actor.info.set_max_task_retries(request.spec().max_task_retries());
  actor.owner_raylet = request.raylet_address();
  actor.creators.push_back(std::move(respond));
  if (!name.empty()) {
    auto [it, inserted] = names_.emplace(name, id);
    if (!inserted && it->second != id) {
      actor.info.set_name("");
      Settle(id, rpc::ACTOR_DEAD,
             MakeError(rpc::ACTOR_DIED,
                       absl::StrCat("an actor named \"", name,
                                    "\" exists already")));
      return;
    }
  }
  RequestLease(id, request.raylet_address(), /*grant_or_reject=*/false);
}

void GcsActorManager::RequestLease(TaskId id, const Address& raylet,
                                   bool grant_or_reject, uint32_t node) {
  Actor& actor = actors_.at(id);
  rpc::LeaseRequest request;
  *request.mutable_spec() = actor.spec;
  request.set_grant_or_reject(grant_or_reject);
  request.set_request_id(next_lease_request_++);
  actor.lease_request = request.request_id();
  actor.lease_node = node;
  ++actor.lease_attempts;
  endpoint_.Call<RequestWorkerLease>(
      raylet, request,
      [this, id,
       sent = request.request_id()](absl::StatusOr<rpc::LeaseReply> reply) {
        // A reply to an earlier request (for an earlier incarnation, held by
        // a partition, or to a node since declared dead) is stale.
        const Actor& actor = actors_.at(id);
        if (actor.info.state() == rpc::ACTOR_DEAD ||
            actor.lease_request != sent) {
          return;
        }
        OnLease(id, std::move(reply));
      });
}

void GcsActorManager::RetryLease(TaskId id, const std::string& why) {
  Actor& actor = actors_.at(id);
  if (actor.lease_attempts >= kLeaseAttemptsMax) {
    Settle(id, rpc::ACTOR_DEAD,
           MakeError(rpc::ACTOR_DIED,
                     absl::StrCat("cannot lease a worker for actor ",
                                  actor.spec.function(), ": ", why)));
    return;
  }
  actor.lease_request = 0;  // a late reply to the request is stale
  actor.lease_node = kNoNode;
  const uint32_t incarnation = actor.info.num_restarts();
  clock_.RunAfter(kLeaseRetryDelay, [this, id, incarnation] {
    const Actor& actor = actors_.at(id);
    if (actor.info.state() == rpc::ACTOR_DEAD ||
        actor.info.num_restarts() != incarnation || actor.lease_request != 0) {
      return;
    }
    RequestLease(id, actor.owner_raylet, /*grant_or_reject=*/false);
  });
}

void GcsActorManager::OnLease(TaskId id,
                              absl::StatusOr<rpc::LeaseReply> reply) {
  const std::string& name = actors_.at(id).spec.function();
  if (!reply.ok()) {
    Settle(id, rpc::ACTOR_DEAD,
           MakeError(rpc::ACTOR_DIED,
                     absl::StrCat("cannot lease a worker for actor ", name,
                                  ": ", reply.status().message())));
    return;
  }
  switch (reply->kind_case()) {
    case rpc::LeaseReply::kGranted:
      PushCreation(id, reply->granted());
      return;
    case rpc::LeaseReply::kSpillback: {
      const uint32_t node = reply->spillback().node_id();
      if (std::find(dead_nodes_.begin(), dead_nodes_.end(), node) !=
          dead_nodes_.end()) {
        RetryLease(
            id, absl::StrCat("spilled back to node ", node, ", which is dead"));
        return;
      }
      RequestLease(id, reply->spillback().raylet_address(),
                   /*grant_or_reject=*/true, node);
      return;
    }
    case rpc::LeaseReply::kInfeasible:
      Settle(id, rpc::ACTOR_DEAD,
             MakeError(rpc::ACTOR_DIED,
                       absl::StrCat("actor ", name, " cannot be placed: ",
                                    reply->infeasible())));
      return;
    case rpc::LeaseReply::kDependencyFailed:
      Settle(id, rpc::ACTOR_DEAD, reply->dependency_failed());
      return;
    default:
      Settle(id, rpc::ACTOR_DEAD,
             MakeError(rpc::ACTOR_DIED, "empty lease reply"));
  }
}

void GcsActorManager::PushCreation(TaskId id, const rpc::LeaseGranted& granted) {
  Actor& actor = actors_.at(id);
  actor.info.set_address(granted.worker_address());
  actor.info.set_node_id(granted.node_id());
  actor.info.set_worker_id(granted.worker_id());
  rpc::PushTaskRequest request;
  *request.mutable_spec() = actor.spec;
  request.set_lease_id(granted.lease_id());
  const uint32_t incarnation = actor.info.num_restarts();
  endpoint_.Call<PushTask>(
      granted.worker_address(), request,
      [this, id, incarnation](absl::StatusOr<rpc::PushTaskReply> reply) {
        const rpc::ActorInfo& info = actors_.at(id).info;
        if (info.state() == rpc::ACTOR_DEAD ||
            info.num_restarts() != incarnation) {
          return;  // stale: the actor moved on
        }
        if (!reply.ok()) {
          OnWorkerLost(id, absl::StrCat("its worker failed while it was being "
                                        "created: ",
                                        reply.status().message()));
          return;
        }
        for (const rpc::ReturnObject& ret : reply->returns()) {
          if (ret.has_value() &&
              ret.value().error().type() != rpc::ERROR_NONE) {
            Settle(id, rpc::ACTOR_DEAD, ret.value().error());
            return;
          }
        }
        Settle(id, rpc::ACTOR_ALIVE, rpc::ErrorInfo());
      });
}

void GcsActorManager::Settle(TaskId id, rpc::ActorState state,
                             const rpc::ErrorInfo& death) {
  Actor& actor = actors_.at(id);
  actor.info.set_state(state);
  if (state == rpc::ACTOR_DEAD) {
    *actor.info.mutable_death() = death;
    actor.info.clear_address();
    auto name = names_.find(actor.info.name());
    if (name != names_.end() && name->second == id) names_.erase(name);
  }
  for (auto& respond : actor.creators) {
    rpc::CreateActorReply reply;
    *reply.mutable_actor() = actor.info;
    respond(std::move(reply));
  }
  actor.creators.clear();
  AnswerWaiters(id, /*all=*/state == rpc::ACTOR_DEAD);
}

void GcsActorManager::AnswerWaiters(TaskId id, bool all) {
  Actor& actor = actors_.at(id);
  std::vector<uint64_t> ready;
  for (const auto& [key, waiter] : actor.waiters) {
    const bool alive_enough =
        actor.info.state() == rpc::ACTOR_ALIVE &&
        actor.info.num_restarts() >= waiter.min_num_restarts;
    if (all || alive_enough) ready.push_back(key);
  }
  for (uint64_t key : ready) AnswerWaiter(id, key);
}

void GcsActorManager::AnswerWaiter(TaskId id, uint64_t key) {
  Actor& actor = actors_.at(id);
  auto it = actor.waiters.find(key);
  if (it == actor.waiters.end()) return;
  Waiter waiter = std::move(it->second);
  actor.waiters.erase(it);
  clock_.Cancel(waiter.timer);
  rpc::GetActorInfoReply reply;
  reply.set_found(true);
  *reply.mutable_actor() = actor.info;
  waiter.respond(std::move(reply));
}

void GcsActorManager::HandleGetActorInfo(rpc::GetActorInfoRequest request,
                                         Respond<GetActorInfo> respond) {
  TaskId id = FromProto(request.actor_id());
  if (!request.name().empty()) {
    auto name = names_.find(request.name());
    if (name == names_.end()) {
      respond(rpc::GetActorInfoReply());  // found = false
      return;
    }
    id = name->second;
  }
  auto it = actors_.find(id);
  if (it == actors_.end()) {
    respond(rpc::GetActorInfoReply());
    return;
  }
  const rpc::ActorInfo& info = it->second.info;
  const bool ready =
      info.state() == rpc::ACTOR_DEAD ||
      (info.state() == rpc::ACTOR_ALIVE &&
       info.num_restarts() >= request.min_num_restarts());
  if (request.wait_until_created() && !ready) {
    const uint64_t key = next_waiter_++;
    Waiter& waiter = it->second.waiters[key];
    waiter.respond = std::move(respond);
    waiter.min_num_restarts = request.min_num_restarts();
    if (request.min_num_restarts() > 0) {
      waiter.timer = clock_.RunAfter(kRestartPatience, [this, id, key] {
        AnswerWaiter(id, key);
      });
    }
    return;
  }
  rpc::GetActorInfoReply reply;
  reply.set_found(true);
  *reply.mutable_actor() = it->second.info;
  respond(std::move(reply));
}

}  // namespace miniray
