// ObjectStore is the per-node store of immutable objects kept by a raylet (the
// role of Ray's plasma store), with a fixed byte capacity.
//
// It holds two kinds of copies:
//  - A primary copy is the one made on the node where the object was created
//    (PutPrimary). It is never evicted; it stays until the owner calls Free.
//  - A secondary copy was pulled from another node, in chunks: Create reserves
//    the bytes, Seal stores the contents, Abort gives the bytes back. Sealed
//    secondary copies can be evicted, least recently used first, to make room
//    for new objects; the eviction listener hears about each one.
// A Pin protects a sealed copy from eviction (and defers its Free) while a task
// on this node reads it.
//
// Ownership: the store owns the StoredObject records; their bytes are shared
// and immutable (Bytes), so a reader may keep `data` alive past a Free or
// eviction.
//
// Threading: not thread-safe. The owner calls it from a single event loop.
// Determinism: which objects are evicted, and the order the listener hears of
// them, depend only on the sequence of calls made.
//
// Example:
//   ObjectStore::Options options;
//   options.capacity_bytes = 1 << 20;
//   ObjectStore store(options);
//   store.SetEvictionListener([&](ObjectId id) { ReportLost(id); });
//   RETURN_IF_ERROR(store.PutPrimary(id, StoredObject{Bytes("hello")}));
//
//   RETURN_IF_ERROR(store.Create(remote_id, remote_size));  // pull starts
//   ...
//   store.Seal(remote_id, std::move(received));              // pull finished
//
//   store.Pin(remote_id);                                    // task starts
//   const StoredObject* arg = store.Get(remote_id);
//   ...
//   store.Unpin(remote_id);                                  // task done
#ifndef MINIRAY_OBJECT_STORE_OBJECT_STORE_H_
#define MINIRAY_OBJECT_STORE_OBJECT_STORE_H_

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "src/common/bytes.h"
#include "src/common/ids.h"

namespace miniray {

// An object's contents. `data` holds real bytes. `synthetic_bytes` counts bytes
// a synthetic workload object stands for without allocating them; they count
// toward capacity and transfer time like real bytes.
struct StoredObject {
  Bytes data;                  // valid() once stored.
  int64_t synthetic_bytes = 0;  // >= 0.

  // data.size() + synthetic_bytes.
  int64_t size() const;
};

class ObjectStore {
 public:
  struct Options {
    int64_t capacity_bytes = 1LL << 30;  // >= 0.
  };

  struct Stats {
    int64_t used_bytes = 0;      // Sealed objects plus pending reservations.
    int64_t evictable_bytes = 0;  // Of which unpinned secondary copies.
    int64_t capacity_bytes = 0;  // Options::capacity_bytes.
    int64_t num_objects = 0;     // Sealed objects present (as ListObjects).
    int64_t num_primary = 0;     // Of which primary copies.
    int64_t num_evictions = 0;   // Secondary copies evicted, since creation.
    int64_t bytes_evicted = 0;   // Their total size.
  };

  explicit ObjectStore(Options options);

  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Adds a sealed primary copy of `id`. Makes room by evicting unpinned
  // secondary copies, least recently used first, but evicts nothing if that
  // would still not be enough. Returns:
  //  - AlreadyExists if `id` is present in any state (sealed, reserved, or
  //    awaiting a deferred Free); nothing changes.
  //  - ResourceExhausted if it cannot fit even after evicting every evictable
  //    copy; nothing changes.
  // `object.data` must be valid and `object.synthetic_bytes` must be >= 0
  // (CHECK).
  absl::Status PutPrimary(ObjectId id, StoredObject object);

  // Reserves `size` bytes for a secondary copy of `id` that is arriving from
  // another node, evicting as PutPrimary does. Until Seal the object is not
  // visible to Get/Contains/ListObjects and cannot be evicted or pinned.
  // Returns InvalidArgument if size < 0, and AlreadyExists or
  // ResourceExhausted as PutPrimary; on error nothing changes.
  absl::Status Create(ObjectId id, int64_t size);

  // Stores the contents of a reservation made by Create and makes it an
  // evictable (most recently used) secondary copy. CHECKs that `id` has a
  // pending reservation and that object.size() equals the reserved size.
  void Seal(ObjectId id, StoredObject object);

  // Releases the reservation made by Create (the transfer failed). A no-op if
  // `id` has no entry at all (e.g. Free already aborted it); CHECKs that `id`
  // is not sealed.
  void Abort(ObjectId id);

  // The sealed object, or nullptr if it is absent or not yet sealed. Marks an
  // evictable copy most recently used. The pointer stays valid until the
  // object is freed or evicted: pin the object to hold on to it across calls
  // that may evict (PutPrimary, Create).
  const StoredObject* Get(ObjectId id);

  // Swaps the bytes of sealed object `id` for the same bytes held elsewhere
  // (say, copied into shared memory that workers map). CHECKs that `id` is
  // sealed and that `data` has the size of the bytes it replaces.
  void ReplaceData(ObjectId id, Bytes data);

  // As Get, without touching the LRU order (for bookkeeping, not reads).
  const StoredObject* Peek(ObjectId id) const;

  // True if `id` is sealed and present (including a pinned object whose Free
  // is deferred). Does not touch the LRU order.
  bool Contains(ObjectId id) const;

  // True if `id` is sealed, present, and the primary copy.
  bool IsPrimary(ObjectId id) const;

  // Pins protect a sealed copy from eviction while a task on this node uses
  // it. They are counted: each Pin needs one Unpin. Pinning an object that is
  // absent or not sealed, or unpinning one that is not pinned, is a
  // programming error (CHECK). When the last pin of a secondary copy is
  // released it becomes evictable again, as the most recently used; if Free
  // was called while it was pinned, it is deleted then instead.
  void Pin(ObjectId id);
  void Unpin(ObjectId id);

  // The owner no longer needs the object: deletes the copy (primary or
  // secondary) and releases its bytes. If it is pinned, deletion is deferred
  // until the last Unpin; it stays readable until then. A pending Create is
  // aborted. Unknown id: no-op. Never calls the eviction listener.
  void Free(ObjectId id);

  // Called with each secondary copy evicted to make room, in eviction order,
  // so the raylet can tell the object's owner this location is gone. Calls
  // happen synchronously inside the PutPrimary/Create that evicted, after the
  // store has finished that call's changes, so the listener may call back
  // into the store.
  void SetEvictionListener(std::function<void(ObjectId)> listener);

  Stats stats() const;

  // Ids of the sealed objects present, sorted (for tests, debugging and
  // deterministic reports).
  std::vector<ObjectId> ListObjects() const;

 private:
  struct Entry {
    bool sealed = false;     // False while a Create awaits Seal.
    bool primary = false;    // Only sealed copies can be primary.
    int64_t size_bytes = 0;  // Reserved bytes; equals object.size() if sealed.
    StoredObject object;     // data is not valid() until sealed.
    int64_t pins = 0;
    bool free_pending = false;  // Free was called while pinned.
    bool in_lru = false;        // lru_position is valid iff in_lru.
    std::list<ObjectId>::iterator lru_position;
  };

  // Evicts LRU secondary copies until `size_bytes` more fit, appending their
  // ids to `evicted`. Evicts nothing and returns ResourceExhausted if they
  // would not fit even then.
  absl::Status MakeRoom(ObjectId id, int64_t size_bytes,
                        std::vector<ObjectId>* evicted);
  void Erase(absl::node_hash_map<ObjectId, Entry>::iterator it);
  void AddToLru(ObjectId id, Entry& entry);
  void RemoveFromLru(Entry& entry);
  void NotifyEvicted(const std::vector<ObjectId>& evicted);
  const Entry* FindSealed(ObjectId id) const;
  void CheckInvariants() const;

  const Options options_;
  std::function<void(ObjectId)> eviction_listener_;

  // Invariants (checked by CheckInvariants):
  //  - used_bytes_ == sum of size_bytes over all entries, sealed or reserved,
  //    and 0 <= used_bytes_ <= options_.capacity_bytes.
  //  - An entry is in lru_ (in_lru) iff it is sealed, secondary and unpinned.
  //    So primary copies, pinned copies and reservations are never evicted.
  //    lru_ holds each such id exactly once, least recently used at the front.
  //  - lru_bytes_ == sum of size_bytes over the entries in lru_: the most
  //    that eviction can free.
  //  - A reservation (!sealed) is secondary, unpinned, with no data.
  //  - A sealed entry has valid data and object.size() == size_bytes.
  //  - free_pending implies pins > 0.
  //  - num_sealed_ and num_primary_ count the sealed and primary entries.
  // Entries live in a node_hash_map so that pointers returned by Get survive
  // rehashing. The map is never iterated where the order is observable.
  absl::node_hash_map<ObjectId, Entry> entries_;
  std::list<ObjectId> lru_;
  int64_t used_bytes_ = 0;
  int64_t lru_bytes_ = 0;
  int64_t num_sealed_ = 0;
  int64_t num_primary_ = 0;
  int64_t num_evictions_ = 0;
  int64_t bytes_evicted_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_OBJECT_STORE_OBJECT_STORE_H_
