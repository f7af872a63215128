// The executor half of the core worker: running tasks pushed by owners.
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/core_worker/core_worker.h"
#include "src/rpc/convert.h"

namespace miniray {

void CoreWorker::HandlePushTask(rpc::PushTaskRequest request,
                                Respond<PushTask> respond) {
  if (request.spec().function().empty()) {
    RunSyntheticTask(request.spec(), std::move(respond));
  } else {
    RunFunctionTask(request.spec(), std::move(respond));
  }
}

// A synthetic task runs no code: it holds its worker for its duration and
// returns an object of the declared size.
void CoreWorker::RunSyntheticTask(const rpc::TaskSpec& spec,
                                  Respond<PushTask> respond) {
  auto shared_spec = std::make_shared<rpc::TaskSpec>(spec);
  runtime_.clock.RunAfter(
      absl::Nanoseconds(spec.synthetic_duration_ns()),
      [this, shared_spec, respond = std::move(respond)] {
        rpc::PushTaskReply reply;
        const TaskId task_id = FromProto(shared_spec->id());
        for (uint32_t i = 1; i <= shared_spec->num_returns(); ++i) {
          rpc::ObjectValue value;
          value.set_synthetic_bytes(shared_spec->synthetic_output_bytes());
          *reply.add_returns() =
              StoreReturn(ObjectId::ForReturn(task_id, i), std::move(value));
        }
        respond(std::move(reply));
      });
}

void CoreWorker::RunFunctionTask(const rpc::TaskSpec& spec,
                                 Respond<PushTask> respond) {
  auto shared_spec = std::make_shared<rpc::TaskSpec>(spec);
  Spawn([this, shared_spec, respond = std::move(respond)] {
    const rpc::TaskSpec& spec = *shared_spec;
    rpc::PushTaskReply reply;
    rpc::ErrorInfo error;
    std::vector<std::string> args;
    for (const rpc::TaskArg& arg : spec.args()) {
      rpc::ObjectValue value =
          arg.has_ref() ? FetchArgument(arg.ref()) : arg.value();
      if (value.error().type() != rpc::ERROR_NONE) {
        error = value.error();
        break;
      }
      args.push_back(std::move(*value.mutable_data()));
    }
    std::vector<std::string> results;
    if (error.type() == rpc::ERROR_NONE) {
      const RemoteFunction* function =
          FunctionRegistry::Global().Find(spec.function());
      if (function == nullptr) {
        error = MakeError(rpc::TASK_FAILED,
                          absl::StrCat("no remote function named \"",
                                       spec.function(), "\""));
      } else {
        try {
          results = (*function)(args);
        } catch (const std::exception& e) {
          error = MakeError(rpc::TASK_FAILED,
                            absl::StrCat("task ", spec.name(), " raised: ",
                                         e.what()));
        }
      }
      if (error.type() == rpc::ERROR_NONE &&
          results.size() != spec.num_returns()) {
        error = MakeError(rpc::TASK_FAILED,
                          absl::StrCat("task ", spec.name(), " returned ",
                                       results.size(), " values, expected ",
                                       spec.num_returns()));
      }
    }
    const TaskId task_id = FromProto(spec.id());
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
    respond(std::move(reply));
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
  object.data = std::make_shared<const std::string>(std::move(*value.mutable_data()));
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
  const ObjectId id = FromProto(ref.id());
  constexpr int kAttemptsMax = 3;
  rpc::ObjectValue value;
  for (int attempt = 0; attempt < kAttemptsMax; ++attempt) {
    if (const StoredObject* object = runtime_.local_store.Get(id)) {
      value.set_data(*object->data);
      value.set_synthetic_bytes(object->synthetic_bytes);
      return value;
    }
    rpc::ErrorInfo error = FetchToLocalStore(ref);
    if (error.type() != rpc::ERROR_NONE) {
      *value.mutable_error() = error;
      return value;
    }
  }
  *value.mutable_error() = MakeError(
      rpc::OBJECT_STORE_FULL,
      absl::StrCat("argument ", id.ToString(),
                   " was evicted before the task could read it"));
  return value;
}

}  // namespace miniray
