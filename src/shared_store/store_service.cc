#include "src/shared_store/store_service.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/object_store/store_client.h"
#include "src/rpc/convert.h"
#include "src/shared_store/shared_segment.h"

namespace miniray {
namespace {

// Recorded segments are first checked against the store at this many.
constexpr size_t kPruneAtLeast = 1024;

}  // namespace

StoreService::StoreService(Transport& transport, Address address,
                           ObjectStore& store, std::string segment_prefix)
    : endpoint_(transport, std::move(address)),
      store_(store),
      prefix_(std::move(segment_prefix)) {
  endpoint_.Handle<PutObject>(
      [this](rpc::StorePutRequest request, Respond<PutObject> respond) {
        HandlePut(std::move(request), std::move(respond));
      });
  endpoint_.Handle<GetObject>(
      [this](rpc::StoreGetRequest request, Respond<GetObject> respond) {
        HandleGet(std::move(request), std::move(respond));
      });
}

absl::Status StoreService::Start() { return endpoint_.Start(); }

void StoreService::HandlePut(rpc::StorePutRequest request,
                             Respond<PutObject> respond) {
  rpc::StorePutReply reply;
  // A worker hands over segments of this node only: the store will unlink
  // the name, and must not unlink anyone else's.
  if (!absl::StartsWith(request.segment(), prefix_) ||
      request.segment().find('/', 1) != std::string::npos ||
      request.synthetic_bytes() < 0) {
    respond(absl::InvalidArgumentError(
        absl::StrCat("not a segment of this store: ", request.segment())));
    return;
  }
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      SharedSegment::Open(request.segment(), /*unlink_at_end=*/true);
  if (!segment.ok()) {
    reply.set_code(static_cast<int>(segment.status().code()));
    reply.set_message(std::string(segment.status().message()));
    respond(std::move(reply));
    return;
  }
  const ObjectId id = FromProto(request.id());
  StoredObject object{SharedSegment::AsBytes(*segment),
                      request.synthetic_bytes()};
  const void* owner = object.data.owner().get();
  absl::Status status =
      PutPrimaryOverReservation(store_, id, std::move(object));
  // On failure the segment goes with the last reference here: unlinked.
  if (status.ok()) {
    segments_[id] = Segment{request.segment(), owner};
    Prune();
  }
  reply.set_code(static_cast<int>(status.code()));
  reply.set_message(std::string(status.message()));
  respond(std::move(reply));
}

void StoreService::HandleGet(rpc::StoreGetRequest request,
                             Respond<GetObject> respond) {
  rpc::StoreGetReply reply;
  const ObjectId id = FromProto(request.id());
  const StoredObject* object = store_.Get(id);
  if (object == nullptr) {
    respond(std::move(reply));
    return;
  }
  absl::StatusOr<std::string> segment = SegmentOf(id, *object);
  if (!segment.ok()) {
    respond(segment.status());
    return;
  }
  reply.set_found(true);
  reply.set_segment(*std::move(segment));
  reply.set_size(static_cast<int64_t>(object->data.size()));
  reply.set_synthetic_bytes(object->synthetic_bytes);
  respond(std::move(reply));
}

absl::StatusOr<std::string> StoreService::SegmentOf(
    ObjectId id, const StoredObject& object) {
  auto it = segments_.find(id);
  if (it != segments_.end() && it->second.owner == object.data.owner().get()) {
    return it->second.name;
  }
  const std::string name = absl::StrCat(prefix_, "n", next_segment_++);
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      SharedSegment::CreateWith(name, object.data.view());
  if (!segment.ok()) return segment.status();
  ++num_copied_;
  bytes_copied_ += static_cast<int64_t>(object.data.size());
  Bytes shared = SharedSegment::AsBytes(*segment);
  const void* owner = shared.owner().get();
  // The copy replaces the bytes it was made from: they go once no reader
  // holds them, and the next worker to ask maps this segment.
  store_.ReplaceData(id, std::move(shared));
  segments_[id] = Segment{name, owner};
  Prune();
  return name;
}

std::optional<ObjectManager::Buffer> StoreService::Allocate(ObjectId id,
                                                            int64_t size) {
  const std::string name = absl::StrCat(prefix_, "n", next_segment_++);
  // Its memory is taken as the chunks are written, each one by the kernel
  // (SharedSegment::Write): no call holds this loop for the whole object
  // while the source, its window of chunks unacknowledged, waits.
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      SharedSegment::Create(name, static_cast<size_t>(size));
  if (!segment.ok()) return std::nullopt;
  std::shared_ptr<SharedSegment> writable = *std::move(segment);
  ObjectManager::Buffer buffer{
      SharedSegment::AsBytes(writable),
      [writable](size_t offset, const Payload& chunk) {
        return writable->Write(offset, chunk);
      }};
  // Recorded now; it counts once the store holds these bytes as the
  // object's (SegmentOf compares owners), so an abandoned transfer's
  // segment is never named to a reader.
  segments_[id] = Segment{name, buffer.bytes.owner().get()};
  Prune();
  return buffer;
}

std::optional<Bytes> StoreService::ReadChunk(ObjectId id, const Bytes& object,
                                             size_t offset,
                                             size_t size) const {
  auto it = segments_.find(id);
  if (it == segments_.end() || it->second.owner != object.owner().get()) {
    return std::nullopt;
  }
  absl::StatusOr<Bytes> copy =
      SharedSegment::ReadRange(it->second.name, offset, size);
  if (!copy.ok()) return std::nullopt;  // freed meanwhile: the mapping serves
  return *std::move(copy);
}

void StoreService::Prune() {
  if (segments_.size() < prune_at_) return;
  for (auto it = segments_.begin(); it != segments_.end();) {
    const StoredObject* object = store_.Peek(it->first);
    if (object == nullptr || object->data.owner().get() != it->second.owner) {
      segments_.erase(it++);
    } else {
      ++it;
    }
  }
  prune_at_ = std::max(kPruneAtLeast, 2 * segments_.size());
}

}  // namespace miniray
