// HybridSchedulingPolicy: where should a task run? Ray's default policy.
//
// Pack tasks onto the local node while it is lightly used, then spread:
//   1. If the local node has the resources free now and its utilisation is
//      below `spread_threshold`, run locally.
//   2. Otherwise score every node that has the resources free now: its
//      utilisation, or 0 if below the threshold. Sort by score (local node
//      first among equals, then by id) and pick at random among the best
//      `top_k` (20% of the nodes, at least 1) so that many raylets deciding
//      at once do not all pick the same node.
//   3. If no node has the resources free, queue where the task could run
//      someday: the local node if it is big enough, else the least used node
//      that is.
//   4. If no live node is big enough, the task is infeasible.
// Utilisation is that of the node's most used resource among those the task
// asks for. Ray's policy scores the node's CPU, memory and object store
// memory whatever the task asks for; miniray has no memory resource yet, so
// it scores what the task needs.
//
//   HybridSchedulingPolicy policy({.spread_threshold = 0.5}, rng);
//   SchedulingDecision d = policy.Schedule(demand, view);
//
// Stateless apart from its random source.
#ifndef MINIRAY_RAYLET_SCHEDULING_POLICY_H_
#define MINIRAY_RAYLET_SCHEDULING_POLICY_H_

#include "src/common/ids.h"
#include "src/common/resources.h"
#include "src/raylet/cluster_view.h"
#include "src/runtime/rng.h"

namespace miniray {

struct SchedulingDecision {
  // kNoNode when infeasible.
  NodeId node = kNoNode;
  // The chosen node has the resources free now (else the task waits there).
  bool available = false;
  bool feasible() const { return node != kNoNode; }
};

class HybridSchedulingPolicy {
 public:
  struct Options {
    double spread_threshold = 0.5;
    double top_k_fraction = 0.2;
  };

  HybridSchedulingPolicy(Options options, Rng& rng)
      : options_(options), rng_(rng) {}

  SchedulingDecision Schedule(const ResourceSet& demand,
                              const ClusterView& view);

  // Utilisation of `node`'s most used resource among those in `demand`.
  static double CriticalUtilization(const NodeView& node,
                                    const ResourceSet& demand);

 private:
  Options options_;
  Rng& rng_;
};

}  // namespace miniray

#endif  // MINIRAY_RAYLET_SCHEDULING_POLICY_H_
