#include "src/object_manager/object_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/common/status_macros.h"
#include "src/object_manager/chunk_codec.h"
#include "src/rpc/convert.h"

namespace miniray {

ObjectManager::ObjectManager(Clock& clock, RpcEndpoint& endpoint,
                             ObjectStore& store, const ClusterView& view,
                             Metrics& metrics, Options options)
    : clock_(clock),
      endpoint_(endpoint),
      store_(store),
      view_(view),
      metrics_(metrics),
      options_(options) {
  endpoint_.Handle<PullObject>([this](auto request, auto respond) {
    HandlePullObject(std::move(request), std::move(respond));
  });
  // Chunks are read in place (chunk_codec.h): their data is copied once,
  // from the buffers it was received in to where the object is assembled.
  endpoint_.HandleSerialized<PushChunk>(
      [this](Payload bytes, Respond<PushChunk> respond) {
        rpc::PushChunkRequest header;
        Payload data;
        if (!DecodeChunk(bytes, header, data)) {
          respond(absl::InvalidArgumentError(
              absl::StrCat("malformed request for ", PushChunk::kName)));
          return;
        }
        HandlePushChunk(header, data, std::move(respond));
      });
}

ObjectManager::~ObjectManager() {
  for (const auto& [id, transfer] : transfers_) {
    clock_.Cancel(transfer.progress_timer);
  }
}

void ObjectManager::Pull(const rpc::ObjectRefProto& ref, PullCallback done) {
  const ObjectId id = FromProto(ref.id());
  if (store_.Contains(id)) {
    done(rpc::ErrorInfo());
    return;
  }
  auto [it, inserted] = transfers_.try_emplace(id);
  it->second.callbacks.push_back(std::move(done));
  if (!inserted) return;  // joins the transfer under way
  it->second.ref = ref;
  it->second.started = clock_.Now();
  LookUp(id);
}

void ObjectManager::LookUp(ObjectId id) {
  Transfer& transfer = transfers_.at(id);
  ++transfer.lookups;
  rpc::GetObjectLocationsRequest request;
  *request.mutable_id() = ToProto(id);
  endpoint_.Call<GetObjectLocations>(
      transfer.ref.owner_address(), request,
      [this, id](absl::StatusOr<rpc::GetObjectLocationsReply> reply) {
        OnLocations(id, std::move(reply));
      });
}

void ObjectManager::OnLocations(
    ObjectId id, absl::StatusOr<rpc::GetObjectLocationsReply> reply) {
  auto transfer = transfers_.find(id);
  if (transfer == transfers_.end()) return;  // freed meanwhile
  // The object may have appeared here meanwhile (rebuilt by a task that ran
  // on this node): the transfer is done.
  if (store_.Contains(id)) {
    Finish(id, rpc::ErrorInfo());
    return;
  }
  if (!reply.ok()) {
    Finish(id, MakeError(rpc::OWNER_DIED,
                         absl::StrCat(
                             "the owner of object ", id.ToString(),
                             " is unreachable: ", reply.status().message())));
    return;
  }
  if (!reply->known()) {
    Finish(id, MakeError(rpc::OBJECT_LOST,
                         absl::StrCat("object ", id.ToString(),
                                      " is not known to its owner (freed)")));
    return;
  }
  // Spread pullers over the copies: each node starts at a different one.
  const std::vector<NodeId>& failed = transfers_.at(id).failed_sources;
  std::vector<const NodeView*> sources;
  for (uint32_t node_id : reply->node_ids()) {
    const NodeView* node = view_.Find(node_id);
    const bool failed_before =
        std::find(failed.begin(), failed.end(), node_id) != failed.end();
    if (node != nullptr && node->alive && node_id != view_.local() &&
        !failed_before) {
      sources.push_back(node);
    }
  }
  if (sources.empty()) {
    RetryLookUp(id);
    return;
  }
  ReserveAndRequest(id, sources[view_.local() % sources.size()]->id,
                    reply->size());
}

void ObjectManager::ReserveAndRequest(ObjectId id, NodeId source,
                                      int64_t size) {
  Transfer& transfer = transfers_.at(id);
  if (!transfer.created && size > 0) {
    absl::Status status = store_.Create(id, size);
    if (absl::IsResourceExhausted(status)) {
      if (++transfer.room_attempts >= options_.room_attempts_max) {
        Finish(id, MakeError(rpc::OBJECT_STORE_FULL,
                             absl::StrCat("no room for object ", id.ToString(),
                                          ": ", status.message())));
        return;
      }
      clock_.RunAfter(options_.room_retry_delay, [this, id, source, size] {
        if (transfers_.contains(id)) ReserveAndRequest(id, source, size);
      });
      return;
    }
    if (!status.ok()) {
      Finish(id, MakeError(rpc::OBJECT_STORE_FULL,
                           absl::StrCat("cannot store object ", id.ToString(),
                                        ": ", status.message())));
      return;
    }
    transfer.created = true;
    transfer.size = size;
  }
  const NodeView* node = view_.Find(source);
  if (node == nullptr || !node->alive) {
    RetryLookUp(id);
    return;
  }
  RequestFrom(id, *node);
}

void ObjectManager::RetryLookUp(ObjectId id) {
  Transfer& transfer = transfers_.at(id);
  if (transfer.lookups >= options_.lookup_attempts_max) {
    const std::string stalled =
        transfer.stalls == 0
            ? ""
            : absl::StrCat(" (a push of it stopped: no chunk came for ",
                           absl::FormatDuration(options_.progress_timeout),
                           ", ", transfer.stalls, " times in a row)");
    Finish(id, MakeError(rpc::OBJECT_LOST,
                         absl::StrCat("no node holds a copy of object ",
                                      id.ToString(), stalled)));
    return;
  }
  clock_.RunAfter(options_.lookup_retry_delay, [this, id] {
    if (transfers_.contains(id)) LookUp(id);
  });
}

void ObjectManager::RequestFrom(ObjectId id, const NodeView& source) {
  transfers_.at(id).source = source.id;
  rpc::PullObjectRequest request;
  *request.mutable_id() = ToProto(id);
  request.set_requester_address(endpoint_.address());
  request.set_chunk_size(options_.chunk_size);
  endpoint_.Call<PullObject>(
      source.raylet_address, request,
      [this, id, node = source.id](absl::StatusOr<rpc::PullObjectReply> reply) {
        auto it = transfers_.find(id);
        if (it == transfers_.end()) return;
        // Given up on already (OnNodeDied): another source is being asked.
        if (it->second.source != node) return;
        if (!reply.ok() || !reply->found()) {
          it->second.failed_sources.push_back(node);
          RetryLookUp(id);
          return;
        }
        // The chunks are on their way; a push that stops is noticed.
        ArmProgressTimer(id, options_.progress_timeout);
      },
      CallOptions{.timeout = options_.pull_timeout});
}

void ObjectManager::ArmProgressTimer(ObjectId id, absl::Duration delay) {
  Transfer& transfer = transfers_.at(id);
  clock_.Cancel(transfer.progress_timer);
  transfer.chunks_at_check = transfer.chunks_received;
  transfer.progress_timer =
      clock_.RunAfter(delay, [this, id] { CheckProgress(id); });
}

void ObjectManager::CheckProgress(ObjectId id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  Transfer& transfer = it->second;
  transfer.progress_timer = 0;
  if (transfer.source == kNoNode) return;  // another source is being found
  if (transfer.chunks_received > transfer.chunks_at_check) {
    // Chunks came: check again progress_timeout after the last one (one
    // timer per period, not one per chunk).
    transfer.stalls = 0;
    ArmProgressTimer(id, transfer.last_chunk_time + options_.progress_timeout -
                             clock_.Now());
    return;
  }
  // No chunk for progress_timeout: the push stopped (or the source's node
  // is dead and not yet known to be). Ask again, a bounded number of times.
  ++transfer.stalls;
  const NodeView* node = view_.Find(transfer.source);
  if (transfer.stalls <= options_.progress_retries_max && node != nullptr &&
      node->alive) {
    LOG(WARNING) << "object " << id.ToString() << ": no chunk from node "
                 << transfer.source << " for "
                 << absl::FormatDuration(options_.progress_timeout)
                 << ", asking it again";
    RequestFrom(id, *node);
    return;
  }
  transfer.failed_sources.push_back(transfer.source);
  transfer.source = kNoNode;
  RetryLookUp(id);
}

void ObjectManager::OnNodeDied(NodeId node) {
  std::vector<ObjectId> waiting;
  for (const auto& [id, transfer] : transfers_) {
    if (transfer.source == node) waiting.push_back(id);
  }
  std::sort(waiting.begin(), waiting.end());  // deterministic order
  for (ObjectId id : waiting) {
    Transfer& transfer = transfers_.at(id);
    clock_.Cancel(transfer.progress_timer);
    transfer.progress_timer = 0;
    transfer.source = kNoNode;
    transfer.failed_sources.push_back(node);
    RetryLookUp(id);
  }
}

void ObjectManager::HandlePushChunk(const rpc::PushChunkRequest& request,
                                    const Payload& data,
                                    Respond<PushChunk> respond) {
  respond(rpc::PushChunkReply());
  const ObjectId id = FromProto(request.id());
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;  // not wanted any more
  Transfer& transfer = it->second;
  if (transfer.created && transfer.received.empty()) {
    // Room was reserved from the owner's size; the chunks confirm it.
    if (request.object_size() != transfer.size) {
      Finish(id,
             MakeError(rpc::OBJECT_LOST,
                       absl::StrCat("object ", id.ToString(), " is ",
                                    request.object_size(),
                                    " bytes, its owner said ", transfer.size)));
      return;
    }
    transfer.num_chunks = request.num_chunks();
    transfer.received.assign(request.num_chunks(), false);
  }
  if (!transfer.created) {
    absl::Status status = store_.Create(id, request.object_size());
    if (!status.ok()) {
      Finish(id, MakeError(rpc::OBJECT_STORE_FULL,
                           absl::StrCat("no room for object ", id.ToString(),
                                        ": ", status.message())));
      return;
    }
    transfer.created = true;
    transfer.size = request.object_size();
    transfer.num_chunks = request.num_chunks();
    transfer.received.assign(request.num_chunks(), false);
  }
  const uint32_t index = request.chunk_index();
  if (index >= transfer.num_chunks || transfer.received[index]) return;
  transfer.received[index] = true;
  ++transfer.chunks_received;
  transfer.last_chunk_time = clock_.Now();
  // Real bytes come first in an object, so chunks append in index order;
  // chunks are only placed once all are here.
  if (!data.empty()) {
    absl::Status placed = PlaceChunk(id, transfer, index * options_.chunk_size,
                                     data, request.synthetic_bytes() != 0);
    if (!placed.ok()) {
      Finish(id, MakeError(rpc::OBJECT_STORE_FULL,
                           absl::StrCat("no room for object ", id.ToString(),
                                        ": ", placed.message())));
      return;
    }
  }
  transfer.synthetic_bytes += request.synthetic_bytes();
  if (transfer.chunks_received == transfer.num_chunks) Complete(id);
}

void ObjectManager::Complete(ObjectId id) {
  Transfer& transfer = transfers_.at(id);
  if (store_.Contains(id)) {
    // A task on this node made the object again meanwhile (its primary copy
    // replaced our reservation): the pulled copy is not needed.
    transfer.created = false;
    Finish(id, rpc::ErrorInfo());
    return;
  }
  // Large objects of real bytes (the real runtime's) log their pull's rate,
  // which benchmarks of a transfer cannot tell from the reader's work.
  if (transfer.buffer.has_value() && transfer.size >= (64 << 20)) {
    const absl::Duration took = clock_.Now() - transfer.started;
    LOG(INFO) << "pulled object " << id.ToString() << " (" << transfer.size
              << " bytes) from node " << transfer.source << " in "
              << absl::FormatDuration(took) << ", "
              << transfer.size / absl::ToDoubleSeconds(took) / 1e9 << " GB/s";
  }
  StoredObject object;
  object.data = AssembledBytes(transfer);
  object.synthetic_bytes = transfer.synthetic_bytes;
  CHECK_EQ(object.size(), transfer.size) << "chunks do not add up";
  store_.Seal(id, std::move(object));
  secondary_owners_[id] = transfer.ref;
  ++metrics_.objects_transferred;
  metrics_.bytes_transferred += transfer.size;
  if (options_.trace != nullptr) {
    options_.trace->Record({.time = clock_.Now(),
                            .type = TraceEventType::kObjectTransferred,
                            .object = id,
                            .node = transfer.source,
                            .to_node = view_.local(),
                            .bytes = transfer.size});
  }
  NotifyOwner(transfer.ref, /*removed=*/false);
  Finish(id, rpc::ErrorInfo());
}

void ObjectManager::Finish(ObjectId id, const rpc::ErrorInfo& error) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  Transfer transfer = std::move(it->second);
  transfers_.erase(it);
  clock_.Cancel(transfer.progress_timer);
  if (error.type() != rpc::ERROR_NONE && transfer.created) store_.Abort(id);
  for (PullCallback& callback : transfer.callbacks) callback(error);
}

absl::Status ObjectManager::PlaceChunk(ObjectId id, Transfer& transfer,
                                       size_t offset, const Payload& bytes,
                                       bool has_synthetic) {
  std::string& data = transfer.data;
  // An object of real bytes only (all of them, in the real runtime) gets
  // one allocation of its whole size at its first chunk: in the buffer
  // the allocator gives (shared memory), else in the string.
  if (data.empty() && !transfer.buffer.has_value() && !has_synthetic) {
    if (options_.allocate)
      transfer.buffer = options_.allocate(id, transfer.size);
    if (!transfer.buffer.has_value()) data.reserve(transfer.size);
  }
  if (transfer.buffer.has_value() &&
      offset + bytes.size() <= static_cast<size_t>(transfer.size)) {
    RETURN_IF_ERROR(transfer.buffer->write(offset, bytes));
    transfer.buffer_bytes += static_cast<int64_t>(bytes.size());
    return absl::OkStatus();
  }
  if (offset == data.size()) {
    bytes.AppendTo(data);  // in order, the usual case
    return absl::OkStatus();
  }
  if (data.size() < offset + bytes.size()) data.resize(offset + bytes.size());
  for (const Bytes& piece : bytes.pieces()) {
    data.replace(offset, piece.size(), piece.data(), piece.size());
    offset += piece.size();
  }
  return absl::OkStatus();
}

Bytes ObjectManager::AssembledBytes(Transfer& transfer) {
  if (!transfer.buffer.has_value()) return Bytes(std::move(transfer.data));
  Bytes bytes = std::move(transfer.buffer->bytes);
  transfer.buffer.reset();
  if (transfer.buffer_bytes == static_cast<int64_t>(bytes.size()) &&
      transfer.data.empty()) {
    return bytes;  // the usual case: every byte landed in the buffer
  }
  // Not all real bytes (the object also had synthetic ones, or chunks went
  // past the buffer): fall back to one string.
  std::string all(bytes.view().substr(0, transfer.buffer_bytes));
  all += transfer.data;
  return Bytes(std::move(all));
}

void ObjectManager::Forget(ObjectId id) {
  secondary_owners_.erase(id);
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  // The store aborts the reservation itself when the object is freed.
  Transfer transfer = std::move(it->second);
  transfers_.erase(it);
  clock_.Cancel(transfer.progress_timer);
  const rpc::ErrorInfo error = MakeError(
      rpc::OBJECT_LOST,
      absl::StrCat("object ", id.ToString(), " was freed by its owner"));
  for (PullCallback& callback : transfer.callbacks) callback(error);
}

void ObjectManager::OnEvicted(ObjectId id) {
  ++metrics_.objects_evicted;
  if (options_.trace != nullptr) {
    options_.trace->Record({.time = clock_.Now(),
                            .type = TraceEventType::kObjectEvicted,
                            .object = id,
                            .node = view_.local()});
  }
  auto it = secondary_owners_.find(id);
  if (it == secondary_owners_.end()) return;
  NotifyOwner(it->second, /*removed=*/true);
  secondary_owners_.erase(it);
}

void ObjectManager::NotifyOwner(const rpc::ObjectRefProto& ref, bool removed) {
  rpc::UpdateObjectLocationRequest update;
  *update.mutable_id() = ref.id();
  update.set_node_id(view_.local());
  update.set_removed(removed);
  update.set_raylet_address(endpoint_.address());
  endpoint_.Call<UpdateObjectLocation>(ref.owner_address(), update, nullptr);
}

}  // namespace miniray
