// Proves the hybrid policy packs locally under the threshold, spreads above
// it, queues where a task fits someday, and reports infeasible tasks.
#include "src/raylet/scheduling_policy.h"

#include <set>

#include "gtest/gtest.h"

namespace miniray {
namespace {

ResourceSet Cpus(double n) { return ResourceSet::FromMap({{"CPU", n}}); }

ClusterView MakeView(NodeId local, const std::vector<std::pair<double, double>>&
                                        total_and_available) {
  ClusterView view(local);
  NodeId id = 0;
  for (const auto& [total, available] : total_and_available) {
    NodeView node;
    node.id = id++;
    node.alive = true;
    node.total = Cpus(total);
    node.available = Cpus(available);
    view.Set(node);
  }
  return view;
}

TEST(HybridSchedulingPolicyTest, PacksLocallyBelowThreshold) {
  Rng rng(1, "test");
  HybridSchedulingPolicy policy({}, rng);
  ClusterView view = MakeView(0, {{4, 4}, {4, 4}});
  SchedulingDecision d = policy.Schedule(Cpus(1), view);
  EXPECT_EQ(d.node, 0u);
  EXPECT_TRUE(d.available);
}

TEST(HybridSchedulingPolicyTest, SpreadsAboveThreshold) {
  Rng rng(1, "test");
  HybridSchedulingPolicy policy({}, rng);
  // Local node 75% used: the idle remote node scores better.
  ClusterView view = MakeView(0, {{4, 1}, {4, 4}});
  EXPECT_EQ(policy.Schedule(Cpus(1), view).node, 1u);
}

TEST(HybridSchedulingPolicyTest, RandomAmongEquallyGoodTopK) {
  Rng rng(1, "test");
  HybridSchedulingPolicy policy({.spread_threshold = 0.5, .top_k_fraction = 0.5},
                                rng);
  ClusterView view =
      MakeView(0, {{4, 0}, {4, 4}, {4, 4}, {4, 4}, {4, 4}, {4, 4}, {4, 4}});
  std::set<NodeId> picked;
  for (int i = 0; i < 200; ++i) picked.insert(policy.Schedule(Cpus(1), view).node);
  EXPECT_GT(picked.size(), 1u);
  EXPECT_EQ(picked.count(0), 0u);  // the full local node is never picked
}

TEST(HybridSchedulingPolicyTest, QueuesWhereItFitsSomeday) {
  Rng rng(1, "test");
  HybridSchedulingPolicy policy({}, rng);
  ClusterView view = MakeView(0, {{4, 0}, {2, 0}});
  SchedulingDecision d = policy.Schedule(Cpus(3), view);
  EXPECT_EQ(d.node, 0u);
  EXPECT_FALSE(d.available);
  ClusterView small_local = MakeView(0, {{2, 0}, {4, 0}});
  EXPECT_EQ(policy.Schedule(Cpus(3), small_local).node, 1u);
}

TEST(HybridSchedulingPolicyTest, InfeasibleWhenNoNodeIsBigEnough) {
  Rng rng(1, "test");
  HybridSchedulingPolicy policy({}, rng);
  ClusterView view = MakeView(0, {{4, 4}, {8, 8}});
  EXPECT_FALSE(policy.Schedule(Cpus(16), view).feasible());
  EXPECT_FALSE(
      policy.Schedule(ResourceSet::FromMap({{"GPU", 1}}), view).feasible());
}

}  // namespace
}  // namespace miniray
