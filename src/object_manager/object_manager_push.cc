// The sending half of the object manager: a node that holds an object
// serves another node's PullObject by pushing it in chunks, at most
// chunks_in_flight_max unacknowledged at once (object_manager.h).
#include <algorithm>
#include <optional>
#include <utility>

#include "src/object_manager/chunk_codec.h"
#include "src/object_manager/object_manager.h"
#include "src/rpc/convert.h"

namespace miniray {

void ObjectManager::HandlePullObject(rpc::PullObjectRequest request,
                                     Respond<PullObject> respond) {
  const ObjectId id = FromProto(request.id());
  const StoredObject* object = store_.Get(id);
  rpc::PullObjectReply reply;
  reply.set_found(object != nullptr);
  if (object == nullptr) {
    respond(std::move(reply));
    return;
  }
  reply.set_object_size(object->size());
  const int64_t chunk_size = std::max<int64_t>(1, request.chunk_size());
  const uint64_t push_id = next_push_id_++;
  Push& push = pushes_[push_id];
  push.id = id;
  push.object = *object;
  push.to = request.requester_address();
  push.chunk_size = chunk_size;
  push.num_chunks =
      std::max<int64_t>(1, (object->size() + chunk_size - 1) / chunk_size);
  respond(std::move(reply));
  SendChunks(push_id);
}

void ObjectManager::SendChunks(uint64_t push_id) {
  Push& push = pushes_.at(push_id);
  const int64_t size = push.object.size();
  const int64_t real = push.object.data.size();
  while (push.in_flight < std::max(1, options_.chunks_in_flight_max) &&
         push.next_chunk < push.num_chunks) {
    const uint32_t i = push.next_chunk++;
    const int64_t begin = i * push.chunk_size;
    const int64_t end = std::min(size, begin + push.chunk_size);
    rpc::PushChunkRequest chunk;
    *chunk.mutable_id() = ToProto(push.id);
    chunk.set_chunk_index(i);
    chunk.set_num_chunks(push.num_chunks);
    chunk.set_object_size(size);
    const int64_t real_end = std::min(end, real);
    // A view of the object's bytes, which it keeps alive until sent, or a
    // copy read elsewhere (Options::read_chunk).
    Bytes data;
    if (begin < real_end) {
      std::optional<Bytes> copy;
      if (options_.read_chunk) {
        copy = options_.read_chunk(push.id, push.object.data, begin,
                                   real_end - begin);
      }
      data = copy.has_value() ? *std::move(copy)
                              : push.object.data.Substr(begin, real_end - begin);
    }
    const int64_t synthetic = (end - begin) - data.size();
    chunk.set_synthetic_bytes(synthetic);
    ++push.in_flight;
    // The message's pieces share the data (chunk_codec.h).
    endpoint_.CallSerialized<PushChunk>(
        push.to, EncodeChunk(chunk, data),
        [this, push_id](absl::StatusOr<rpc::PushChunkReply> reply) {
          OnChunkAcknowledged(push_id, reply.ok());
        },
        CallOptions{.synthetic_bytes = synthetic});
  }
}

void ObjectManager::OnChunkAcknowledged(uint64_t push_id, bool delivered) {
  auto it = pushes_.find(push_id);
  if (it == pushes_.end()) return;
  Push& push = it->second;
  --push.in_flight;
  // A requester that cannot be reached gets no more chunks: it asks this
  // node or another again when it learns the transfer failed.
  if (!delivered) push.next_chunk = push.num_chunks;
  if (push.next_chunk < push.num_chunks) {
    SendChunks(push_id);
  } else if (push.in_flight == 0) {
    pushes_.erase(it);
  }
}

}  // namespace miniray
