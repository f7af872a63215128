// StoreClient: how a core worker reaches its node's object store.
//
// In the simulator, and for a driver that lives in its node's process, the
// store is in the same process: InProcessStoreClient calls it directly. A
// worker in a process of its own reaches the store through shared memory
// and its node's store service instead (src/shared_store/, the role of
// Ray's plasma client). The core worker sees one interface either way.
//
//   InProcessStoreClient client(raylet.store());
//   CoreWorkerRuntime runtime{clock, transport, executor, client, metrics};
//   ...
//   RETURN_IF_ERROR(client.PutPrimary(id, StoredObject{Bytes("42")}));
//   std::optional<StoredObject> object = client.Get(id);
//
// Calls may block the calling fiber (the shared-memory client waits for the
// store service), so they are made from fibers: tasks, programs.
#ifndef MINIRAY_OBJECT_STORE_STORE_CLIENT_H_
#define MINIRAY_OBJECT_STORE_STORE_CLIENT_H_

#include <optional>

#include "absl/status/status.h"
#include "src/common/ids.h"
#include "src/object_store/object_store.h"

namespace miniray {

class StoreClient {
 public:
  virtual ~StoreClient() = default;

  // Adds the node's primary copy of `id`. A reservation for `id` (a pull of
  // a lost copy, under way on this node) gives way to it: the pull sees the
  // copy and stops. Errors as ObjectStore::PutPrimary.
  virtual absl::Status PutPrimary(ObjectId id, StoredObject object) = 0;

  // The sealed object, or nullopt if the node has no copy. The bytes stay
  // readable as long as the returned object (or a copy of its data) lives,
  // even if the store frees or evicts the object meanwhile.
  virtual std::optional<StoredObject> Get(ObjectId id) = 0;

  // Whether calls block the calling fiber (so must be made from one).
  virtual bool blocks() const = 0;
};

// The store in this process.
class InProcessStoreClient final : public StoreClient {
 public:
  explicit InProcessStoreClient(ObjectStore& store) : store_(store) {}

  absl::Status PutPrimary(ObjectId id, StoredObject object) override;
  std::optional<StoredObject> Get(ObjectId id) override;
  bool blocks() const override { return false; }

 private:
  ObjectStore& store_;
};

// StoreClient::PutPrimary on `store` itself: what InProcessStoreClient and
// the shared-memory store service both do.
absl::Status PutPrimaryOverReservation(ObjectStore& store, ObjectId id,
                                       StoredObject object);

}  // namespace miniray

#endif  // MINIRAY_OBJECT_STORE_STORE_CLIENT_H_
