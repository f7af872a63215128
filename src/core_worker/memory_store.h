// MemoryStore: the objects a core worker holds in its own process.
//
// As in Ray, the owner keeps small task results (returned inline) and errors
// here, and, for an object that lives in a node's object store, a marker
// saying so. Code that needs an object registers a callback, called when the
// entry arrives (at once if it is here):
//
//   store.GetAsync(id, [](const MemoryStore::Entry& entry) { ... });
//   store.Put(id, MemoryStore::Entry::Value(std::move(value)));
//
// Single-threaded, on the core worker's loop.
#ifndef MINIRAY_CORE_WORKER_MEMORY_STORE_H_
#define MINIRAY_CORE_WORKER_MEMORY_STORE_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

class MemoryStore {
 public:
  struct Entry {
    // The value or error; null when the object is in a node's object store.
    std::shared_ptr<const rpc::ObjectValue> value;
    bool in_plasma() const { return value == nullptr; }

    static Entry Value(rpc::ObjectValue value) {
      return Entry{std::make_shared<const rpc::ObjectValue>(std::move(value))};
    }
    static Entry InPlasma() { return Entry{}; }
  };
  using Callback = std::function<void(const Entry&)>;

  // Stores the entry (replacing any) and runs the callbacks waiting for it.
  void Put(ObjectId id, Entry entry);
  // The entry, or null.
  const Entry* Get(ObjectId id) const;
  void GetAsync(ObjectId id, Callback callback);
  // Drops the entry; callbacks still waiting stay registered.
  void Delete(ObjectId id);

  size_t size() const { return entries_.size(); }

 private:
  absl::flat_hash_map<ObjectId, Entry> entries_;
  absl::flat_hash_map<ObjectId, std::vector<Callback>> waiting_;
};

}  // namespace miniray

#endif  // MINIRAY_CORE_WORKER_MEMORY_STORE_H_
