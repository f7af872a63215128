#include "src/raylet/cluster_view.h"

#include <utility>

namespace miniray {

bool ClusterView::Apply(const rpc::ClusterViewUpdate& update) {
  bool changed = false;
  for (const rpc::NodeInfo& info : update.nodes()) {
    if (info.node_id() == local_ && Find(local_) != nullptr) continue;
    NodeView* known = FindMutable(info.node_id());
    if (info.raylet_address().empty()) {
      // A short entry: only availability and liveness changed.
      if (known == nullptr) continue;  // the full entry comes with a full view
      known->available.AssignFromProto(info.available());
      known->alive = info.alive();
      changed = true;
      continue;
    }
    NodeView node;
    node.id = info.node_id();
    node.name = info.name();
    node.raylet_address = info.raylet_address();
    node.total = ResourceSet::FromProto(info.total());
    node.available = ResourceSet::FromProto(info.available());
    node.alive = info.alive();
    Set(std::move(node));
    changed = true;
  }
  return changed;
}

void ClusterView::Set(NodeView node) {
  if (node.id >= nodes_.size()) nodes_.resize(node.id + 1);
  const NodeId id = node.id;
  nodes_[id] = std::move(node);
}

const NodeView* ClusterView::Find(NodeId id) const {
  if (id >= nodes_.size() || nodes_[id].id == kNoNode) return nullptr;
  return &nodes_[id];
}

NodeView* ClusterView::FindMutable(NodeId id) {
  if (id >= nodes_.size() || nodes_[id].id == kNoNode) return nullptr;
  return &nodes_[id];
}

}  // namespace miniray
