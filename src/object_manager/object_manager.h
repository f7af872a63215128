// ObjectManager: moves objects between the object stores of nodes.
//
// Part of each raylet. When a task or a worker on this node needs an object
// that is not in the local store, the object manager pulls it:
//
//   1. ask the object's owner where copies are (GetObjectLocations);
//   2. ask one of those nodes for it (PullObject); that node answers whether
//      it has it and then pushes the object in chunks (PushChunk), each
//      taking its share of the link's bandwidth. At most
//      chunks_in_flight_max chunks of one push are unacknowledged at a time
//      (as Ray's object manager bounds the chunks it has in flight): enough
//      to keep the link busy, while a 1 GiB object is not copied into
//      messages all at once;
//   3. reserve room in the local store, assemble the chunks, seal the copy as
//      a secondary copy and tell the owner about the new location.
//
// A push can stop half way (a chunk the network lost ends it). The puller
// keeps a progress timer, as Ray's pull manager retries a pull after
// object_manager_pull_timeout_ms: when no new chunk of the object arrived
// for progress_timeout it asks the source again (which pushes the object
// anew; chunks already here are skipped), and after progress_retries_max
// such asks without progress it gives the source up and asks the owner for
// another copy.
//
// Concurrent pulls of one object share one transfer. Secondary copies the
// store evicts are reported to their owner.
//
//   object_manager.Pull(ref, [](const rpc::ErrorInfo& error) {
//     if (error.type() == rpc::ERROR_NONE) { ...the object is local... }
//   });
//
// Single-threaded, on the raylet's loop.
#ifndef MINIRAY_OBJECT_MANAGER_OBJECT_MANAGER_H_
#define MINIRAY_OBJECT_MANAGER_OBJECT_MANAGER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "src/common/metrics.h"
#include "src/object_store/object_store.h"
#include "src/proto/miniray.pb.h"
#include "src/raylet/cluster_view.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

class ObjectManager {
 public:
  using PullCallback = std::function<void(const rpc::ErrorInfo& error)>;

  // Room for a pulled object's bytes, written chunk by chunk with `write`,
  // then stored as `bytes`.
  struct Buffer {
    Bytes bytes;
    // Copies a chunk to bytes [offset, offset + chunk.size()) of `bytes`
    // (a shared-memory segment: SharedSegment::Write). An error fails the
    // pull with OBJECT_STORE_FULL.
    std::function<absl::Status(size_t offset, const Payload& chunk)> write;
  };
  // Makes a Buffer of `size` bytes for object `id`; nullopt: assemble in a
  // string instead.
  using Allocator =
      std::function<std::optional<Buffer>(ObjectId id, int64_t size)>;
  // A copy of bytes [offset, offset + size) of stored object `id` (whose
  // bytes are `object`), for a chunk to send; nullopt: the chunk is sent
  // from the object's bytes where they lie.
  using ChunkReader = std::function<std::optional<Bytes>(
      ObjectId id, const Bytes& object, size_t offset, size_t size)>;

  struct Options {
    int64_t chunk_size = 5 << 20;
    // Chunks of one push sent and not yet acknowledged, at most.
    int chunks_in_flight_max = 4;
    // Asking the owner again while it knows of no copy yet: how often, and
    // how long to wait between asks.
    int lookup_attempts_max = 20;
    absl::Duration lookup_retry_delay = absl::Milliseconds(50);
    // A node asked for an object that does not answer by then is given up
    // on (it may be dead): the owner is asked again for locations.
    absl::Duration pull_timeout = absl::Seconds(10);
    // A transfer that received no new chunk for this long asks its source
    // again (Ray's object_manager_pull_timeout_ms is 10 s too); after
    // progress_retries_max asks in a row without progress the source is
    // given up on.
    absl::Duration progress_timeout = absl::Seconds(10);
    int progress_retries_max = 3;
    // When the store has no room for an object, wait for room this often
    // and this long (memory frees as tasks finish and objects are freed)
    // before failing with OBJECT_STORE_FULL.
    absl::Duration room_retry_delay = absl::Milliseconds(100);
    int room_attempts_max = 100;
    // Where to log finished transfers and evictions; null: nowhere.
    TraceRecorder* trace = nullptr;
    // Where pulled objects of real bytes are assembled; empty: in strings.
    // A real node assembles them in shared memory, so that its worker
    // processes map them as they arrived (StoreService::Allocate).
    Allocator allocate;
    // Where chunks to send are read from; empty: the object's bytes. A real
    // node reads a shared-memory object's file (StoreService::ReadChunk):
    // on a VM, a process's first read of each page through its mapping
    // costs several times the kernel's copy of it.
    ChunkReader read_chunk;
  };

  // Registers PullObject and PushChunk on `endpoint` (call before Start).
  ObjectManager(Clock& clock, RpcEndpoint& endpoint, ObjectStore& store,
                const ClusterView& view, Metrics& metrics, Options options);
  // Cancels the transfers' timers.
  ~ObjectManager();

  // Makes the object local, then calls `done` (at once if it is already).
  void Pull(const rpc::ObjectRefProto& ref, PullCallback done);

  // The owner freed the object: forget it, and abandon a transfer under way.
  void Forget(ObjectId id);

  // Called by the store when it evicts a secondary copy.
  void OnEvicted(ObjectId id);

  // `node` was declared dead: transfers waiting on it ask the owner for
  // another copy now instead of waiting out pull_timeout.
  void OnNodeDied(NodeId node);

 private:
  struct Transfer {
    rpc::ObjectRefProto ref;
    std::vector<PullCallback> callbacks;
    absl::Time started;  // when the first Pull asked for it
    int lookups = 0;
    int room_attempts = 0;
    // Nodes that did not deliver the object; not asked again.
    std::vector<NodeId> failed_sources;
    bool created = false;  // room reserved in the store
    int64_t size = 0;
    NodeId source = kNoNode;  // the node last asked for the object
    // The progress timer (0: none) and what it compares against: the
    // chunks received when it was armed, when the last new one came, and
    // the asks in a row that brought no new chunk.
    TimerId progress_timer = 0;
    uint32_t chunks_at_check = 0;
    absl::Time last_chunk_time;
    int stalls = 0;
    uint32_t num_chunks = 0;
    uint32_t chunks_received = 0;
    std::vector<bool> received;
    std::string data;
    // With Options::allocate: where the real bytes go instead of `data`.
    std::optional<Buffer> buffer;
    int64_t buffer_bytes = 0;  // written into `buffer`
    int64_t synthetic_bytes = 0;
  };
  // Places a chunk's real bytes at `offset` of the transfer's buffer or
  // string. Fails when the buffer cannot take it (Buffer::write).
  absl::Status PlaceChunk(ObjectId id, Transfer& transfer, size_t offset,
                          const Payload& bytes, bool has_synthetic);
  // The assembled bytes, as the stored object's.
  static Bytes AssembledBytes(Transfer& transfer);

  // One object being sent to one requester, chunk by chunk.
  struct Push {
    ObjectId id;
    // A handle on the bytes: the store may evict the object meanwhile.
    StoredObject object;
    Address to;
    int64_t chunk_size = 0;
    uint32_t num_chunks = 0;
    uint32_t next_chunk = 0;  // the next chunk to send
    int in_flight = 0;        // chunks sent and not yet acknowledged
  };

  void LookUp(ObjectId id);
  void OnLocations(ObjectId id,
                   absl::StatusOr<rpc::GetObjectLocationsReply> reply);
  void RetryLookUp(ObjectId id);
  // Reserves room for the object, waiting for it if needed, then asks
  // `source` for it.
  void ReserveAndRequest(ObjectId id, NodeId source, int64_t size);
  void RequestFrom(ObjectId id, const NodeView& source);
  // (Re)starts the transfer's progress timer, to fire after `delay`;
  // CheckProgress then asks the source again, or another source, if no new
  // chunk came for progress_timeout.
  void ArmProgressTimer(ObjectId id, absl::Duration delay);
  void CheckProgress(ObjectId id);
  void HandlePullObject(rpc::PullObjectRequest request,
                        Respond<PullObject> respond);
  // Sends chunks of push `push_id` until chunks_in_flight_max are
  // unacknowledged or all are sent; each acknowledgement sends the next.
  void SendChunks(uint64_t push_id);
  void OnChunkAcknowledged(uint64_t push_id, bool delivered);
  // A chunk: its fields in `request`, its real bytes in `data`.
  void HandlePushChunk(const rpc::PushChunkRequest& request,
                       const Payload& data, Respond<PushChunk> respond);
  // Every chunk of the object is here: stores it and tells its owner.
  void Complete(ObjectId id);
  void Finish(ObjectId id, const rpc::ErrorInfo& error);
  void NotifyOwner(const rpc::ObjectRefProto& ref, bool removed);

  Clock& clock_;
  RpcEndpoint& endpoint_;
  ObjectStore& store_;
  const ClusterView& view_;
  Metrics& metrics_;
  const Options options_;
  // Pulls under way, by object. Looked up only, never iterated.
  absl::flat_hash_map<ObjectId, Transfer> transfers_;
  // Owners of the secondary copies in the local store, to report evictions.
  absl::flat_hash_map<ObjectId, rpc::ObjectRefProto> secondary_owners_;
  // Pushes under way, by an id of their own (one object may go to several
  // nodes). Looked up only, never iterated.
  absl::flat_hash_map<uint64_t, Push> pushes_;
  uint64_t next_push_id_ = 1;
};

}  // namespace miniray

#endif  // MINIRAY_OBJECT_MANAGER_OBJECT_MANAGER_H_
