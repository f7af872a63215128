// The core worker's reports to its TraceRecorder (task graphs, timelines,
// event logs, the dashboard's task list): what it submitted, pushed, retried
// or lost. Nothing here runs when tracing is off.
#include <optional>
#include <string>
#include <utility>

#include "src/core_worker/core_worker.h"
#include "src/rpc/convert.h"

namespace miniray {

void CoreWorker::TraceRetryOrLoss(TraceEventType type,
                                  std::optional<TaskId> task,
                                  std::optional<ObjectId> object, NodeId node,
                                  const std::string& why, int attempt) {
  if (runtime_.trace == nullptr) return;
  runtime_.trace->Record({.time = runtime_.clock.Now(),
                          .type = type,
                          .task = task,
                          .object = object,
                          .node = node,
                          .attempt = attempt,
                          .detail = why});
}

void CoreWorker::TraceSubmitted(const rpc::TaskSpec& spec, TaskKind kind) {
  if (runtime_.trace == nullptr) return;
  TaskTrace trace;
  trace.id = FromProto(spec.id());
  trace.name = spec.name();
  trace.kind = kind;
  if (spec.has_parent()) trace.parent = FromProto(spec.parent());
  for (const rpc::TaskArg& arg : spec.args()) {
    if (arg.has_ref()) trace.args.push_back(FromProto(arg.ref().id()));
  }
  for (uint32_t i = 1; i <= spec.num_returns(); ++i) {
    trace.returns.push_back(ObjectId::ForReturn(trace.id, i));
  }
  if (spec.has_actor_id()) trace.actor = FromProto(spec.actor_id());
  for (int i = 0; i < spec.resources().name_size(); ++i) {
    if (spec.resources().name(i) == "CPU") {
      trace.cpus = spec.resources().amount(i);
    }
  }
  runtime_.trace->TaskSubmitted(std::move(trace), runtime_.clock.Now());
}

std::function<void(const rpc::TaskSpec&, NodeId, WorkerId)>
CoreWorker::OwnerPushTracer() {
  if (!options_.trace_as_owner || runtime_.trace == nullptr) return nullptr;
  return [this](const rpc::TaskSpec& spec, NodeId node, WorkerId worker) {
    runtime_.trace->TaskStarted(FromProto(spec.id()), node, worker,
                                runtime_.clock.Now());
  };
}

}  // namespace miniray
