// StoreService: the node's object store, served to the node's worker
// processes through shared memory (the role of Ray's plasma store socket).
//
// A worker process cannot reach the raylet's in-process ObjectStore, so the
// node serves it two calls, each carrying a segment name, never the bytes:
//  - PutObject: the worker wrote an object into a segment of its own
//    (SharedStoreClient); the service maps it and stores it as the node's
//    primary copy, the segment's mapping being the object's bytes. The store
//    owns the segment from then on and unlinks it when the object goes.
//  - GetObject: the name of a segment holding the object's bytes. Objects
//    pulled from another node are assembled in a segment as they arrive
//    (Allocate, the object manager's allocator). Objects that arrived
//    otherwise (put by an in-process driver) are copied into a segment the
//    first time a worker asks, and the store keeps that copy in their place,
//    so later readers map it too.
// Workers map segments read-only and decode arguments where they lie.
//
//   StoreService service(transport, "127.0.0.1:41002", raylet.store(),
//                        "/miniray.1234.");
//   RETURN_IF_ERROR(service.Start());
//   ... start workers with --store_address=service.address()
//       and --segment_prefix=service.segment_prefix()
//
// Single-threaded, on the node's loop (the same as the raylet's).
#ifndef MINIRAY_SHARED_STORE_STORE_SERVICE_H_
#define MINIRAY_SHARED_STORE_STORE_SERVICE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "src/common/ids.h"
#include "src/object_manager/object_manager.h"
#include "src/object_store/object_store.h"
#include "src/rpc/rpc_endpoint.h"

namespace miniray {

class StoreService {
 public:
  // Serves `store` at `address`. Every segment it makes or takes over has a
  // name starting with `segment_prefix` ("/miniray.<pid>."), so that a
  // node can remove what a killed predecessor left behind.
  StoreService(Transport& transport, Address address, ObjectStore& store,
               std::string segment_prefix);
  StoreService(const StoreService&) = delete;
  StoreService& operator=(const StoreService&) = delete;

  absl::Status Start();

  // A new segment of `size` bytes for object `id`, arriving from another
  // node: the object manager writes its chunks there and stores the result
  // (ObjectManager::Options::allocate). Its memory is taken as the chunks
  // are written (Buffer::write). nullopt if no segment can be made, or
  // /dev/shm has less than `size` free (the object manager then assembles
  // the object in memory).
  std::optional<ObjectManager::Buffer> Allocate(ObjectId id, int64_t size);
  // A copy of bytes [offset, offset + size) of object `id`, whose bytes
  // are `object`, read from the file of the segment that holds them
  // (SharedSegment::ReadRange), for the object manager to send
  // (ObjectManager::Options::read_chunk). nullopt if no segment of this
  // store holds those bytes, or it cannot be read.
  std::optional<Bytes> ReadChunk(ObjectId id, const Bytes& object,
                                 size_t offset, size_t size) const;
  const Address& address() const { return endpoint_.address(); }
  const std::string& segment_prefix() const { return prefix_; }

  // Objects copied into shared memory for a reader, and their bytes.
  int64_t num_copied() const { return num_copied_; }
  int64_t bytes_copied() const { return bytes_copied_; }

 private:
  void HandlePut(rpc::StorePutRequest request, Respond<PutObject> respond);
  void HandleGet(rpc::StoreGetRequest request, Respond<GetObject> respond);
  // The segment that holds `object`'s bytes, copying them into a new one if
  // none does yet.
  absl::StatusOr<std::string> SegmentOf(ObjectId id,
                                        const StoredObject& object);
  // Forgets recorded segments whose object has gone (every so often).
  void Prune();

  RpcEndpoint endpoint_;
  ObjectStore& store_;
  const std::string prefix_;
  // The segment each object's bytes live in, with the owner of those bytes
  // when it was recorded: a freed object rebuilt under the same id has
  // another owner, so a stale entry is never taken for a current one.
  struct Segment {
    std::string name;
    const void* owner = nullptr;
  };
  absl::flat_hash_map<ObjectId, Segment> segments_;
  size_t prune_at_ = 1024;
  uint64_t next_segment_ = 0;
  int64_t num_copied_ = 0;
  int64_t bytes_copied_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_SHARED_STORE_STORE_SERVICE_H_
