#include "src/testing/fake_owner.h"

#include <algorithm>
#include <utility>

#include "src/rpc/convert.h"

namespace miniray {

FakeOwner::FakeOwner(Transport& transport, Address address)
    : endpoint_(transport, std::move(address)) {
  endpoint_.Handle<GetObjectLocations>(
      [this](rpc::GetObjectLocationsRequest request,
             Respond<GetObjectLocations> respond) {
        ++lookups_;
        auto it = objects_.find(FromProto(request.id()));
        respond(it == objects_.end() ? rpc::GetObjectLocationsReply()
                                     : it->second);
      });
  endpoint_.Handle<UpdateObjectLocation>(
      [this](rpc::UpdateObjectLocationRequest request,
             Respond<UpdateObjectLocation> respond) {
        respond(rpc::UpdateObjectLocationReply());
        updates_.push_back(request);
        auto it = objects_.find(FromProto(request.id()));
        if (it == objects_.end()) return;
        auto* nodes = it->second.mutable_node_ids();
        auto node = std::find(nodes->begin(), nodes->end(), request.node_id());
        if (request.removed() && node != nodes->end()) nodes->erase(node);
        if (!request.removed() && node == nodes->end()) {
          nodes->Add(request.node_id());
        }
      });
}

void FakeOwner::SetLocations(ObjectId id, std::vector<NodeId> nodes,
                             int64_t size) {
  rpc::GetObjectLocationsReply& entry = objects_[id];
  entry.set_known(true);
  entry.set_size(size);
  entry.clear_node_ids();
  for (NodeId node : nodes) entry.add_node_ids(node);
}

rpc::ObjectRefProto FakeOwner::RefTo(ObjectId id) const {
  rpc::ObjectRefProto ref;
  *ref.mutable_id() = ToProto(id);
  ref.set_owner_address(endpoint_.address());
  return ref;
}

}  // namespace miniray
