// The executor half of the core worker: running tasks pushed by owners.
#include <exception>
#include <stdexcept>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/core_worker/core_worker.h"
#include "src/rpc/convert.h"

namespace miniray {

void CoreWorker::HandlePushTask(rpc::PushTaskRequest request,
                                Respond<PushTask> respond) {
  const rpc::TaskSpec& spec = request.spec();
  if (!spec.has_actor_id() || spec.actor_creation()) {
    // The same push twice (the network duplicated it) must not run twice.
    const std::pair<TaskId, uint32_t> push{FromProto(spec.id()), spec.attempt()};
    if (last_push_ == push) {
      respond(absl::AlreadyExistsError(
          absl::StrCat("task ", spec.name(), " was pushed twice")));
      return;
    }
    last_push_ = push;
  }
  if (spec.has_actor_id() && !spec.actor_creation()) {
    EnqueueActorCall(std::move(request), std::move(respond));
  } else if (spec.function().empty()) {
    RunSyntheticTask(spec, std::move(respond));
  } else {
    auto shared = std::make_shared<rpc::TaskSpec>(spec);
    Execute(shared, InvokerFor(spec), std::move(respond), request.lease_id(),
            nullptr);
  }
}

// A synthetic task runs no code: it holds its worker for its duration and
// returns an object of the declared size.
void CoreWorker::RunSyntheticTask(const rpc::TaskSpec& spec,
                                  Respond<PushTask> respond) {
  auto shared_spec = std::make_shared<rpc::TaskSpec>(spec);
  if (runtime_.trace != nullptr) {
    runtime_.trace->TaskStarted(FromProto(spec.id()), options_.node_id,
                                options_.worker_id, runtime_.clock.Now());
  }
  runtime_.clock.RunAfter(
      options_.task_overhead +
          absl::Nanoseconds(spec.synthetic_duration_ns()) *
              (compute_slowdown_source_ ? compute_slowdown_source_()
                                        : compute_slowdown_),
      [this, shared_spec, respond = std::move(respond)]() mutable {
        auto finish = [this, shared_spec, respond = std::move(respond)] {
          rpc::PushTaskReply reply;
          const TaskId task_id = FromProto(shared_spec->id());
          for (uint32_t i = 1; i <= shared_spec->num_returns(); ++i) {
            rpc::ObjectValue value;
            value.set_synthetic_bytes(shared_spec->synthetic_output_bytes());
            *reply.add_returns() =
                StoreReturn(ObjectId::ForReturn(task_id, i), std::move(value));
          }
          if (runtime_.trace != nullptr) {
            runtime_.trace->TaskFinished(task_id, rpc::ErrorInfo(),
                                         runtime_.clock.Now());
          }
          respond(std::move(reply));
        };
        // Storing the returns may wait for the store (a worker process):
        // then it waits on a fiber. In process, it is done at once.
        if (runtime_.local_store.blocks()) {
          Spawn(std::move(finish));
        } else {
          finish();
        }
      });
}

CoreWorker::Invoker CoreWorker::InvokerFor(const rpc::TaskSpec& spec) {
  const std::string name = spec.function();
  if (spec.actor_creation()) {
    return [this, name](const ArgumentViews& args) {
      const FunctionRegistry::Factory* factory =
          FunctionRegistry::Global().FindFactory(name);
      if (factory == nullptr) {
        throw std::invalid_argument(
            absl::StrCat("no actor class with factory \"", name, "\""));
      }
      hosted_ = std::make_unique<HostedActor>();
      hosted_->instance = factory->create(args);
      hosted_->actor_class = factory->actor_class;
      return std::vector<std::string>();
    };
  }
  if (spec.has_actor_id()) {
    return [this, name](const ArgumentViews& args) {
      const FunctionRegistry::Method* method =
          FunctionRegistry::Global().FindMethod(name);
      if (method == nullptr) {
        throw std::invalid_argument(
            absl::StrCat("no actor method named \"", name, "\""));
      }
      // A handle of the wrong class (GetActor<C> with another C) must not
      // call into an object of another type.
      if (method->actor_class != hosted_->actor_class) {
        throw std::invalid_argument(absl::StrCat(
            name, " is not a method of this actor's class (",
            hosted_->actor_class, ")"));
      }
      return method->call(hosted_->instance.get(), args);
    };
  }
  return [name](const ArgumentViews& args) {
    const RemoteFunction* function = FunctionRegistry::Global().Find(name);
    if (function == nullptr) {
      throw std::invalid_argument(
          absl::StrCat("no remote function named \"", name, "\""));
    }
    return (*function)(args);
  };
}

void CoreWorker::Execute(std::shared_ptr<rpc::TaskSpec> shared_spec,
                         Invoker invoke, Respond<PushTask> respond,
                         uint64_t lease_id, std::function<void()> after) {
  Spawn([this, shared_spec, invoke = std::move(invoke),
         respond = std::move(respond), lease_id, after = std::move(after)] {
    const rpc::TaskSpec& spec = *shared_spec;
    const TaskId task_id = FromProto(spec.id());
    current_task_ = task_id;
    current_lease_ = lease_id;
    if (runtime_.trace != nullptr) {
      runtime_.trace->TaskStarted(task_id, options_.node_id,
                                  options_.worker_id, runtime_.clock.Now());
    }
    if (options_.task_overhead > absl::ZeroDuration()) {
      runtime_.executor.Sleep(options_.task_overhead);
    }
    rpc::ErrorInfo error;
    // Arguments are read where they lie: in the spec (small values) or in
    // the node's store (`held` keeps those bytes alive while the task runs).
    ArgumentViews args;
    std::vector<Bytes> held;
    for (const rpc::TaskArg& arg : spec.args()) {
      if (!arg.has_ref()) {
        if (arg.value().error().type() != rpc::ERROR_NONE) {
          error = arg.value().error();
          break;
        }
        args.push_back(arg.value().data());
        continue;
      }
      Fetched fetched = FetchFromStore(arg.ref());
      if (fetched.error.type() == rpc::OBJECT_LOST) {
        // Not the task's fault: its owner may rebuild the argument and run
        // the task again. Answer with a system error, not a result.
        if (runtime_.trace != nullptr) {
          runtime_.trace->TaskFinished(task_id, fetched.error,
                                       runtime_.clock.Now());
        }
        current_task_.reset();
        current_lease_ = 0;
        respond(absl::DataLossError(fetched.error.message()));
        if (after) after();
        return;
      }
      if (fetched.error.type() != rpc::ERROR_NONE) {
        error = fetched.error;
        break;
      }
      args.push_back(fetched.object.data.view());
      held.push_back(std::move(fetched.object.data));
    }
    std::vector<std::string> results;
    if (error.type() == rpc::ERROR_NONE) {
      try {
        results = invoke(args);
      } catch (const std::exception& e) {
        error = MakeError(spec.actor_creation() ? rpc::ACTOR_DIED
                                                : rpc::TASK_FAILED,
                          absl::StrCat("task ", spec.name(), " raised: ",
                                       e.what()));
      }
      if (error.type() == rpc::ERROR_NONE &&
          results.size() != spec.num_returns()) {
        error = MakeError(rpc::TASK_FAILED,
                          absl::StrCat("task ", spec.name(), " returned ",
                                       results.size(), " values, expected ",
                                       spec.num_returns()));
      }
    }
    rpc::PushTaskReply reply;
    reply.set_application_error(error.type() != rpc::ERROR_NONE);
    for (uint32_t i = 1; i <= spec.num_returns(); ++i) {
      rpc::ObjectValue value;
      if (error.type() != rpc::ERROR_NONE) {
        *value.mutable_error() = error;
      } else {
        value.set_data(std::move(results[i - 1]));
      }
      *reply.add_returns() =
          StoreReturn(ObjectId::ForReturn(task_id, i), std::move(value));
    }
    if (spec.actor_creation() && error.type() != rpc::ERROR_NONE) {
      *reply.add_returns()->mutable_value()->mutable_error() = error;
    }
    if (runtime_.trace != nullptr) {
      runtime_.trace->TaskFinished(task_id, error, runtime_.clock.Now());
    }
    current_task_.reset();
    current_lease_ = 0;
    respond(std::move(reply));
    if (after) after();
  });
}

// Method calls run one at a time, each caller's in the order it made them:
// a call that arrives before its predecessor waits in `early`.
void CoreWorker::EnqueueActorCall(rpc::PushTaskRequest request,
                                  Respond<PushTask> respond) {
  if (hosted_ == nullptr) {
    respond(absl::FailedPreconditionError(
        absl::StrCat(endpoint_.address(), " hosts no actor")));
    return;
  }
  const WorkerId caller = request.spec().owner_worker();
  const uint64_t seq = request.spec().caller_seq();
  // A restarted actor numbers a caller's calls from where the caller says.
  const uint64_t start = std::max<uint64_t>(request.caller_seq_start(), 1);
  uint64_t& next = hosted_->next_seq.try_emplace(caller, start).first->second;
  if (seq < next || hosted_->early.count({caller, seq}) > 0) {
    // A duplicate (the network delivered the request twice, or the caller
    // sent it again after losing the reply): it must not run twice.
    respond(absl::AlreadyExistsError(absl::StrCat(
        "call ", seq, " from worker ", caller, " arrived twice")));
    return;
  }
  hosted_->early.emplace(std::make_pair(caller, seq),
                         std::make_pair(std::move(request), std::move(respond)));
  for (auto it = hosted_->early.find({caller, next});
       it != hosted_->early.end(); it = hosted_->early.find({caller, next})) {
    auto call = std::move(it->second);
    hosted_->early.erase(it);
    ++next;
    if (call.first.skip()) {
      call.second(rpc::PushTaskReply());
      continue;
    }
    hosted_->ready.push_back(std::move(call));
  }
  RunNextActorCall();
}

void CoreWorker::RunNextActorCall() {
  if (hosted_->running || hosted_->ready.empty()) return;
  hosted_->running = true;
  auto call = std::move(hosted_->ready.front());
  hosted_->ready.pop_front();
  // The order guarantee, checked where it matters: a caller's calls run in
  // increasing sequence numbers.
  const WorkerId caller = call.first.spec().owner_worker();
  uint64_t& last = hosted_->last_run[caller];
  if (call.first.spec().caller_seq() <= last) {
    ++runtime_.metrics.actor_order_violations;
  }
  last = call.first.spec().caller_seq();
  auto spec = std::make_shared<rpc::TaskSpec>(call.first.spec());
  Execute(spec, InvokerFor(*spec), std::move(call.second), /*lease_id=*/0,
          [this] {
            hosted_->running = false;
            RunNextActorCall();
          });
}

rpc::ReturnObject CoreWorker::StoreReturn(ObjectId id, rpc::ObjectValue value) {
  rpc::ReturnObject ret;
  *ret.mutable_id() = ToProto(id);
  const int64_t size = value.data().size() + value.synthetic_bytes();
  ret.set_size(size);
  if (value.error().type() != rpc::ERROR_NONE ||
      size <= options_.max_inline_bytes) {
    *ret.mutable_value() = std::move(value);
    return ret;
  }
  // Large values stay in this node's object store: a pinned primary copy.
  StoredObject object;
  object.data = Bytes(std::move(*value.mutable_data()));
  object.synthetic_bytes = value.synthetic_bytes();
  absl::Status status = runtime_.local_store.PutPrimary(id, std::move(object));
  if (!status.ok() && !absl::IsAlreadyExists(status)) {
    rpc::ObjectValue failed;
    *failed.mutable_error() = MakeError(
        rpc::OBJECT_STORE_FULL,
        absl::StrCat("cannot store return value ", id.ToString(), ": ",
                     status.message()));
    *ret.mutable_value() = std::move(failed);
    return ret;
  }
  ret.set_in_store_at_node(options_.node_id);
  ret.set_raylet_address(options_.raylet_address);
  return ret;
}

rpc::ObjectValue CoreWorker::FetchArgument(const rpc::ObjectRefProto& ref) {
  Fetched fetched = FetchFromStore(ref);
  rpc::ObjectValue value;
  if (fetched.error.type() != rpc::ERROR_NONE) {
    *value.mutable_error() = std::move(fetched.error);
  } else {
    value.set_data(std::string(fetched.object.data.view()));
    value.set_synthetic_bytes(fetched.object.synthetic_bytes);
  }
  return value;
}

CoreWorker::Fetched CoreWorker::FetchFromStore(
    const rpc::ObjectRefProto& ref) {
  const ObjectId id = FromProto(ref.id());
  constexpr int kAttemptsMax = 3;
  Fetched fetched;
  for (int attempt = 0; attempt < kAttemptsMax; ++attempt) {
    if (std::optional<StoredObject> object = runtime_.local_store.Get(id)) {
      fetched.object = *std::move(object);
      return fetched;
    }
    fetched.error = FetchToLocalStore(ref);
    if (fetched.error.type() != rpc::ERROR_NONE) return fetched;
  }
  fetched.error = MakeError(
      rpc::OBJECT_STORE_FULL,
      absl::StrCat("argument ", id.ToString(),
                   " was evicted before the task could read it"));
  return fetched;
}

}  // namespace miniray
