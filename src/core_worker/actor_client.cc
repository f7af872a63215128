// The caller half of actors: creating them through the GCS, and sending
// method calls straight to the actor's worker in the order they were made.
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/core_worker/core_worker.h"
#include "src/rpc/convert.h"

namespace miniray {

TaskId CoreWorker::CreateActor(const std::string& factory,
                               std::vector<TaskArgument> args,
                               const ActorOptions& options) {
  TaskOptions task;
  task.resources = options.resources;
  task.num_returns = 0;
  task.name = factory;
  std::vector<ObjectId> ref_args;
  std::shared_ptr<rpc::TaskSpec> spec =
      NewTaskSpec(factory, std::move(args), task, &ref_args);
  const TaskId actor = FromProto(spec->id());
  spec->set_actor_creation(true);
  *spec->mutable_actor_id() = spec->id();
  spec->set_actor_name(options.name);
  actors_[actor];  // pending until the GCS answers
  TraceSubmitted(*spec, TaskKind::kActorCreation);
  ResolveAndSubmit(std::move(spec), std::move(ref_args));
  return actor;
}

void CoreWorker::SendCreateActor(std::shared_ptr<rpc::TaskSpec> spec) {
  rpc::CreateActorRequest request;
  *request.mutable_spec() = *spec;
  request.set_raylet_address(options_.raylet_address);
  const TaskId actor = FromProto(spec->actor_id());
  endpoint_.Call<::miniray::CreateActor>(
      options_.gcs_address, request,
      [this, actor, spec](absl::StatusOr<rpc::CreateActorReply> reply) {
        if (!reply.ok()) {
          rpc::ActorInfo dead;
          *dead.mutable_actor_id() = ToProto(actor);
          dead.set_state(rpc::ACTOR_DEAD);
          *dead.mutable_death() = MakeError(
              rpc::ACTOR_DIED, absl::StrCat("cannot create actor ",
                                            spec->name(), ": ",
                                            reply.status().message()));
          OnActorInfo(dead);
          return;
        }
        OnActorInfo(reply->actor());
      });
}

std::vector<ObjectId> CoreWorker::SubmitActorTask(TaskId actor,
                                                  const std::string& method,
                                                  std::vector<TaskArgument> args,
                                                  const TaskOptions& options) {
  std::vector<ObjectId> ref_args;
  std::shared_ptr<rpc::TaskSpec> spec =
      NewTaskSpec(method, std::move(args), options, &ref_args);
  ActorClient& client = actors_[actor];
  *spec->mutable_actor_id() = ToProto(actor);
  // The sequence number is taken now, in program order, whatever order the
  // arguments resolve in.
  spec->set_caller_seq(client.next_seq++);
  client.calls[spec->caller_seq()].spec = spec;
  std::vector<ObjectId> returns = RegisterReturns(*spec);
  ++runtime_.metrics.tasks_submitted;
  TraceSubmitted(*spec, TaskKind::kActorMethod);
  ResolveAndSubmit(std::move(spec), std::move(ref_args));
  return returns;
}

void CoreWorker::OnActorCallReady(std::shared_ptr<rpc::TaskSpec> spec,
                                  bool skip) {
  const TaskId actor = FromProto(spec->actor_id());
  ActorCall& call = actors_[actor].calls[spec->caller_seq()];
  call.spec = std::move(spec);
  call.resolved = true;
  call.skip = skip;
  SendActorCalls(actor);
}

void CoreWorker::SendActorCalls(TaskId actor) {
  ActorClient& client = actors_[actor];
  if (client.state == rpc::ACTOR_PENDING) {
    if (!client.calls.empty()) LookUpActor(actor);
    return;
  }
  for (auto it = client.calls.find(client.next_to_send);
       it != client.calls.end() && it->second.resolved;
       it = client.calls.find(client.next_to_send)) {
    ActorCall call = std::move(it->second);
    client.calls.erase(it);
    ++client.next_to_send;
    if (client.state == rpc::ACTOR_DEAD) {
      if (!call.skip) FailTask(*call.spec, client.death);
      continue;
    }
    rpc::PushTaskRequest request;
    *request.mutable_spec() = *call.spec;
    request.set_skip(call.skip);
    std::shared_ptr<rpc::TaskSpec> spec = call.spec;
    const bool skip = call.skip;
    if (!skip) client.sent[spec->caller_seq()] = spec;
    endpoint_.Call<PushTask>(
        client.address, request,
        [this, actor, spec, skip](absl::StatusOr<rpc::PushTaskReply> reply) {
          if (skip) return;
          // Already failed if the actor's node was declared dead.
          if (actors_[actor].sent.erase(spec->caller_seq()) == 0) return;
          if (!reply.ok()) {
            FailTask(*spec, MakeError(rpc::ACTOR_DIED,
                                      absl::StrCat("the actor running ",
                                                   spec->name(), " failed: ",
                                                   reply.status().message())));
            return;
          }
          OnTaskDone(*spec, std::move(reply));
        });
  }
}

void CoreWorker::LookUpActor(TaskId actor) {
  ActorClient& client = actors_[actor];
  // The creator hears from its CreateActor call; others ask the GCS.
  if (client.lookup_in_flight || actor.worker == options_.worker_id) return;
  client.lookup_in_flight = true;
  rpc::GetActorInfoRequest request;
  *request.mutable_actor_id() = ToProto(actor);
  request.set_wait_until_created(true);
  endpoint_.Call<GetActorInfo>(
      options_.gcs_address, request,
      [this, actor](absl::StatusOr<rpc::GetActorInfoReply> reply) {
        actors_[actor].lookup_in_flight = false;
        rpc::ActorInfo info;
        *info.mutable_actor_id() = ToProto(actor);
        if (reply.ok() && reply->found()) {
          info = reply->actor();
        } else {
          info.set_state(rpc::ACTOR_DEAD);
          *info.mutable_death() = MakeError(
              rpc::ACTOR_DIED,
              reply.ok() ? absl::StrCat("no actor ", actor.ToString())
                         : absl::StrCat("cannot reach the GCS: ",
                                        reply.status().message()));
        }
        OnActorInfo(info);
      });
}

void CoreWorker::OnActorInfo(const rpc::ActorInfo& info) {
  const TaskId actor = FromProto(info.actor_id());
  ActorClient& client = actors_[actor];
  client.state = info.state();
  client.address = info.address();
  client.node = info.state() == rpc::ACTOR_ALIVE ? info.node_id() : kNoNode;
  client.death = info.death();
  SendActorCalls(actor);
}

void CoreWorker::OnActorNodeDied(NodeId node) {
  for (auto& [actor, client] : actors_) {
    if (client.state != rpc::ACTOR_ALIVE || client.node != node) continue;
    client.state = rpc::ACTOR_DEAD;
    client.death = MakeError(
        rpc::ACTOR_DIED, absl::StrCat("actor ", actor.ToString(),
                                      " died with its node ", node));
    std::map<uint64_t, std::shared_ptr<rpc::TaskSpec>> sent =
        std::move(client.sent);
    client.sent.clear();
    for (auto& [seq, spec] : sent) FailTask(*spec, client.death);
    SendActorCalls(actor);  // fails the calls not sent yet
  }
}

std::optional<TaskId> CoreWorker::GetNamedActor(const std::string& name) {
  rpc::GetActorInfoRequest request;
  request.set_name(name);
  absl::StatusOr<rpc::GetActorInfoReply> reply =
      CallAndWait<GetActorInfo>(options_.gcs_address, request);
  if (!reply.ok() || !reply->found()) return std::nullopt;
  const TaskId actor = FromProto(reply->actor().actor_id());
  if (reply->actor().state() != rpc::ACTOR_PENDING) OnActorInfo(reply->actor());
  return actor;
}

ResourceSet CoreWorker::ClusterResources() {
  absl::StatusOr<rpc::GetAllNodesReply> reply = CallAndWait<GetAllNodes>(
      options_.gcs_address, rpc::GetAllNodesRequest());
  ResourceSet total;
  if (!reply.ok()) return total;
  for (const rpc::NodeInfo& node : reply->nodes()) {
    if (node.alive()) total.Add(ResourceSet::FromProto(node.total()));
  }
  return total;
}

}  // namespace miniray
