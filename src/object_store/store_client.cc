#include "src/object_store/store_client.h"

#include <utility>

namespace miniray {

absl::Status PutPrimaryOverReservation(ObjectStore& store, ObjectId id,
                                       StoredObject object) {
  absl::Status status = store.PutPrimary(id, object);
  if (absl::IsAlreadyExists(status) && !store.Contains(id)) {
    // A pull of the lost copy holds a reservation for it here: the rebuilt
    // primary copy takes its place (the pull sees it and stops).
    store.Free(id);
    status = store.PutPrimary(id, std::move(object));
  }
  return status;
}

absl::Status InProcessStoreClient::PutPrimary(ObjectId id,
                                              StoredObject object) {
  return PutPrimaryOverReservation(store_, id, std::move(object));
}

std::optional<StoredObject> InProcessStoreClient::Get(ObjectId id) {
  const StoredObject* object = store_.Get(id);
  if (object == nullptr) return std::nullopt;
  return *object;
}

}  // namespace miniray
