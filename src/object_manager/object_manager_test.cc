// Proves that the object manager copies objects between two nodes' stores
// byte for byte, in chunks with a bounded window of them in flight, in size /
// bandwidth of virtual time, with one transfer per object however many ask,
// keeps the owner's directory right (new copies, evicted copies, objects the
// owner does not know), refuses malformed chunks, and asks again for a push
// that stops half way or gives it up with an error, never waits for ever;
// and that each chunk is made ready in the allocator's buffer before it is
// copied there, a chunk that cannot be failing the pull.
#include "src/object_manager/object_manager.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "glog/logging.h"
#include "gtest/gtest.h"
#include "src/common/status_macros.h"
#include "src/rpc/convert.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"
#include "src/testing/fake_owner.h"
#include "src/testing/recording_transport.h"

namespace miniray {
namespace {

constexpr double kBandwidth = 1e8;  // bytes per second
constexpr int64_t kChunkBytes = 1 << 20;
constexpr int64_t kStoreBytes = 8 << 20;

// One node's share of a raylet: store, view, endpoint and object manager.
// Its transport records what the node sends.
struct Node {
  Node(SimLoop& loop, SimNetwork& network, Metrics& metrics, NodeId id,
       ObjectManager::Allocator allocate = nullptr)
      : transport(network),
        store(ObjectStore::Options{kStoreBytes}),
        endpoint(transport, Name(id) + ":7000"),
        view(id),
        manager(loop, endpoint, store, view, metrics,
                {.chunk_size = kChunkBytes, .allocate = std::move(allocate)}) {
    store.SetEvictionListener([this](ObjectId id) { manager.OnEvicted(id); });
    CHECK(endpoint.Start().ok());
  }

  static std::string Name(NodeId id) { return id == 0 ? "a" : "b"; }

  RecordingTransport transport;
  ObjectStore store;
  RpcEndpoint endpoint;
  ClusterView view;
  ObjectManager manager;
};

// The outcome of a Pull, once its callback ran.
struct PullResult {
  int calls = 0;
  absl::Duration at;
  rpc::ErrorInfo error;
};

// Bytes that differ at every offset of a chunk, so misplaced chunks show.
Bytes Pattern(int64_t size) {
  std::string bytes(size, '\0');
  for (int64_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 7 % 251);
  return Bytes(std::move(bytes));
}

// A Buffer over `room` whose write copies the chunk there, after asking
// `check` (the chunk's offset and size), whose error it returns instead.
ObjectManager::Buffer RoomBuffer(
    std::shared_ptr<std::string> room,
    std::function<absl::Status(size_t offset, size_t size)> check = nullptr) {
  std::string* bytes = room.get();
  return ObjectManager::Buffer{
      Bytes::Wrap(room, *room),
      [bytes, check](size_t offset, const Payload& chunk) {
        if (check) RETURN_IF_ERROR(check(offset, chunk.size()));
        const std::string flat = chunk.Flatten();
        bytes->replace(offset, flat.size(), flat);
        return absl::OkStatus();
      }};
}

class ObjectManagerTest : public ::testing::Test {
 protected:
  ObjectManagerTest()
      : network_(loop_, {.latency = absl::Microseconds(100),
                         .bandwidth_bytes_per_s = kBandwidth}),
        owner_(network_, "owner:9000") {
    CHECK(owner_.Start().ok());
    a_ = std::make_unique<Node>(loop_, network_, metrics_, 0);
    b_ = std::make_unique<Node>(loop_, network_, metrics_, 1);
    SetViews(*a_);
    SetViews(*b_);
  }

  // `node` sees both nodes alive.
  static void SetViews(Node& node) {
    for (NodeId id : {0, 1}) {
      NodeView view;
      view.id = id;
      view.name = Node::Name(id);
      view.raylet_address = Node::Name(id) + ":7000";
      view.alive = true;
      node.view.Set(view);
    }
  }

  // Stores a primary copy on node `a` and tells the owner it is there.
  ObjectId PutOnA(Bytes data, int64_t synthetic_bytes = 0) {
    const ObjectId id = ObjectId::ForPut(MakeWorkerId(0, 1), ++next_put_);
    StoredObject object{std::move(data), synthetic_bytes};
    owner_.SetLocations(id, {0}, object.size());
    CHECK(a_->store.PutPrimary(id, std::move(object)).ok());
    return id;
  }

  std::shared_ptr<PullResult> Pull(Node& node, ObjectId id) {
    auto result = std::make_shared<PullResult>();
    node.manager.Pull(owner_.RefTo(id),
                      [this, result](const rpc::ErrorInfo& error) {
                        ++result->calls;
                        result->at = loop_.elapsed();
                        result->error = error;
                      });
    return result;
  }

  void RunUntilDone(const PullResult& result,
                    absl::Duration deadline = absl::Seconds(30)) {
    loop_.RunUntil([&] { return result.calls > 0; }, loop_.Now() + deadline);
    ASSERT_EQ(result.calls, 1) << "the pull did not finish";
  }

  void RunFor(absl::Duration duration) {
    loop_.RunUntil([] { return false; }, loop_.Now() + duration);
  }

  static absl::Duration WireTime(int64_t bytes) {
    return absl::Seconds(bytes / kBandwidth);
  }

  SimLoop loop_;
  SimNetwork network_;
  Metrics metrics_;
  FakeOwner owner_;
  std::unique_ptr<Node> a_;
  std::unique_ptr<Node> b_;
  uint64_t next_put_ = 0;
};

TEST_F(ObjectManagerTest, PullCopiesTheBytesInChunksAndTellsTheOwner) {
  const int64_t size = kChunkBytes * 5 / 2;  // three chunks, the last half full
  Bytes bytes = Pattern(size);
  const ObjectId id = PutOnA(bytes);

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE) << pull->error.message();
  const StoredObject* copy = b_->store.Get(id);
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->data.view() == bytes.view())
      << "the copy differs from the original";
  EXPECT_EQ(copy->synthetic_bytes, 0);
  EXPECT_FALSE(b_->store.IsPrimary(id));
  EXPECT_EQ(a_->transport.sent(PushChunk::kName).messages, 3);
  // Two lookups' round trips, then the bytes at the link's bandwidth.
  EXPECT_GE(pull->at, WireTime(size));
  EXPECT_LT(pull->at, WireTime(size) + absl::Milliseconds(1));
  EXPECT_EQ(metrics_.objects_transferred, 1u);
  EXPECT_EQ(metrics_.bytes_transferred, static_cast<uint64_t>(size));

  RunFor(absl::Milliseconds(1));
  ASSERT_EQ(owner_.updates().size(), 1u);
  const rpc::UpdateObjectLocationRequest& update = owner_.updates()[0];
  EXPECT_EQ(FromProto(update.id()), id);
  EXPECT_EQ(update.node_id(), 1u);
  EXPECT_FALSE(update.removed());
  EXPECT_EQ(update.raylet_address(), "b:7000");
}

TEST_F(ObjectManagerTest, ConcurrentPullsOfOneObjectShareOneTransfer) {
  const int64_t size = kChunkBytes * 3;
  const ObjectId id = PutOnA(Pattern(size));

  std::shared_ptr<PullResult> first = Pull(*b_, id);
  std::shared_ptr<PullResult> second = Pull(*b_, id);
  RunFor(absl::Milliseconds(10));  // chunks are on the wire
  ASSERT_EQ(first->calls, 0);
  std::shared_ptr<PullResult> third = Pull(*b_, id);
  RunUntilDone(*third);

  for (const auto& pull : {first, second, third}) {
    EXPECT_EQ(pull->calls, 1);
    EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE);
    EXPECT_EQ(pull->at, third->at);
  }
  EXPECT_EQ(owner_.lookups(), 1);
  EXPECT_EQ(a_->transport.sent(PushChunk::kName).messages, 3);
  EXPECT_LT(a_->transport.sent(PushChunk::kName).bytes, size + 1024);
  EXPECT_EQ(metrics_.objects_transferred, 1u);

  // A pull of an object that is local answers at once, asking no one.
  std::shared_ptr<PullResult> local = Pull(*b_, id);
  EXPECT_EQ(local->calls, 1);
  EXPECT_EQ(local->error.type(), rpc::ERROR_NONE);
  RunFor(absl::Milliseconds(1));
  EXPECT_EQ(owner_.lookups(), 1);
}

TEST_F(ObjectManagerTest, PulledBytesAreAssembledWhereTheAllocatorSays) {
  std::vector<int64_t> asked;
  std::shared_ptr<std::string> room;
  b_.reset();  // its address is taken until it goes
  b_ = std::make_unique<Node>(
      loop_, network_, metrics_, 1,
      [&](ObjectId, int64_t size) -> std::optional<ObjectManager::Buffer> {
        asked.push_back(size);
        room = std::make_shared<std::string>(size, '\0');
        return RoomBuffer(room);
      });
  SetViews(*b_);
  const Bytes bytes = Pattern(kChunkBytes * 5 / 2);
  const ObjectId id = PutOnA(bytes);

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE) << pull->error.message();
  EXPECT_EQ(asked, std::vector<int64_t>{static_cast<int64_t>(bytes.size())});
  const StoredObject* copy = b_->store.Get(id);
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(copy->data.owner().get(), room.get())
      << "the object was copied out of the room the allocator gave";
  EXPECT_TRUE(copy->data.view() == bytes.view());
}

TEST_F(ObjectManagerTest, EachChunkIsWrittenToTheBufferAtItsOffset) {
  std::vector<std::pair<size_t, size_t>> written;
  std::shared_ptr<std::string> room;
  b_.reset();
  b_ = std::make_unique<Node>(
      loop_, network_, metrics_, 1,
      [&](ObjectId, int64_t size) -> std::optional<ObjectManager::Buffer> {
        room = std::make_shared<std::string>(size, '\0');
        return RoomBuffer(room, [&](size_t offset, size_t size) {
          written.emplace_back(offset, size);
          return absl::OkStatus();
        });
      });
  SetViews(*b_);
  const Bytes bytes = Pattern(kChunkBytes * 5 / 2);
  const ObjectId id = PutOnA(bytes);

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE) << pull->error.message();
  const size_t chunk = kChunkBytes;
  EXPECT_EQ(written, (std::vector<std::pair<size_t, size_t>>{
                          {0, chunk}, {chunk, chunk}, {2 * chunk, chunk / 2}}));
  EXPECT_TRUE(b_->store.Get(id)->data.view() == bytes.view());
}

TEST_F(ObjectManagerTest, AChunkThatCannotBeWrittenFailsThePullStoreFull) {
  std::shared_ptr<std::string> room;
  b_.reset();
  b_ = std::make_unique<Node>(
      loop_, network_, metrics_, 1,
      [&](ObjectId, int64_t size) -> std::optional<ObjectManager::Buffer> {
        room = std::make_shared<std::string>(size, '\0');
        return RoomBuffer(room, [](size_t offset, size_t) {
          return offset == 0 ? absl::OkStatus()
                             : absl::ResourceExhaustedError("shm full");
        });
      });
  SetViews(*b_);
  const ObjectId id = PutOnA(Pattern(kChunkBytes * 3));

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::OBJECT_STORE_FULL);
  EXPECT_NE(pull->error.message().find("shm full"), std::string::npos)
      << pull->error.message();
  EXPECT_FALSE(b_->store.Contains(id));
  EXPECT_EQ(b_->store.stats().used_bytes, 0)
      << "the reservation was not given back";
}

// Regression: the source sent every chunk of an object at once, so a 1 GiB
// object was copied into 1 GiB of messages before the first one left.
TEST_F(ObjectManagerTest, PushKeepsAtMostAWindowOfChunksInFlight) {
  const int window = ObjectManager::Options().chunks_in_flight_max;
  const int64_t size = kChunkBytes * (window + 3);
  Bytes bytes = Pattern(size);
  const ObjectId id = PutOnA(bytes);

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  loop_.RunUntil(
      [&] { return a_->transport.sent(PushChunk::kName).messages > 0; },
      loop_.Now() + absl::Seconds(1));
  // A chunk takes WireTime(kChunkBytes) (10 ms) to cross: none has arrived
  // yet, so none has been acknowledged.
  RunFor(WireTime(kChunkBytes) / 2);
  EXPECT_EQ(a_->transport.sent(PushChunk::kName).messages, window);

  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE) << pull->error.message();
  EXPECT_EQ(a_->transport.sent(PushChunk::kName).messages, window + 3);
  const StoredObject* copy = b_->store.Get(id);
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->data.view() == bytes.view())
      << "the copy differs from the original";
  // Acknowledgements add round trips, not idle wire time: the window keeps
  // the link busy.
  EXPECT_LT(pull->at, WireTime(size) + absl::Milliseconds(2));
}

TEST_F(ObjectManagerTest, SyntheticObjectTransfersAtItsFullSize) {
  const int64_t size = 6000000;  // 6 chunks, none of them real bytes
  const ObjectId id = PutOnA(Bytes(std::string()), /*synthetic_bytes=*/size);

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE) << pull->error.message();
  const StoredObject* copy = b_->store.Get(id);
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->data.size() == 0);
  EXPECT_EQ(copy->synthetic_bytes, size);
  EXPECT_EQ(b_->store.stats().used_bytes, size);
  const RecordingTransport::Count chunks = a_->transport.sent(PushChunk::kName);
  EXPECT_EQ(chunks.messages, 6);
  EXPECT_EQ(chunks.synthetic_bytes, size);
  EXPECT_LT(chunks.bytes, 1024);  // only headers travel as real bytes
  // Synthetic bytes take wire time like real ones.
  EXPECT_GE(pull->at, WireTime(size));
  EXPECT_LT(pull->at, WireTime(size) + absl::Milliseconds(1));
  EXPECT_EQ(metrics_.bytes_transferred, static_cast<uint64_t>(size));
}

TEST_F(ObjectManagerTest, ObjectTheOwnerDoesNotKnowIsLost) {
  const ObjectId unknown = ObjectId::ForPut(MakeWorkerId(0, 1), 99);
  std::shared_ptr<PullResult> pull = Pull(*b_, unknown);
  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::OBJECT_LOST);
  EXPECT_EQ(owner_.lookups(), 1);
  EXPECT_FALSE(b_->store.Contains(unknown));
  EXPECT_EQ(b_->store.stats().used_bytes, 0);
  EXPECT_EQ(b_->transport.sent(PullObject::kName).messages, 0);
}

TEST_F(ObjectManagerTest, EvictingASecondaryCopyTellsTheOwner) {
  const ObjectId id = PutOnA(Pattern(kChunkBytes * 3));
  RunUntilDone(*Pull(*b_, id));
  ASSERT_TRUE(b_->store.Contains(id));

  // A primary copy that only fits once the secondary copy is gone.
  const ObjectId big = ObjectId::ForPut(MakeWorkerId(1, 1), 1);
  ASSERT_TRUE(
      b_->store.PutPrimary(big, StoredObject{Pattern(kChunkBytes * 6)}).ok());
  EXPECT_FALSE(b_->store.Contains(id));
  RunFor(absl::Milliseconds(1));

  ASSERT_EQ(owner_.updates().size(), 2u);
  const rpc::UpdateObjectLocationRequest& removal = owner_.updates()[1];
  EXPECT_EQ(FromProto(removal.id()), id);
  EXPECT_EQ(removal.node_id(), 1u);
  EXPECT_TRUE(removal.removed());
  // A primary copy is never the object manager's to report.
  EXPECT_TRUE(a_->store.IsPrimary(id));
}

// Regression: a PullObject sent to a node that died (but is not yet known
// dead) got no reply and had no timeout, so the pull never finished.
TEST_F(ObjectManagerTest, PullFromAnUnreachableSourceDoesNotHang) {
  const ObjectId id = PutOnA(Pattern(kChunkBytes));
  network_.SetHostUp("a", false);
  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  RunUntilDone(*pull);
  EXPECT_NE(pull->error.type(), rpc::ERROR_NONE);
}

// Chunks are read in place, not parsed by RpcEndpoint: bytes that are not a
// PushChunkRequest must still be refused, and change nothing.
TEST_F(ObjectManagerTest, MalformedChunkIsRefused) {
  RpcEndpoint sender(network_, "c:7000");
  ASSERT_TRUE(sender.Start().ok());
  std::optional<absl::Status> status;
  sender.CallSerialized<PushChunk>(
      "b:7000",
      std::string("\x0a\x64"
                  "abc",
                  5),
      [&](absl::StatusOr<rpc::PushChunkReply> reply) {
        status = reply.status();
      });
  RunFor(absl::Milliseconds(10));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), absl::StatusCode::kInvalidArgument) << *status;
  EXPECT_EQ(b_->store.stats().used_bytes, 0);
  // The node still pulls.
  const ObjectId id = PutOnA(Pattern(kChunkBytes));
  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE) << pull->error.message();
}

// Regression: once the source said "found", the puller waited for every
// chunk with no timeout; a push that stopped on one lost chunk left it
// waiting until the source's node died.
TEST_F(ObjectManagerTest, PushThatStopsHalfWayIsAskedForAgain) {
  const int64_t size = kChunkBytes * 8;
  const Bytes bytes = Pattern(size);
  const ObjectId id = PutOnA(bytes);

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  // The first chunk was acknowledged (a fifth one left): from now on, a's
  // messages to b are lost, which stops the push.
  loop_.RunUntil(
      [&] { return a_->transport.sent(PushChunk::kName).messages >= 5; },
      loop_.Now() + absl::Seconds(1));
  network_.SetMessageFaults("a", "b", {.drop = 1});
  RunFor(absl::Milliseconds(200));
  ASSERT_EQ(pull->calls, 0);
  const int64_t chunks_sent = a_->transport.sent(PushChunk::kName).messages;
  EXPECT_EQ(chunks_sent, 8) << "the last three chunks were sent and lost";
  network_.SetMessageFaults("a", "b", {});

  RunUntilDone(*pull);
  EXPECT_EQ(pull->error.type(), rpc::ERROR_NONE) << pull->error.message();
  const StoredObject* copy = b_->store.Get(id);
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->data.view() == bytes.view())
      << "the copy differs from the original";
  EXPECT_EQ(b_->transport.sent(PullObject::kName).messages, 2);
  const absl::Duration timeout = ObjectManager::Options().progress_timeout;
  EXPECT_GE(pull->at, timeout);
  EXPECT_LT(pull->at, timeout + absl::Milliseconds(200) + WireTime(size) * 2);
}

// A source that says "found" and never pushes is asked again a bounded
// number of times, then given up on; with no other copy the pull fails
// with an error that says why.
TEST_F(ObjectManagerTest, SourceThatNeverPushesIsGivenUpOnWithAClearError) {
  RpcEndpoint silent(network_, "c:7000");
  int asks = 0;
  silent.Handle<PullObject>(
      [&](rpc::PullObjectRequest request, Respond<PullObject> respond) {
        ++asks;
        rpc::PullObjectReply reply;
        reply.set_found(true);
        reply.set_object_size(kChunkBytes);
        respond(std::move(reply));
      });
  ASSERT_TRUE(silent.Start().ok());
  NodeView c;
  c.id = 2;
  c.name = "c";
  c.raylet_address = "c:7000";
  c.alive = true;
  b_->view.Set(c);
  const ObjectId id = ObjectId::ForPut(MakeWorkerId(2, 1), 1);
  owner_.SetLocations(id, {2}, kChunkBytes);

  std::shared_ptr<PullResult> pull = Pull(*b_, id);
  const ObjectManager::Options options;
  RunUntilDone(*pull,
               options.progress_timeout * (options.progress_retries_max + 2));
  EXPECT_EQ(pull->error.type(), rpc::OBJECT_LOST);
  EXPECT_NE(pull->error.message().find("no chunk came"), std::string::npos)
      << pull->error.message();
  EXPECT_EQ(asks, 1 + options.progress_retries_max);
  EXPECT_FALSE(b_->store.Contains(id));
  EXPECT_EQ(b_->store.stats().used_bytes, 0) << "the reservation was kept";
}

}  // namespace
}  // namespace miniray
