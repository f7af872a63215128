// ClusterView: one raylet's picture of every node's resources.
//
// The GCS broadcasts changes; the raylet applies them here. The local node's
// entry is the raylet's own (it knows its resources exactly), so broadcasts
// about it are ignored. Between broadcasts the raylet adjusts a remote
// node's availability itself when it spills a task there, so a burst of
// requests does not all pick the same node (Ray does the same).
// Single-threaded.
#ifndef MINIRAY_RAYLET_CLUSTER_VIEW_H_
#define MINIRAY_RAYLET_CLUSTER_VIEW_H_

#include <string>
#include <vector>

#include "src/common/ids.h"
#include "src/common/resources.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

struct NodeView {
  NodeId id = kNoNode;
  std::string name;
  std::string raylet_address;
  ResourceSet total;
  ResourceSet available;
  bool alive = false;
};

class ClusterView {
 public:
  explicit ClusterView(NodeId local) : local_(local) {}

  // The local node's id, once the GCS has given it.
  void set_local(NodeId local) { local_ = local; }

  // Applies a GCS broadcast. Returns true if any node changed.
  bool Apply(const rpc::ClusterViewUpdate& update);
  // Adds or replaces a node's entry (the local node at startup).
  void Set(NodeView node);

  // Null if the node is unknown.
  const NodeView* Find(NodeId id) const;
  NodeView* FindMutable(NodeId id);
  // All known nodes, by id (entries of unknown ids have alive == false).
  const std::vector<NodeView>& nodes() const { return nodes_; }
  NodeId local() const { return local_; }

 private:
  NodeId local_;
  std::vector<NodeView> nodes_;  // indexed by node id
};

}  // namespace miniray

#endif  // MINIRAY_RAYLET_CLUSTER_VIEW_H_
