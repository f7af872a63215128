#include "src/gcs/actor_manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/rpc/convert.h"

namespace miniray {

GcsActorManager::GcsActorManager(RpcEndpoint& endpoint) : endpoint_(endpoint) {
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
  std::vector<TaskId> dead;
  for (const auto& [id, actor] : actors_) {
    if (actor.info.state() == rpc::ACTOR_ALIVE && actor.info.node_id() == node) {
      dead.push_back(id);
    }
  }
  for (TaskId id : dead) {
    Settle(id, rpc::ACTOR_DEAD,
           MakeError(rpc::ACTOR_DIED, absl::StrCat("actor ", id.ToString(),
                                                   " died with its node ",
                                                   node)));
  }
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
                                   bool grant_or_reject) {
  rpc::LeaseRequest request;
  *request.mutable_spec() = actors_.at(id).spec;
  request.set_grant_or_reject(grant_or_reject);
  endpoint_.Call<RequestWorkerLease>(
      raylet, request, [this, id](absl::StatusOr<rpc::LeaseReply> reply) {
        OnLease(id, std::move(reply));
      });
}

void GcsActorManager::OnLease(TaskId id, absl::StatusOr<rpc::LeaseReply> reply) {
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
    case rpc::LeaseReply::kSpillback:
      RequestLease(id, reply->spillback().raylet_address(),
                   /*grant_or_reject=*/true);
      return;
    case rpc::LeaseReply::kInfeasible:
      Settle(id, rpc::ACTOR_DEAD,
             MakeError(rpc::ACTOR_DIED,
                       absl::StrCat("actor ", name,
                                    " cannot be placed: ", reply->infeasible())));
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
  rpc::PushTaskRequest request;
  *request.mutable_spec() = actor.spec;
  request.set_lease_id(granted.lease_id());
  endpoint_.Call<PushTask>(
      granted.worker_address(), request,
      [this, id](absl::StatusOr<rpc::PushTaskReply> reply) {
        if (!reply.ok()) {
          Settle(id, rpc::ACTOR_DEAD,
                 MakeError(rpc::ACTOR_DIED,
                           absl::StrCat("the worker of the actor failed: ",
                                        reply.status().message())));
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
  for (auto& respond : actor.waiters) {
    rpc::GetActorInfoReply reply;
    reply.set_found(true);
    *reply.mutable_actor() = actor.info;
    respond(std::move(reply));
  }
  actor.waiters.clear();
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
  if (request.wait_until_created() &&
      it->second.info.state() == rpc::ACTOR_PENDING) {
    it->second.waiters.push_back(std::move(respond));
    return;
  }
  rpc::GetActorInfoReply reply;
  reply.set_found(true);
  *reply.mutable_actor() = it->second.info;
  respond(std::move(reply));
}

}  // namespace miniray
