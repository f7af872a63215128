#include "src/object_store/object_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/common/status_macros.h"

namespace miniray {

int64_t StoredObject::size() const {
  return static_cast<int64_t>(data.size()) + synthetic_bytes;
}

namespace {

// Contents handed to PutPrimary or Seal are built by code on this node, so a
// malformed one is a programming error, not an operating one.
void CheckWellFormed(ObjectId id, const StoredObject& object) {
  CHECK(object.data.valid()) << "object " << id.ToString() << " has no data";
  CHECK_GE(object.synthetic_bytes, 0) << "object " << id.ToString();
}

}  // namespace

ObjectStore::ObjectStore(Options options) : options_(options) {
  CHECK_GE(options_.capacity_bytes, 0);
}

absl::Status ObjectStore::PutPrimary(ObjectId id, StoredObject object) {
  CheckWellFormed(id, object);
  if (entries_.contains(id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("object ", id.ToString(), " is already in the store"));
  }
  const int64_t size_bytes = object.size();
  std::vector<ObjectId> evicted;
  RETURN_IF_ERROR(MakeRoom(id, size_bytes, &evicted));
  Entry& entry = entries_[id];
  entry.sealed = true;
  entry.primary = true;
  entry.size_bytes = size_bytes;
  entry.object = std::move(object);
  used_bytes_ += size_bytes;
  ++num_sealed_;
  ++num_primary_;
  CheckInvariants();
  NotifyEvicted(evicted);
  return absl::OkStatus();
}

absl::Status ObjectStore::Create(ObjectId id, int64_t size) {
  if (size < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "object ", id.ToString(), " cannot have negative size ", size));
  }
  if (entries_.contains(id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("object ", id.ToString(), " is already in the store"));
  }
  std::vector<ObjectId> evicted;
  RETURN_IF_ERROR(MakeRoom(id, size, &evicted));
  Entry& entry = entries_[id];
  entry.size_bytes = size;
  used_bytes_ += size;
  CheckInvariants();
  NotifyEvicted(evicted);
  return absl::OkStatus();
}

void ObjectStore::Seal(ObjectId id, StoredObject object) {
  CheckWellFormed(id, object);
  auto it = entries_.find(id);
  CHECK(it != entries_.end())
      << "Seal of " << id.ToString() << " without Create";
  Entry& entry = it->second;
  CHECK(!entry.sealed) << "Seal of " << id.ToString() << " twice";
  CHECK_EQ(object.size(), entry.size_bytes)
      << "Seal of " << id.ToString() << " with a size other than reserved";
  entry.sealed = true;
  entry.object = std::move(object);
  ++num_sealed_;
  AddToLru(id, entry);
  CheckInvariants();
}

void ObjectStore::Abort(ObjectId id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  CHECK(!it->second.sealed) << "Abort of sealed object " << id.ToString();
  Erase(it);
  CheckInvariants();
}

const StoredObject* ObjectStore::Get(ObjectId id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.sealed) return nullptr;
  Entry& entry = it->second;
  if (entry.in_lru) {
    // splice keeps entry.lru_position valid.
    lru_.splice(lru_.end(), lru_, entry.lru_position);
  }
  return &entry.object;
}

void ObjectStore::ReplaceData(ObjectId id, Bytes data) {
  auto it = entries_.find(id);
  CHECK(it != entries_.end() && it->second.sealed)
      << "ReplaceData of absent object " << id.ToString();
  StoredObject& object = it->second.object;
  CHECK_EQ(data.size(), object.data.size()) << id.ToString();
  object.data = std::move(data);
}

const StoredObject* ObjectStore::Peek(ObjectId id) const {
  const Entry* entry = FindSealed(id);
  return entry == nullptr ? nullptr : &entry->object;
}

bool ObjectStore::Contains(ObjectId id) const {
  return FindSealed(id) != nullptr;
}

bool ObjectStore::IsPrimary(ObjectId id) const {
  const Entry* entry = FindSealed(id);
  return entry != nullptr && entry->primary;
}

void ObjectStore::Pin(ObjectId id) {
  auto it = entries_.find(id);
  CHECK(it != entries_.end() && it->second.sealed)
      << "Pin of " << id.ToString() << ", which is not sealed in the store";
  Entry& entry = it->second;
  if (entry.in_lru) RemoveFromLru(entry);
  ++entry.pins;
  CheckInvariants();
}

void ObjectStore::Unpin(ObjectId id) {
  auto it = entries_.find(id);
  CHECK(it != entries_.end() && it->second.pins > 0)
      << "Unpin of " << id.ToString() << ", which is not pinned";
  Entry& entry = it->second;
  --entry.pins;
  if (entry.pins == 0) {
    if (entry.free_pending) {
      Erase(it);
    } else if (!entry.primary) {
      AddToLru(id, entry);
    }
  }
  CheckInvariants();
}

void ObjectStore::Free(ObjectId id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  if (it->second.pins > 0) {
    it->second.free_pending = true;
  } else {
    Erase(it);
  }
  CheckInvariants();
}

void ObjectStore::SetEvictionListener(std::function<void(ObjectId)> listener) {
  eviction_listener_ = std::move(listener);
}

ObjectStore::Stats ObjectStore::stats() const {
  Stats stats;
  stats.used_bytes = used_bytes_;
  stats.evictable_bytes = lru_bytes_;
  stats.capacity_bytes = options_.capacity_bytes;
  stats.num_objects = num_sealed_;
  stats.num_primary = num_primary_;
  stats.num_evictions = num_evictions_;
  stats.bytes_evicted = bytes_evicted_;
  return stats;
}

std::vector<ObjectId> ObjectStore::ListObjects() const {
  std::vector<ObjectId> ids;
  ids.reserve(num_sealed_);
  for (const auto& [id, entry] : entries_) {
    if (entry.sealed) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());  // Hides the hash map's order.
  return ids;
}

absl::Status ObjectStore::MakeRoom(ObjectId id, int64_t size_bytes,
                                   std::vector<ObjectId>* evicted) {
  const int64_t capacity = options_.capacity_bytes;
  // Neither sum overflows: used_bytes_ and lru_bytes_ are within capacity.
  if (size_bytes <= capacity - used_bytes_) return absl::OkStatus();
  if (size_bytes > capacity - used_bytes_ + lru_bytes_) {
    // Checked before evicting, so a failed call leaves the store unchanged.
    return absl::ResourceExhaustedError(
        absl::StrCat("object store cannot fit ", id.ToString(), ": needs ",
                     size_bytes, " bytes, ", used_bytes_, " used (", lru_bytes_,
                     " evictable) of ", capacity, " capacity"));
  }
  while (size_bytes > capacity - used_bytes_) {
    CHECK(!lru_.empty());  // Guaranteed by the lru_bytes_ test above.
    const ObjectId victim = lru_.front();
    auto it = entries_.find(victim);
    CHECK(it != entries_.end());
    ++num_evictions_;
    bytes_evicted_ += it->second.size_bytes;
    evicted->push_back(victim);
    Erase(it);
  }
  return absl::OkStatus();
}

void ObjectStore::Erase(absl::node_hash_map<ObjectId, Entry>::iterator it) {
  Entry& entry = it->second;
  if (entry.in_lru) RemoveFromLru(entry);
  used_bytes_ -= entry.size_bytes;
  if (entry.sealed) --num_sealed_;
  if (entry.primary) --num_primary_;
  entries_.erase(it);
}

void ObjectStore::AddToLru(ObjectId id, Entry& entry) {
  DCHECK(!entry.in_lru);
  entry.lru_position = lru_.insert(lru_.end(), id);
  entry.in_lru = true;
  lru_bytes_ += entry.size_bytes;
}

void ObjectStore::RemoveFromLru(Entry& entry) {
  DCHECK(entry.in_lru);
  lru_.erase(entry.lru_position);
  entry.in_lru = false;
  lru_bytes_ -= entry.size_bytes;
}

void ObjectStore::NotifyEvicted(const std::vector<ObjectId>& evicted) {
  if (evicted.empty() || !eviction_listener_) return;
  // A copy, in case the listener replaces itself while it runs.
  const std::function<void(ObjectId)> listener = eviction_listener_;
  for (ObjectId id : evicted) listener(id);
}

const ObjectStore::Entry* ObjectStore::FindSealed(ObjectId id) const {
  auto it = entries_.find(id);
  if (it == entries_.end() || !it->second.sealed) return nullptr;
  return &it->second;
}

void ObjectStore::CheckInvariants() const {
  // O(1) checks, always on.
  CHECK_GE(used_bytes_, 0);
  CHECK_LE(used_bytes_, options_.capacity_bytes);
  CHECK_GE(lru_bytes_, 0);
  CHECK_LE(lru_bytes_, used_bytes_);
  CHECK_LE(num_primary_, num_sealed_);
  CHECK_LE(num_sealed_, static_cast<int64_t>(entries_.size()));
  CHECK_LE(lru_.size(), entries_.size());
#ifndef NDEBUG
  // O(n) checks, in debug builds only. The walk's order is not observable.
  int64_t used_bytes = 0, lru_bytes = 0, num_in_lru = 0;
  int64_t num_sealed = 0, num_primary = 0;
  for (const auto& [id, entry] : entries_) {
    used_bytes += entry.size_bytes;
    CHECK_EQ(entry.in_lru, entry.sealed && !entry.primary && entry.pins == 0)
        << id.ToString();
    if (entry.in_lru) {
      CHECK(*entry.lru_position == id) << id.ToString();
      lru_bytes += entry.size_bytes;
      ++num_in_lru;
    }
    if (entry.sealed) {
      CHECK(entry.object.data.valid()) << id.ToString();
      CHECK_EQ(entry.object.size(), entry.size_bytes) << id.ToString();
      ++num_sealed;
    } else {
      CHECK(!entry.primary && entry.pins == 0) << id.ToString();
      CHECK(!entry.object.data.valid()) << id.ToString();
    }
    if (entry.primary) ++num_primary;
    if (entry.free_pending) CHECK_GT(entry.pins, 0) << id.ToString();
  }
  CHECK_EQ(used_bytes, used_bytes_);
  CHECK_EQ(lru_bytes, lru_bytes_);
  // Each in-LRU entry points at a distinct node holding its id, so equal
  // counts mean lru_ holds exactly those ids, once each.
  CHECK_EQ(num_in_lru, static_cast<int64_t>(lru_.size()));
  CHECK_EQ(num_sealed, num_sealed_);
  CHECK_EQ(num_primary, num_primary_);
#endif
}

}  // namespace miniray
