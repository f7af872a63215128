#include "src/core_worker/memory_store.h"

#include <utility>

namespace miniray {

void MemoryStore::Put(ObjectId id, Entry entry) {
  entries_[id] = entry;
  auto it = waiting_.find(id);
  if (it == waiting_.end()) return;
  std::vector<Callback> callbacks = std::move(it->second);
  waiting_.erase(it);
  for (Callback& callback : callbacks) callback(entry);
}

const MemoryStore::Entry* MemoryStore::Get(ObjectId id) const {
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : &it->second;
}

void MemoryStore::GetAsync(ObjectId id, Callback callback) {
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    const Entry entry = it->second;  // the callback may Delete it
    callback(entry);
    return;
  }
  waiting_[id].push_back(std::move(callback));
}

void MemoryStore::Delete(ObjectId id) { entries_.erase(id); }

}  // namespace miniray
