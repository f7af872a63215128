// workload: synthetic tasks declared in the scenario file, for studying
// scheduling at scale. Stages are submitted in order; task i of a stage
// depends on `per_task` outputs of each stage it names (see
// scenario.proto). The driver then waits until every task has finished, so
// the makespan covers the whole workload.
// The result counts what ran: "<outputs> outputs, <tasks> tasks".
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/api/miniray.h"
#include "src/common/units.h"
#include "src/programs/program.h"
#include "src/runtime/rng.h"
#include "src/scenario/loader.h"

namespace miniray {
namespace {

std::vector<ObjectRef<Blob>> SubmitStage(
    const scenario::Stage& stage,
    const std::map<std::string, std::vector<ObjectRef<Blob>>>& outputs,
    Rng& rng) {
  SyntheticTaskOptions options;
  options.name = stage.name();
  options.resources = scenario::StageResources(stage);
  options.output_bytes =
      stage.output_size().empty() ? 8 : ParseBytes(stage.output_size()).value();
  const absl::Duration duration = stage.duration().empty()
                                      ? absl::ZeroDuration()
                                      : ParseDuration(stage.duration()).value();
  std::vector<ObjectRef<Blob>> refs;
  refs.reserve(stage.count());
  for (uint64_t i = 0; i < stage.count(); ++i) {
    std::vector<ObjectRef<Blob>> deps;
    for (const scenario::Dependency& dep : stage.dep()) {
      const std::vector<ObjectRef<Blob>>& from = outputs.at(dep.stage());
      const uint64_t per_task = dep.has_per_task() ? dep.per_task() : 1;
      for (uint64_t j = 0; j < per_task; ++j) {
        deps.push_back(from[(i * per_task + j) % from.size()]);
      }
    }
    const double jitter = stage.duration_jitter();
    const double factor = 1.0 + jitter * (2.0 * rng.UniformDouble() - 1.0);
    options.duration = duration * factor;
    refs.push_back(SubmitSynthetic(options, deps));
  }
  return refs;
}

std::string Workload(const ProgramContext& context) {
  const scenario::Workload& workload = context.program->workload();
  Rng rng(context.seed, "workload");
  std::map<std::string, std::vector<ObjectRef<Blob>>> outputs;
  uint64_t tasks = 0;
  for (const scenario::Stage& stage : workload.stage()) {
    outputs[stage.name()] = SubmitStage(stage, outputs, rng);
    tasks += stage.count();
  }
  for (const scenario::Stage& stage : workload.stage()) {
    // An output lost with its node is not ready again until it is rebuilt:
    // wait until every one is there at once.
    std::vector<ObjectRef<Blob>> pending = outputs[stage.name()];
    while (!pending.empty()) {
      WaitResult<Blob> done = Wait(pending, pending.size());
      for (const ObjectRef<Blob>& ref : done.ready) {
        ThrowIfError(CurrentWorker().PeekError(ref.id()));
      }
      pending = std::move(done.not_ready);
    }
  }
  const size_t last = outputs[workload.stage().rbegin()->name()].size();
  return absl::StrCat(last, " outputs, ", tasks, " tasks");
}
MINIRAY_PROGRAM(workload, Workload);

}  // namespace
}  // namespace miniray
