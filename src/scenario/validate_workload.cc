// The rules for program.workload: stages are named uniquely, depend only on
// earlier stages, have valid counts, durations and sizes, and ask for
// resources that some node has.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "src/scenario/field_checks.h"
#include "src/scenario/loader.h"
#include "src/scenario/validate.h"

namespace miniray::scenario {
namespace {

double Amount(const Resources& resources, const std::string& name) {
  auto it = resources.find(name);
  return it == resources.end() ? 0 : it->second;
}

bool Fits(const Resources& demand, const Resources& offer) {
  return std::all_of(demand.begin(), demand.end(), [&](const auto& entry) {
    return entry.second <= Amount(offer, entry.first);
  });
}

class WorkloadValidator {
 public:
  WorkloadValidator(const Workload& workload,
                    const std::vector<Resources>* node_offers,
                    Diagnostics* diagnostics)
      : workload_(workload), node_offers_(node_offers), check_(diagnostics) {}

  void Run(const FieldPath& path);

 private:
  void CheckName(const FieldPath& path, const Stage& stage);
  void CheckDependencies(const FieldPath& path, const Stage& stage);
  void CheckFitsSomeNode(const FieldPath& path, const Resources& demand);

  const Workload& workload_;
  const std::vector<Resources>* node_offers_;
  FieldChecks check_;
  // The stages checked so far, by name: those a dependency may name.
  absl::flat_hash_map<std::string, int> earlier_;
};

void WorkloadValidator::Run(const FieldPath& path) {
  if (workload_.stage().empty()) {
    check_.Error(path.Field("stage"),
                 "the \"workload\" program needs at least one stage");
    return;
  }
  for (int i = 0; i < workload_.stage_size(); ++i) {
    const Stage& stage = workload_.stage(i);
    const FieldPath stage_path = path.Element("stage", i);
    CheckName(stage_path, stage);
    check_.AtLeastOne(stage_path.Field("count"), stage.count());
    check_.Duration(stage_path.Field("duration"), stage.duration(),
                    Sign::kNonNegative);
    check_.Fraction(stage_path.Field("duration_jitter"),
                    stage.duration_jitter(), /*one_allowed=*/false);
    check_.Bytes(stage_path.Field("output_size"), stage.output_size(),
                 Sign::kNonNegative);
    CheckDependencies(stage_path, stage);
    if (check_.ResourceAmounts(stage_path, stage.resources())) {
      CheckFitsSomeNode(stage_path.Field("resources"), StageResources(stage));
    }
    earlier_.emplace(stage.name(), i);
  }
}

void WorkloadValidator::CheckName(const FieldPath& path, const Stage& stage) {
  if (stage.name().empty()) {
    check_.Error(path.Field("name"),
                 "must not be empty: later stages refer to a stage by its "
                 "name");
    return;
  }
  auto it = earlier_.find(stage.name());
  if (it != earlier_.end()) {
    check_.Error(path.Field("name"),
                 absl::StrCat("duplicate stage name ", Quote(stage.name()),
                              ", also the name of stage[", it->second, "]"));
  }
}

void WorkloadValidator::CheckDependencies(const FieldPath& path,
                                          const Stage& stage) {
  for (int i = 0; i < stage.dep_size(); ++i) {
    const Dependency& dep = stage.dep(i);
    const FieldPath dep_path = path.Element("dep", i);
    if (dep.has_per_task()) {
      check_.AtLeastOne(dep_path.Field("per_task"), dep.per_task());
    }
    if (earlier_.contains(dep.stage())) continue;
    const auto& stages = workload_.stage();
    const bool exists =
        std::any_of(stages.begin(), stages.end(),
                    [&](const Stage& s) { return s.name() == dep.stage(); });
    if (dep.stage().empty()) {
      check_.Error(dep_path.Field("stage"), "must name an earlier stage");
    } else if (exists) {
      check_.Error(dep_path.Field("stage"),
                   absl::StrCat("stage ", Quote(dep.stage()),
                                " does not come before this one; a stage can "
                                "only consume the outputs of earlier stages"));
    } else {
      check_.Error(dep_path.Field("stage"),
                   absl::StrCat("unknown stage ", Quote(dep.stage())));
    }
  }
}

// Reports a demand that no node can meet even when idle: its tasks would
// wait forever. The demand can fail even when every resource is available
// somewhere, if no node has all of them at once.
void WorkloadValidator::CheckFitsSomeNode(const FieldPath& path,
                                          const Resources& demand) {
  if (node_offers_ == nullptr) return;
  Resources largest;  // The most of each demanded resource on any node.
  for (const auto& [name, amount] : demand) largest[name] = 0;
  for (const Resources& offer : *node_offers_) {
    if (Fits(demand, offer)) return;
    for (auto& [name, most] : largest) {
      most = std::max(most, Amount(offer, name));
    }
  }
  std::string message = absl::StrCat(
      "no node can ever run this task: it needs ", FormatResources(demand));
  if (Fits(demand, largest)) {
    absl::StrAppend(&message,
                    " and no single node has all of it (the most of each on "
                    "any node is ",
                    FormatResources(largest), ")");
  } else if (demand.size() == 1) {
    absl::StrAppend(&message, " and the largest node has ",
                    FormatResources(largest));
  } else {
    absl::StrAppend(&message, " and the most of each on any node is ",
                    FormatResources(largest));
  }
  check_.Error(path, message);
}

}  // namespace

void ValidateWorkload(const FieldPath& path, const Workload& workload,
                      const std::vector<Resources>* node_offers,
                      Diagnostics* diagnostics) {
  WorkloadValidator(workload, node_offers, diagnostics).Run(path);
}

}  // namespace miniray::scenario
