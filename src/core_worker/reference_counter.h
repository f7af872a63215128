// ReferenceCounter: which objects this process still references, and, for
// the objects it owns, where their copies are.
//
// Ownership is the heart of Ray's design: the worker that creates an object
// (by submitting the task that returns it, or by Put) owns it. The owner
// counts the references to it, knows its copies' locations (the object
// directory), and frees it when no reference is left.
//
// A reference is held by an ObjectRef handle in program code (local), or by a
// submitted task that takes the object as an argument and has not finished
// (submitted). When both counts drop to zero the object is out of scope and
// the `on_out_of_scope` callback frees it.
//
// Single-threaded, on the core worker's loop.
#ifndef MINIRAY_CORE_WORKER_REFERENCE_COUNTER_H_
#define MINIRAY_CORE_WORKER_REFERENCE_COUNTER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "src/common/ids.h"
#include "src/runtime/transport.h"

namespace miniray {

class ReferenceCounter {
 public:
  struct Reference {
    bool owned = false;
    Address owner_address;
    WorkerId owner = 0;
    int local = 0;
    int submitted = 0;
    // Owner only: nodes holding a copy (sorted) and the object's size.
    std::vector<NodeId> locations;
    int64_t size = 0;
  };
  using OutOfScope = std::function<void(ObjectId, const Reference&)>;

  explicit ReferenceCounter(OutOfScope on_out_of_scope)
      : on_out_of_scope_(std::move(on_out_of_scope)) {}

  // Registers an object this process owns, with one local reference.
  void AddOwned(ObjectId id, const Address& self, WorkerId worker);
  bool Owns(ObjectId id) const;

  void AddLocal(ObjectId id);
  void RemoveLocal(ObjectId id);
  void AddSubmitted(ObjectId id);
  void RemoveSubmitted(ObjectId id);

  void AddLocation(ObjectId id, NodeId node, int64_t size);
  void RemoveLocation(ObjectId id, NodeId node);
  // Forgets `node` as a location of every object; returns the owned objects
  // that had a copy there and now have none, sorted.
  std::vector<ObjectId> RemoveNode(NodeId node);
  // Null if the object is not tracked (never known, or freed).
  const Reference* Find(ObjectId id) const;

  size_t size() const { return refs_.size(); }

 private:
  void MaybeRelease(ObjectId id);

  OutOfScope on_out_of_scope_;
  absl::flat_hash_map<ObjectId, Reference> refs_;
};

}  // namespace miniray

#endif  // MINIRAY_CORE_WORKER_REFERENCE_COUNTER_H_
