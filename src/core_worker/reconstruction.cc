// Lineage reconstruction, the owner's half of Ray's fault tolerance: when
// every copy of an object it owns is lost, the owner runs the task that made
// it again (and, through the same path, the tasks that made its arguments).
// Objects made by Put have no task to run again: they are lost for good.
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/core_worker/core_worker.h"
#include "src/rpc/convert.h"

namespace miniray {

void CoreWorker::RecordLineage(const rpc::TaskSpec& spec) {
  Lineage& lineage = lineage_[FromProto(spec.id())];
  lineage.spec = std::make_shared<const rpc::TaskSpec>(spec);
  lineage.live_returns = spec.num_returns();
}

void CoreWorker::ReleaseLineage(ObjectId id) {
  if (id.IsPut()) return;
  auto it = lineage_.find(id.task);
  if (it != lineage_.end() && --it->second.live_returns <= 0) {
    lineage_.erase(it);
  }
}

void CoreWorker::RecoverObjectsOf(NodeId node) {
  std::set<TaskId> rebuilding;
  for (ObjectId id : refs_.RemoveNode(node)) {
    const MemoryStore::Entry* entry = memory_.Get(id);
    if (entry == nullptr || !entry->in_plasma()) continue;  // not made yet
    TraceRetryOrLoss(TraceEventType::kObjectLost,
                     id.IsPut() ? std::nullopt : std::optional(id.task), id,
                     node, "");
    memory_.Delete(id);  // readers wait for the rebuilt copy
    if (rebuilding.count(id.task) > 0) continue;
    if (!id.IsPut() && Reconstruct(id.task)) {
      rebuilding.insert(id.task);
      continue;
    }
    rpc::ObjectValue lost;
    *lost.mutable_error() = MakeError(
        rpc::OBJECT_LOST,
        absl::StrCat("every copy of object ", id.ToString(),
                     " was on node ", node, ", which died, and ",
                     id.IsPut() ? "objects made by Put cannot be rebuilt"
                                : "the task that made it cannot run again"));
    memory_.Put(id, MemoryStore::Entry::Value(std::move(lost)));
  }
}

bool CoreWorker::Reconstruct(TaskId task) {
  if (options_.disable_reconstruction) return false;
  auto it = lineage_.find(task);
  if (it == lineage_.end()) return false;
  auto spec = std::make_shared<rpc::TaskSpec>(*it->second.spec);
  std::vector<ObjectId> ref_args;
  for (const rpc::TaskArg& arg : spec->args()) {
    if (!arg.has_ref()) continue;
    const ObjectId dep = FromProto(arg.ref().id());
    // An argument that was freed cannot be passed again.
    if (refs_.Find(dep) == nullptr) return false;
    ref_args.push_back(dep);
  }
  for (ObjectId dep : ref_args) refs_.AddSubmitted(dep);
  LOG(INFO) << "reconstructing the returns of task " << spec->name() << " "
            << task.ToString();
  runtime_.metrics.objects_reconstructed += spec->num_returns();
  if (runtime_.trace != nullptr) {
    runtime_.trace->MarkReconstructed(task, runtime_.clock.Now());
  }
  ResolveAndSubmit(std::move(spec), std::move(ref_args));
  return true;
}

bool CoreWorker::RetryFromLineage(const rpc::TaskSpec& failed) {
  // Waiting for a lost argument to be rebuilt is not the task failing, so
  // it has its own bound, not max_retries: each attempt waits for the
  // argument's owner to rebuild it.
  constexpr uint32_t kArgumentLossRetriesMax = 10;
  if (failed.attempt() >= kArgumentLossRetriesMax) return false;
  auto it = lineage_.find(FromProto(failed.id()));
  if (it == lineage_.end()) return false;
  auto spec = std::make_shared<rpc::TaskSpec>(*it->second.spec);
  spec->set_attempt(failed.attempt() + 1);
  std::vector<ObjectId> ref_args;
  for (const rpc::TaskArg& arg : spec->args()) {
    if (arg.has_ref()) ref_args.push_back(FromProto(arg.ref().id()));
  }
  ++runtime_.metrics.tasks_retried;
  TraceRetryOrLoss(TraceEventType::kTaskRetried, FromProto(spec->id()),
                   std::nullopt, kNoNode, "an argument was lost",
                   spec->attempt() + 1);
  // The task still holds its arguments: resolving again waits for any that
  // are being rebuilt.
  ResolveAndSubmit(std::move(spec), std::move(ref_args));
  return true;
}

}  // namespace miniray
