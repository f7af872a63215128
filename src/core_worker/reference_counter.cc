#include "src/core_worker/reference_counter.h"

#include <algorithm>

#include "glog/logging.h"

namespace miniray {

void ReferenceCounter::AddOwned(ObjectId id, const Address& self,
                                WorkerId worker) {
  Reference& ref = refs_[id];
  ref.owned = true;
  ref.owner_address = self;
  ref.owner = worker;
  ++ref.local;
}

bool ReferenceCounter::Owns(ObjectId id) const {
  auto it = refs_.find(id);
  return it != refs_.end() && it->second.owned;
}

void ReferenceCounter::AddLocal(ObjectId id) { ++refs_[id].local; }

void ReferenceCounter::RemoveLocal(ObjectId id) {
  auto it = refs_.find(id);
  CHECK(it != refs_.end() && it->second.local > 0)
      << "releasing a reference never taken: " << id.ToString();
  --it->second.local;
  MaybeRelease(id);
}

void ReferenceCounter::AddSubmitted(ObjectId id) { ++refs_[id].submitted; }

void ReferenceCounter::RemoveSubmitted(ObjectId id) {
  auto it = refs_.find(id);
  CHECK(it != refs_.end() && it->second.submitted > 0)
      << "task argument released twice: " << id.ToString();
  --it->second.submitted;
  MaybeRelease(id);
}

void ReferenceCounter::AddLocation(ObjectId id, NodeId node, int64_t size) {
  auto it = refs_.find(id);
  if (it == refs_.end()) return;  // freed already
  std::vector<NodeId>& locations = it->second.locations;
  auto pos = std::lower_bound(locations.begin(), locations.end(), node);
  if (pos == locations.end() || *pos != node) locations.insert(pos, node);
  if (size > 0) it->second.size = size;
}

void ReferenceCounter::RemoveLocation(ObjectId id, NodeId node) {
  auto it = refs_.find(id);
  if (it == refs_.end()) return;
  std::vector<NodeId>& locations = it->second.locations;
  auto pos = std::lower_bound(locations.begin(), locations.end(), node);
  if (pos != locations.end() && *pos == node) locations.erase(pos);
}

std::vector<ObjectId> ReferenceCounter::RemoveNode(NodeId node) {
  std::vector<ObjectId> lost;
  for (auto& [id, ref] : refs_) {
    auto pos = std::lower_bound(ref.locations.begin(), ref.locations.end(), node);
    if (pos == ref.locations.end() || *pos != node) continue;
    ref.locations.erase(pos);
    if (ref.owned && ref.locations.empty()) lost.push_back(id);
  }
  std::sort(lost.begin(), lost.end());  // hash order must not leak out
  return lost;
}

const ReferenceCounter::Reference* ReferenceCounter::Find(ObjectId id) const {
  auto it = refs_.find(id);
  return it == refs_.end() ? nullptr : &it->second;
}

void ReferenceCounter::MaybeRelease(ObjectId id) {
  auto it = refs_.find(id);
  if (it->second.local > 0 || it->second.submitted > 0) return;
  Reference ref = std::move(it->second);
  refs_.erase(it);
  on_out_of_scope_(id, ref);
}

}  // namespace miniray
