// FakeOwner: a stand-in for the core worker that owns some objects.
//
// It serves the owner's side of the object directory: GetObjectLocations
// answers from a table the test fills, and UpdateObjectLocation is recorded
// and applied to that table, as a real owner would.
//
//   FakeOwner owner(network, "owner:9000");
//   ASSERT_TRUE(owner.Start().ok());
//   owner.SetLocations(id, {/*node=*/0}, /*size=*/1 << 20);
//   object_manager.Pull(owner.RefTo(id), ...);
//   EXPECT_EQ(owner.updates().size(), 1u);
//
// An object not in the table is answered known = false.
// Single-threaded, on the loop of its transport.
#ifndef MINIRAY_TESTING_FAKE_OWNER_H_
#define MINIRAY_TESTING_FAKE_OWNER_H_

#include <cstdint>
#include <map>
#include <vector>

#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"
#include "src/rpc/rpc_endpoint.h"

namespace miniray {

class FakeOwner {
 public:
  FakeOwner(Transport& transport, Address address);

  absl::Status Start() { return endpoint_.Start(); }
  const Address& address() const { return endpoint_.address(); }

  // The owner knows `id`, of `size` bytes, with copies on `nodes`.
  void SetLocations(ObjectId id, std::vector<NodeId> nodes, int64_t size);
  // A reference to `id` naming this owner.
  rpc::ObjectRefProto RefTo(ObjectId id) const;

  // Every UpdateObjectLocation received, in arrival order.
  const std::vector<rpc::UpdateObjectLocationRequest>& updates() const {
    return updates_;
  }
  // How many GetObjectLocations requests were answered.
  int lookups() const { return lookups_; }

 private:
  RpcEndpoint endpoint_;
  std::map<ObjectId, rpc::GetObjectLocationsReply> objects_;
  std::vector<rpc::UpdateObjectLocationRequest> updates_;
  int lookups_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_TESTING_FAKE_OWNER_H_
