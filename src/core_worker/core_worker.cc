#include "src/core_worker/core_worker.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/rpc/convert.h"

namespace miniray {

CoreWorker::CoreWorker(CoreWorkerRuntime runtime, Options options)
    : runtime_(runtime),
      options_(std::move(options)),
      endpoint_(runtime.transport, options_.address),
      refs_([this](ObjectId id, const ReferenceCounter::Reference& ref) {
        OnOutOfScope(id, ref);
      }) {
  TaskSubmitter::Options submitter_options;
  submitter_options.local_raylet = options_.raylet_address;
  submitter_options.local_node = options_.node_id;
  submitter_options.max_pending_lease_requests =
      options_.max_pending_lease_requests;
  submitter_options.idle_worker_keep = options_.idle_worker_keep;
  submitter_options.on_pushed = OwnerPushTracer();
  submitter_ = std::make_unique<TaskSubmitter>(
      runtime.clock, endpoint_, std::move(submitter_options),
      [this](const rpc::TaskSpec& spec,
             absl::StatusOr<rpc::PushTaskReply> reply) {
        OnTaskDone(spec, std::move(reply));
      },
      [this](const rpc::TaskSpec& spec, const rpc::ErrorInfo& error) {
        // An argument that could not be fetched may be being rebuilt.
        if (error.type() == rpc::OBJECT_LOST && RetryFromLineage(spec)) return;
        FailTask(spec, error);
      });
  endpoint_.Handle<PushTask>([this](auto request, auto respond) {
    HandlePushTask(std::move(request), std::move(respond));
  });
  endpoint_.Handle<GetObjectLocations>([this](auto request, auto respond) {
    HandleGetObjectLocations(std::move(request), std::move(respond));
  });
  endpoint_.Handle<UpdateObjectLocation>([this](auto request, auto respond) {
    HandleUpdateObjectLocation(std::move(request), std::move(respond));
  });
  endpoint_.Handle<NodeDied>([this](auto request, auto respond) {
    HandleNodeDied(std::move(request), std::move(respond));
  });
  raylets_[options_.node_id] = options_.raylet_address;
}

CoreWorker::~CoreWorker() = default;

absl::Status CoreWorker::Start() {
  absl::Status status = endpoint_.Start();
  if (!status.ok()) return status;
  // A driver registers too, to hear about dead nodes.
  rpc::WorkerReadyRequest request;
  request.set_worker_id(options_.worker_id);
  request.set_address(endpoint_.address());
  request.set_is_driver(options_.is_driver);
  endpoint_.Call<WorkerReady>(options_.raylet_address, request, nullptr);
  return absl::OkStatus();
}

CoreWorker* CoreWorker::Current() {
  return static_cast<CoreWorker*>(CurrentContext());
}

void CoreWorker::Spawn(std::function<void()> body) {
  runtime_.executor.Spawn(std::move(body), this);
}

// ------------------------------------------------------------ submitting ---

std::shared_ptr<rpc::TaskSpec> CoreWorker::NewTaskSpec(
    const std::string& function, std::vector<TaskArgument> args,
    const TaskOptions& options, std::vector<ObjectId>* ref_args) {
  const TaskId task_id{options_.worker_id, next_seq_++};
  auto spec = std::make_shared<rpc::TaskSpec>();
  *spec->mutable_id() = ToProto(task_id);
  spec->set_function(function);
  spec->set_num_returns(options.num_returns);
  *spec->mutable_resources() = options.resources.ToProto();
  spec->set_owner_address(endpoint_.address());
  spec->set_owner_worker(options_.worker_id);
  spec->set_name(options.name.empty() ? function : options.name);
  spec->set_synthetic_duration_ns(options.synthetic_duration_ns);
  spec->set_synthetic_output_bytes(options.synthetic_output_bytes);
  spec->set_max_retries(options.max_retries);
  spec->set_retry_exceptions(options.retry_exceptions);
  if (current_task_) *spec->mutable_parent() = ToProto(*current_task_);
  for (TaskArgument& arg : args) {
    rpc::TaskArg* proto = spec->add_args();
    if (arg.ref) {
      rpc::ObjectRefProto* ref = proto->mutable_ref();
      *ref->mutable_id() = ToProto(*arg.ref);
      ref->set_owner_address(arg.ref_owner);
      ref_args->push_back(*arg.ref);
      // The task holds its arguments until it finishes.
      refs_.AddSubmitted(*arg.ref);
    } else {
      proto->mutable_value()->set_data(std::move(arg.value));
    }
  }
  return spec;
}

std::vector<ObjectId> CoreWorker::RegisterReturns(const rpc::TaskSpec& spec) {
  std::vector<ObjectId> returns;
  const TaskId task_id = FromProto(spec.id());
  for (uint32_t i = 1; i <= spec.num_returns(); ++i) {
    const ObjectId id = ObjectId::ForReturn(task_id, i);
    refs_.AddOwned(id, endpoint_.address(), options_.worker_id);
    returns.push_back(id);
  }
  return returns;
}

std::vector<ObjectId> CoreWorker::SubmitTask(const std::string& function,
                                             std::vector<TaskArgument> args,
                                             const TaskOptions& options) {
  std::vector<ObjectId> ref_args;
  std::shared_ptr<rpc::TaskSpec> spec =
      NewTaskSpec(function, std::move(args), options, &ref_args);
  std::vector<ObjectId> returns = RegisterReturns(*spec);
  ++runtime_.metrics.tasks_submitted;
  TraceSubmitted(*spec, TaskKind::kNormal);
  RecordLineage(*spec);
  ResolveAndSubmit(std::move(spec), std::move(ref_args));
  return returns;
}

void CoreWorker::ResolveAndSubmit(std::shared_ptr<rpc::TaskSpec> spec,
                                  std::vector<ObjectId> ref_args) {
  // Wait until every argument exists, as Ray's dependency resolver does.
  auto remaining = std::make_shared<int>(ref_args.size() + 1);
  auto args = std::make_shared<std::vector<ObjectId>>(std::move(ref_args));
  for (ObjectId id : *args) {
    memory_.GetAsync(id, [this, spec, args, remaining](const auto&) {
      if (--*remaining == 0) FinishResolution(spec, *args);
    });
  }
  if (--*remaining == 0) FinishResolution(spec, *args);
}

void CoreWorker::FinishResolution(std::shared_ptr<rpc::TaskSpec> spec,
                                  const std::vector<ObjectId>& ref_args) {
  // An argument lost with its node since it resolved is being rebuilt: wait
  // for it again.
  for (ObjectId id : ref_args) {
    if (memory_.Get(id) == nullptr) {
      ResolveAndSubmit(std::move(spec), ref_args);
      return;
    }
  }
  // Inline small values; leave objects in a store as dependencies.
  for (rpc::TaskArg& arg : *spec->mutable_args()) {
    if (!arg.has_ref()) continue;
    const ObjectId id = FromProto(arg.ref().id());
    const MemoryStore::Entry* entry = memory_.Get(id);
    if (!entry->in_plasma() && entry->value->error().type() != rpc::ERROR_NONE) {
      rpc::ErrorInfo error = entry->value->error();
      error.set_message(absl::StrCat("argument ", id.ToString(), " of task ",
                                     spec->name(), " failed: ",
                                     error.message()));
      FailTask(*spec, error);
      if (spec->has_actor_id() && !spec->actor_creation()) {
        OnActorCallReady(spec, /*skip=*/true);
      }
      return;
    }
    if (!entry->in_plasma()) {
      rpc::ObjectValue value = *entry->value;
      *arg.mutable_value() = std::move(value);
    } else {
      rpc::ObjectRefProto* dep = spec->add_dependencies();
      *dep = arg.ref();
      if (const ReferenceCounter::Reference* ref = refs_.Find(id)) {
        dep->set_size(ref->size);
      }
    }
  }
  Dispatch(std::move(spec));
}

void CoreWorker::Dispatch(std::shared_ptr<rpc::TaskSpec> spec) {
  if (spec->actor_creation()) {
    SendCreateActor(std::move(spec));
  } else if (spec->has_actor_id()) {
    OnActorCallReady(std::move(spec), /*skip=*/false);
  } else {
    submitter_->Submit(std::move(*spec));
  }
}

void CoreWorker::OnTaskDone(const rpc::TaskSpec& spec,
                            absl::StatusOr<rpc::PushTaskReply> reply) {
  if (!reply.ok()) {
    // An argument was lost: run the task again once it is rebuilt.
    if (absl::IsDataLoss(reply.status()) && RetryFromLineage(spec)) return;
    const std::string why =
        absl::StrCat("the worker running task ", spec.name(), " (attempt ",
                     spec.attempt() + 1, ") failed: ", reply.status().message());
    if (!MaybeRetry(spec, why)) FailTask(spec, MakeError(rpc::WORKER_DIED, why));
    return;
  }
  ++runtime_.metrics.tasks_finished;
  if (options_.trace_as_owner && runtime_.trace != nullptr &&
      !reply->application_error()) {
    runtime_.trace->TaskFinished(FromProto(spec.id()), rpc::ErrorInfo(),
                                 runtime_.clock.Now());
  }
  if (reply->application_error()) {
    if (spec.retry_exceptions() &&
        MaybeRetry(spec, absl::StrCat("task ", spec.name(), " (attempt ",
                                      spec.attempt() + 1, ") raised an error"))) {
      return;
    }
    ++runtime_.metrics.tasks_failed;
    if (options_.trace_as_owner && runtime_.trace != nullptr) {
      runtime_.trace->TaskFinished(
          FromProto(spec.id()),
          MakeError(rpc::TASK_FAILED, "the task raised an error"),
          runtime_.clock.Now());
    }
  }
  for (const rpc::ReturnObject& ret : reply->returns()) {
    const ObjectId id = FromProto(ret.id());
    if (runtime_.trace != nullptr) {
      ObjectTrace object;
      object.id = id;
      object.size = ret.size();
      if (ret.where_case() == rpc::ReturnObject::kInStoreAtNode) {
        object.node = ret.in_store_at_node();
      }
      object.creator = id.task;
      object.created = runtime_.clock.Now();
      runtime_.trace->ObjectCreated(std::move(object));
    }
    if (ret.where_case() == rpc::ReturnObject::kInStoreAtNode) {
      raylets_[ret.in_store_at_node()] = ret.raylet_address();
      refs_.AddLocation(id, ret.in_store_at_node(), ret.size());
      if (refs_.Find(id) == nullptr) {
        // Nobody wants the value any more: free the stored copy now.
        rpc::FreeObjectsRequest request;
        *request.add_ids() = ret.id();
        endpoint_.Call<FreeObjects>(ret.raylet_address(), request, nullptr);
        continue;
      }
      memory_.Put(id, MemoryStore::Entry::InPlasma());
    } else if (refs_.Find(id) != nullptr) {
      memory_.Put(id, MemoryStore::Entry::Value(ret.value()));
    }
  }
  ReleaseArguments(spec);
}

bool CoreWorker::MaybeRetry(const rpc::TaskSpec& spec, const std::string& why) {
  if (spec.attempt() >= spec.max_retries()) return false;
  LOG(INFO) << why << "; retrying";
  rpc::TaskSpec retry = spec;
  retry.set_attempt(spec.attempt() + 1);
  ++runtime_.metrics.tasks_retried;
  TraceRetryOrLoss(TraceEventType::kTaskRetried, FromProto(spec.id()),
                   std::nullopt, kNoNode, why, retry.attempt() + 1);
  submitter_->Submit(std::move(retry));
  return true;
}

void CoreWorker::HandleNodeDied(rpc::NodeDiedRequest request,
                                Respond<NodeDied> respond) {
  respond(rpc::NodeDiedReply());
  submitter_->OnNodeDied(request.node_id());
  OnActorNodeDied(request.node_id());
  RecoverObjectsOf(request.node_id());
}

void CoreWorker::FailTask(const rpc::TaskSpec& spec,
                          const rpc::ErrorInfo& error) {
  ++runtime_.metrics.tasks_failed;
  const TaskId task_id = FromProto(spec.id());
  if (runtime_.trace != nullptr) {
    runtime_.trace->TaskFinished(task_id, error, runtime_.clock.Now());
  }
  for (uint32_t i = 1; i <= spec.num_returns(); ++i) {
    const ObjectId id = ObjectId::ForReturn(task_id, i);
    if (runtime_.trace != nullptr) {
      ObjectTrace object;
      object.id = id;
      object.creator = task_id;
      object.created = runtime_.clock.Now();
      runtime_.trace->ObjectCreated(std::move(object));
    }
    if (refs_.Find(id) == nullptr) continue;
    rpc::ObjectValue value;
    *value.mutable_error() = error;
    memory_.Put(id, MemoryStore::Entry::Value(std::move(value)));
  }
  ReleaseArguments(spec);
}

void CoreWorker::ReleaseArguments(const rpc::TaskSpec& spec) {
  for (const rpc::TaskArg& arg : spec.args()) {
    if (arg.has_ref()) refs_.RemoveSubmitted(FromProto(arg.ref().id()));
  }
}

void CoreWorker::OnOutOfScope(ObjectId id,
                              const ReferenceCounter::Reference& ref) {
  memory_.Delete(id);
  ReleaseLineage(id);
  if (!ref.owned) return;
  for (NodeId node : ref.locations) {
    auto raylet = raylets_.find(node);
    if (raylet == raylets_.end()) continue;
    rpc::FreeObjectsRequest request;
    *request.add_ids() = ToProto(id);
    endpoint_.Call<FreeObjects>(raylet->second, request, nullptr);
  }
}

// --------------------------------------------------------------- getting ---

std::vector<rpc::ObjectValue> CoreWorker::Get(
    const std::vector<ObjectId>& ids) {
  bool blocks = false;
  for (ObjectId id : ids) blocks = blocks || memory_.Get(id) == nullptr;
  if (blocks) NotifyBlocked(true);
  std::vector<rpc::ObjectValue> values;
  values.reserve(ids.size());
  constexpr int kLostRereadsMax = 3;
  int lost_rereads = 0;
  for (ObjectId id : ids) {
    std::unique_ptr<Event> ready = runtime_.executor.NewEvent();
    auto entry = std::make_shared<MemoryStore::Entry>();
    Event* event = ready.get();
    auto alive = std::make_shared<bool>(true);
    memory_.GetAsync(id, [entry, event, alive](const MemoryStore::Entry& e) {
      *entry = e;
      if (*alive) event->Notify();
    });
    ready->Wait();
    *alive = false;
    rpc::ObjectValue value =
        entry->in_plasma() ? ReadFromPlasma(id) : *entry->value;
    // The copy was lost while we read it and is being rebuilt: wait again.
    if (value.error().type() == rpc::OBJECT_LOST && refs_.Owns(id) &&
        memory_.Get(id) == nullptr && lost_rereads < kLostRereadsMax) {
      ++lost_rereads;
      values.push_back(Get({id})[0]);
      continue;
    }
    values.push_back(std::move(value));
  }
  if (blocks) NotifyBlocked(false);
  return values;
}

void CoreWorker::NotifyBlocked(bool blocked) {
  if (current_lease_ == 0) return;  // the driver, or an actor
  rpc::TaskBlockedRequest request;
  request.set_lease_id(current_lease_);
  request.set_blocked(blocked);
  request.set_seq(++blocked_reports_);
  endpoint_.Call<TaskBlocked>(options_.raylet_address, request, nullptr);
}

rpc::ObjectValue CoreWorker::ReadFromPlasma(ObjectId id) {
  rpc::ObjectRefProto ref;
  *ref.mutable_id() = ToProto(id);
  ref.set_owner_address(endpoint_.address());
  return FetchArgument(ref);
}

rpc::ErrorInfo CoreWorker::FetchToLocalStore(const rpc::ObjectRefProto& ref) {
  rpc::FetchObjectsRequest request;
  *request.add_refs() = ref;
  absl::StatusOr<rpc::FetchObjectsReply> reply =
      CallAndWait<FetchObjects>(options_.raylet_address, request);
  if (!reply.ok()) {
    return MakeError(rpc::OBJECT_LOST,
                     absl::StrCat("the local raylet failed: ",
                                  reply.status().message()));
  }
  return reply->errors_size() > 0 ? reply->errors(0) : rpc::ErrorInfo();
}

absl::StatusOr<ObjectId> CoreWorker::Put(rpc::ObjectValue value) {
  const ObjectId id = ObjectId::ForPut(options_.worker_id, next_seq_++);
  StoredObject object;
  object.data = Bytes(std::move(*value.mutable_data()));
  object.synthetic_bytes = value.synthetic_bytes();
  const int64_t size = object.size();
  absl::Status status = runtime_.local_store.PutPrimary(id, std::move(object));
  if (!status.ok()) return status;
  refs_.AddOwned(id, endpoint_.address(), options_.worker_id);
  refs_.AddLocation(id, options_.node_id, size);
  memory_.Put(id, MemoryStore::Entry::InPlasma());
  if (runtime_.trace != nullptr) {
    ObjectTrace object;
    object.id = id;
    object.size = size;
    object.node = options_.node_id;
    object.put_by = current_task_;
    object.created = runtime_.clock.Now();
    runtime_.trace->ObjectCreated(std::move(object));
  }
  return id;
}

WaitOutcome CoreWorker::Wait(const std::vector<ObjectId>& ids, int num_returns,
                            absl::Duration timeout) {
  struct State {
    int ready = 0;
    int wanted = 0;
    Event* event = nullptr;
  };
  std::unique_ptr<Event> enough = runtime_.executor.NewEvent();
  auto state = std::make_shared<State>();
  state->wanted = std::min<int>(num_returns, ids.size());
  state->event = enough.get();
  for (ObjectId id : ids) {
    memory_.GetAsync(id, [state](const MemoryStore::Entry&) {
      if (++state->ready >= state->wanted && state->event != nullptr) {
        state->event->Notify();
      }
    });
  }
  if (state->ready < state->wanted) {
    NotifyBlocked(true);
    enough->WaitFor(timeout);
    NotifyBlocked(false);
  }
  state->event = nullptr;
  WaitOutcome result;
  for (ObjectId id : ids) {
    const bool ready = memory_.Get(id) != nullptr &&
                       static_cast<int>(result.ready.size()) < state->wanted;
    (ready ? result.ready : result.not_ready).push_back(id);
  }
  return result;
}

rpc::ErrorInfo CoreWorker::PeekError(ObjectId id) const {
  const MemoryStore::Entry* entry = memory_.Get(id);
  if (entry == nullptr || entry->in_plasma()) return rpc::ErrorInfo();
  return entry->value->error();
}

// ------------------------------------------------------ object directory ---

void CoreWorker::HandleGetObjectLocations(
    rpc::GetObjectLocationsRequest request,
    Respond<GetObjectLocations> respond) {
  rpc::GetObjectLocationsReply reply;
  const ReferenceCounter::Reference* ref =
      refs_.Find(FromProto(request.id()));
  reply.set_known(ref != nullptr && ref->owned);
  if (ref != nullptr) {
    for (NodeId node : ref->locations) reply.add_node_ids(node);
    reply.set_size(ref->size);
  }
  respond(std::move(reply));
}

void CoreWorker::HandleUpdateObjectLocation(
    rpc::UpdateObjectLocationRequest request,
    Respond<UpdateObjectLocation> respond) {
  respond(rpc::UpdateObjectLocationReply());
  const ObjectId id = FromProto(request.id());
  if (request.removed()) {
    refs_.RemoveLocation(id, request.node_id());
    return;
  }
  if (refs_.Find(id) == nullptr) return;
  raylets_[request.node_id()] = request.raylet_address();
  refs_.AddLocation(id, request.node_id(), 0);
}

}  // namespace miniray
