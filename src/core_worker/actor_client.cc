// The caller half of actors: creating them through the GCS, and sending
// method calls straight to the actor's worker in the order they were made.
#include <algorithm>
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
  spec->set_max_restarts(options.max_restarts);
  spec->set_max_task_retries(options.max_task_retries);
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
                                            spec->name(),
                                            ": the GCS did not answer (",
                                            reply.status().message(), ")"));
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
  if (client.state == rpc::ACTOR_PENDING ||
      client.state == rpc::ACTOR_RESTARTING) {
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
    request.set_caller_seq_start(client.seq_start);
    std::shared_ptr<rpc::TaskSpec> spec = call.spec;
    const bool skip = call.skip;
    if (!skip) client.sent[spec->caller_seq()] = spec;
    if (!skip && options_.trace_as_owner && runtime_.trace != nullptr) {
      // The owner does not know which worker of the node hosts the actor.
      runtime_.trace->TaskStarted(FromProto(spec->id()), client.node,
                                  MakeWorkerId(client.node, 0),
                                  runtime_.clock.Now());
    }
    endpoint_.Call<PushTask>(
        client.address, request,
        [this, actor, spec, skip, incarnation = client.num_restarts](
            absl::StatusOr<rpc::PushTaskReply> reply) {
          if (skip) return;
          // Already dealt with if the actor's node was declared dead.
          if (actors_[actor].sent.erase(spec->caller_seq()) == 0) return;
          if (absl::IsAlreadyExists(reply.status())) {
            FailTask(*spec, MakeError(rpc::ACTOR_DIED,
                                      absl::StrCat("the call ", spec->name(),
                                                   " ran but its reply was "
                                                   "lost: ",
                                                   reply.status().message())));
            return;
          }
          if (!reply.ok()) {
            OnActorCallFailed(actor, spec,
                              std::string(reply.status().message()),
                              incarnation);
            return;
          }
          OnTaskDone(*spec, std::move(reply));
        });
  }
}

void CoreWorker::OnActorCallFailed(TaskId actor,
                                   std::shared_ptr<rpc::TaskSpec> spec,
                                   const std::string& why,
                                   uint32_t incarnation) {
  ActorClient& client = actors_[actor];
  const uint64_t seq = spec->caller_seq();
  const int max = client.max_task_retries;
  ActorCall& call = client.calls[seq];
  call.resolved = true;
  if (max < 0 || spec->attempt() < static_cast<uint32_t>(max)) {
    LOG(INFO) << "actor call " << spec->name() << " failed (" << why
              << "); sending it again once the actor is back";
    auto retry = std::make_shared<rpc::TaskSpec>(*spec);
    retry->set_attempt(spec->attempt() + 1);
    ++runtime_.metrics.tasks_retried;
    call.spec = std::move(retry);
  } else {
    FailTask(*spec, MakeError(
                        rpc::ACTOR_DIED,
                        absl::StrCat("the actor running ", spec->name(),
                                     " failed: ", why, "; ",
                                     max == 0 ? "the call may not be retried "
                                                "(max_task_retries 0)"
                                              : absl::StrCat(
                                                    "the call was sent ",
                                                    max + 1, " times, its "
                                                    "max_task_retries + 1"))));
    // Only the sequence advances, so that later calls are not held up.
    call.spec = std::move(spec);
    call.skip = true;
  }
  client.next_to_send = std::min(client.next_to_send, seq);
  // A call that failed at an incarnation already replaced (the caller heard
  // of the restart before the call's failure) just goes to the new one.
  if (client.state == rpc::ACTOR_ALIVE && incarnation == client.num_restarts) {
    client.state = rpc::ACTOR_RESTARTING;
  }
  SendActorCalls(actor);
}

void CoreWorker::LookUpActor(TaskId actor) {
  ActorClient& client = actors_[actor];
  // The creator hears of the creation from its CreateActor call; anyone
  // asks the GCS about a restart.
  const bool restart = client.state == rpc::ACTOR_RESTARTING;
  if (client.lookup_in_flight) return;
  if (!restart && actor.worker == options_.worker_id) return;
  client.lookup_in_flight = true;
  rpc::GetActorInfoRequest request;
  *request.mutable_actor_id() = ToProto(actor);
  request.set_wait_until_created(true);
  if (restart) request.set_min_num_restarts(client.num_restarts + 1);
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

void CoreWorker::TraceActorAsOwner(const rpc::ActorInfo& info) {
  if (!options_.trace_as_owner || runtime_.trace == nullptr) return;
  const TaskId creation = FromProto(info.actor_id());
  auto it = runtime_.trace->tasks().find(creation);
  if (it == runtime_.trace->tasks().end() ||
      it->second.state != TaskState::kPending) {
    return;  // not ours, or already recorded
  }
  const absl::Time now = runtime_.clock.Now();
  if (info.state() == rpc::ACTOR_ALIVE) {
    runtime_.trace->TaskStarted(creation, info.node_id(),
                                MakeWorkerId(info.node_id(), 0), now);
    runtime_.trace->TaskFinished(creation, rpc::ErrorInfo(), now);
  } else if (info.state() == rpc::ACTOR_DEAD) {
    runtime_.trace->TaskFinished(creation, info.death(), now);
  }
}

void CoreWorker::OnActorInfo(const rpc::ActorInfo& info) {
  TraceActorAsOwner(info);
  const TaskId actor = FromProto(info.actor_id());
  ActorClient& client = actors_[actor];
  if (client.state == rpc::ACTOR_DEAD) return;  // death is final
  client.max_task_retries = info.max_task_retries();
  if (info.state() == rpc::ACTOR_ALIVE) {
    if (info.num_restarts() < client.num_restarts) return;  // stale
    if (info.num_restarts() > client.num_restarts) {
      // A new incarnation: it numbers this caller's calls from here, or
      // from the first call still out at the old one (its failure may come
      // later than the news of the restart: then it is sent again, and the
      // new incarnation must not take it for a duplicate).
      client.seq_start = client.next_to_send;
      if (!client.sent.empty()) {
        client.seq_start = std::min(client.seq_start, client.sent.begin()->first);
      }
      client.num_restarts = info.num_restarts();
    }
    client.address = info.address();
    client.node = info.node_id();
  } else if (info.state() == rpc::ACTOR_DEAD) {
    client.address.clear();
    client.node = kNoNode;
    client.death = info.death();
  }
  client.state = info.state();
  SendActorCalls(actor);
}

void CoreWorker::OnActorNodeDied(NodeId node) {
  for (auto& [actor, client] : actors_) {
    if (client.state != rpc::ACTOR_ALIVE || client.node != node) continue;
    std::map<uint64_t, std::shared_ptr<rpc::TaskSpec>> sent =
        std::move(client.sent);
    client.sent.clear();
    client.state = rpc::ACTOR_RESTARTING;
    const std::string why = absl::StrCat("its node ", node, " died");
    for (auto& [seq, spec] : sent) {
      OnActorCallFailed(actor, spec, why, client.num_restarts);
    }
    SendActorCalls(actor);  // asks the GCS what became of the actor
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
