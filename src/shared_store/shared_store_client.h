// SharedStoreClient: a worker process's way into its node's object store
// (the role of Ray's plasma client), through shared memory.
//
// PutPrimary writes the object into a new segment and hands the segment's
// name to the node's StoreService, which takes it over. Get asks the
// service which segment holds an object and maps it read-only: the bytes a
// task decodes its arguments from are the store's own, not a copy.
//
//   SharedStoreClient store(transport, executor, worker_address,
//                           {.store_address = "127.0.0.1:41002",
//                            .segment_prefix = "/miniray.1234."});
//   CoreWorkerRuntime runtime{clock, transport, executor, store, metrics};
//
// Both calls block the calling fiber while the service answers; call them
// from fibers (tasks), as the core worker does.
#ifndef MINIRAY_SHARED_STORE_SHARED_STORE_CLIENT_H_
#define MINIRAY_SHARED_STORE_SHARED_STORE_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "src/object_store/store_client.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/executor.h"

namespace miniray {

class SharedStoreClient final : public StoreClient {
 public:
  struct Options {
    Address store_address;
    // The node's segment names start with this (StoreService).
    std::string segment_prefix;
  };

  // `self` is the address calls come from (the worker's).
  SharedStoreClient(Transport& transport, Executor& executor, Address self,
                    Options options);

  absl::Status PutPrimary(ObjectId id, StoredObject object) override;
  std::optional<StoredObject> Get(ObjectId id) override;
  bool blocks() const override { return true; }

 private:
  template <typename Method>
  absl::StatusOr<typename Method::Reply> CallAndWait(
      const typename Method::Request& request);

  RpcEndpoint endpoint_;
  Executor& executor_;
  const Options options_;
  const std::string segment_stem_;  // prefix + "w<pid>."
  uint64_t next_segment_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_SHARED_STORE_SHARED_STORE_CLIENT_H_
