#include "src/raylet/scheduling_policy.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

namespace miniray {

double HybridSchedulingPolicy::CriticalUtilization(const NodeView& node,
                                                   const ResourceSet& demand) {
  double critical = 0;
  for (const auto& [name, amount] : demand.entries()) {
    const double total = node.total.Get(name);
    if (total <= 0) continue;
    critical = std::max(critical, 1.0 - node.available.Get(name) / total);
  }
  return critical;
}

SchedulingDecision HybridSchedulingPolicy::Schedule(const ResourceSet& demand,
                                                    const ClusterView& view) {
  const NodeView* local = view.Find(view.local());
  if (local != nullptr && local->alive &&
      demand.IsSubsetOf(local->available) &&
      CriticalUtilization(*local, demand) < options_.spread_threshold) {
    return {local->id, true};
  }

  struct Candidate {
    double score;
    bool remote;
    NodeId id;
  };
  std::vector<Candidate> available;
  const NodeView* best_feasible = nullptr;
  double best_feasible_score = 0;
  for (const NodeView& node : view.nodes()) {
    if (node.id == kNoNode || !node.alive) continue;
    if (!demand.IsSubsetOf(node.total)) continue;
    const double utilization = CriticalUtilization(node, demand);
    const double score =
        utilization < options_.spread_threshold ? 0.0 : utilization;
    const bool remote = node.id != view.local();
    if (demand.IsSubsetOf(node.available)) {
      available.push_back({score, remote, node.id});
    }
    if (best_feasible == nullptr || !remote ||
        (best_feasible->id != view.local() && score < best_feasible_score)) {
      best_feasible = &node;
      best_feasible_score = score;
    }
  }
  if (!available.empty()) {
    std::sort(available.begin(), available.end(),
              [](const Candidate& a, const Candidate& b) {
                return std::tie(a.score, a.remote, a.id) <
                       std::tie(b.score, b.remote, b.id);
              });
    // Only nodes as good as the best are worth a random pick.
    size_t top_k = std::max<size_t>(
        1, static_cast<size_t>(options_.top_k_fraction * view.nodes().size()));
    size_t equally_good = 1;
    while (equally_good < available.size() &&
           available[equally_good].score == available[0].score) {
      ++equally_good;
    }
    top_k = std::min(top_k, equally_good);
    return {available[rng_.Uniform(top_k)].id, true};
  }
  if (best_feasible != nullptr) return {best_feasible->id, false};
  return {};
}

}  // namespace miniray
