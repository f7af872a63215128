// Checks the shared-memory store on simulated time and network: objects a
// worker process puts and gets travel as segments, not bytes; a reader maps
// the store's own bytes (an object that arrived otherwise is copied into
// shared memory once, unless it was assembled in a segment as it arrived);
// segments are unlinked when the store lets go of the object, and a
// mapping outlives its name; a segment a pulled object is assembled in
// takes its memory only as each range is prepared for writing, or ahead of
// the writer on a helper thread that a segment's end stops.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/rpc/convert.h"
#include "src/runtime/sim/sim_executor.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"
#include "src/shared_store/shared_segment.h"
#include "src/shared_store/shared_store_client.h"
#include "src/shared_store/store_service.h"

namespace miniray {
namespace {

ObjectId Id(uint64_t n) { return ObjectId::ForPut(MakeWorkerId(0, 1), n); }

bool SegmentExists(const std::string& name) {
  struct stat info;
  return stat(absl::StrCat("/dev/shm", name).c_str(), &info) == 0;
}

// The memory segment `name` holds, in bytes (-1 if it does not exist).
int64_t SegmentMemory(const std::string& name) {
  struct stat info;
  if (stat(absl::StrCat("/dev/shm", name).c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.st_blocks) * 512;
}

class SharedStoreTest : public ::testing::Test {
 protected:
  SharedStoreTest()
      : prefix_(absl::StrCat("/miniray-test.", getpid(), ".")),
        network_(loop_, {}),
        executor_(loop_),
        store_(ObjectStore::Options{1000}),
        service_(network_, "node:7001", store_, prefix_),
        client_(network_, executor_, "node:10001",
                {.store_address = "node:7001", .segment_prefix = prefix_}) {
    EXPECT_TRUE(service_.Start().ok());
    // The worker's own endpoint: the network hands replies to listeners.
    EXPECT_TRUE(worker_.Start().ok());
  }
  ~SharedStoreTest() override { SharedSegment::UnlinkAll(prefix_); }

  // Runs `body` on a fiber, as a task would, until it returns.
  void OnFiber(std::function<void()> body) {
    bool done = false;
    executor_.Spawn(
        [&] {
          body();
          done = true;
        },
        nullptr);
    loop_.RunUntil([&] { return done; }, loop_.Now() + absl::Hours(1));
    ASSERT_TRUE(done);
  }

  const std::string prefix_;
  SimLoop loop_;
  SimNetwork network_;
  SimExecutor executor_;
  ObjectStore store_;
  StoreService service_;
  SharedStoreClient client_;
  RpcEndpoint worker_{network_, "node:10001"};
};

TEST_F(SharedStoreTest, PutThenGetMapsTheStoresOwnBytes) {
  std::optional<StoredObject> read;
  OnFiber([&] {
    ASSERT_TRUE(client_.PutPrimary(Id(1), {Bytes(std::string("abc")), 7}).ok());
    read = client_.Get(Id(1));
  });
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->data.view(), "abc");
  EXPECT_EQ(read->synthetic_bytes, 7);
  ASSERT_TRUE(store_.IsPrimary(Id(1)));
  EXPECT_EQ(store_.Get(Id(1))->data.view(), "abc");
  // The worker's segment became the stored object: nothing was copied.
  EXPECT_EQ(service_.num_copied(), 0);
}

// The object manager sends chunks of a segment's object read from its file.
TEST_F(SharedStoreTest, ChunksOfASegmentsObjectAreReadFromItsFile) {
  OnFiber([&] {
    ASSERT_TRUE(client_.PutPrimary(Id(8), {Bytes(std::string("abcdef"))}).ok());
  });
  const Bytes stored = store_.Get(Id(8))->data;
  std::optional<Bytes> chunk = service_.ReadChunk(Id(8), stored, 2, 3);
  ASSERT_TRUE(chunk.has_value());
  EXPECT_EQ(chunk->view(), "cde");
  EXPECT_NE(chunk->data(), stored.data() + 2) << "a view, not a copy";
  // Bytes no segment holds (another object's, or an object from elsewhere)
  // are left to the caller.
  EXPECT_FALSE(service_.ReadChunk(Id(9), stored, 0, 1).has_value());
  ASSERT_TRUE(store_.PutPrimary(Id(9), {Bytes(std::string("heap"))}).ok());
  EXPECT_FALSE(
      service_.ReadChunk(Id(9), store_.Get(Id(9))->data, 0, 1).has_value());
}

TEST_F(SharedStoreTest, AnObjectFromElsewhereIsCopiedIntoSharedMemoryOnce) {
  ASSERT_TRUE(store_.PutPrimary(Id(2), {Bytes(std::string("pulled"))}).ok());
  const void* heap_owner = store_.Get(Id(2))->data.owner().get();
  std::optional<StoredObject> first, second;
  OnFiber([&] {
    first = client_.Get(Id(2));
    second = client_.Get(Id(2));
  });
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->data.view(), "pulled");
  EXPECT_EQ(second->data.view(), "pulled");
  EXPECT_EQ(service_.num_copied(), 1);
  EXPECT_EQ(service_.bytes_copied(), 6);
  EXPECT_NE(store_.Get(Id(2))->data.owner().get(), heap_owner);
}

TEST_F(SharedStoreTest, APulledObjectAssembledInASegmentIsNotCopiedAgain) {
  std::optional<ObjectManager::Buffer> room = service_.Allocate(Id(7), 6);
  ASSERT_TRUE(room.has_value());
  ASSERT_TRUE(room->write(0, "pul").ok());  // as the object manager's chunks
  ASSERT_TRUE(room->write(3, "led").ok());
  ASSERT_TRUE(store_.Create(Id(7), 6).ok());
  store_.Seal(Id(7), {std::move(room->bytes)});
  std::optional<StoredObject> read;
  OnFiber([&] { read = client_.Get(Id(7)); });
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->data.view(), "pulled");
  EXPECT_EQ(service_.num_copied(), 0);
}

TEST_F(SharedStoreTest, AbsentObjectsAreNotFound) {
  std::optional<StoredObject> read;
  OnFiber([&] { read = client_.Get(Id(3)); });
  EXPECT_FALSE(read.has_value());
}

TEST_F(SharedStoreTest, AnObjectThatDoesNotFitIsRefusedAndItsSegmentRemoved) {
  absl::Status status;
  OnFiber([&] {
    status = client_.PutPrimary(Id(4), {Bytes(std::string(2000, 'x'))});
  });
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_FALSE(store_.Contains(Id(4)));
  EXPECT_EQ(SharedSegment::UnlinkAll(prefix_), 0) << "a segment was left";
}

TEST_F(SharedStoreTest, FreeUnlinksTheSegmentButAMappingStaysReadable) {
  std::optional<StoredObject> read;
  OnFiber([&] {
    ASSERT_TRUE(client_.PutPrimary(Id(5), {Bytes(std::string("kept"))}).ok());
    read = client_.Get(Id(5));
  });
  ASSERT_TRUE(read.has_value());
  store_.Free(Id(5));
  EXPECT_EQ(read->data.view(), "kept");
  EXPECT_EQ(SharedSegment::UnlinkAll(prefix_), 0)
      << "the segment outlived Free";
  std::optional<StoredObject> again;
  OnFiber([&] { again = client_.Get(Id(5)); });
  EXPECT_FALSE(again.has_value());
}

TEST_F(SharedStoreTest, ASegmentOutsideTheStoresPrefixIsRefused) {
  absl::StatusOr<std::shared_ptr<SharedSegment>> foreign =
      SharedSegment::Create(absl::StrCat("/other-test.", getpid()), 3);
  ASSERT_TRUE(foreign.ok());
  rpc::StorePutRequest request;
  *request.mutable_id() = ToProto(Id(6));
  request.set_segment((*foreign)->name());
  RpcEndpoint caller(network_, "node:10002");
  ASSERT_TRUE(caller.Start().ok());
  absl::Status status;
  caller.Call<PutObject>("node:7001", request,
                         [&](absl::StatusOr<rpc::StorePutReply> reply) {
                           status = reply.status();
                         });
  while (loop_.RunOne()) {
  }
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_TRUE(SegmentExists((*foreign)->name()));
  EXPECT_FALSE(store_.Contains(Id(6)));
}

TEST(SharedSegmentTest, CreateRefusesAnExistingNameAndOpenAMissingOne) {
  const std::string name = absl::StrCat("/miniray-test-seg.", getpid());
  auto first = SharedSegment::Create(name, 4);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(absl::IsAlreadyExists(SharedSegment::Create(name, 4).status()));
  first->reset();  // unlinks
  EXPECT_TRUE(absl::IsNotFound(SharedSegment::Open(name, false).status()));
}

// The segment a pulled object arrives in takes memory only as its chunks are
// written, in any order; readers see the bytes written through the file.
TEST(SharedSegmentTest, ASegmentTakesMemoryOnlyAsItIsWritten) {
  const std::string name = absl::StrCat("/miniray-test-lazy.", getpid());
  constexpr size_t kSize = 4 << 20;
  constexpr size_t kPiece = 1 << 20;
  auto segment = SharedSegment::Create(name, kSize);
  ASSERT_TRUE(segment.ok()) << segment.status();
  EXPECT_EQ(SegmentMemory(name), 0);
  ASSERT_TRUE((*segment)->Write(kSize - kPiece, std::string(kPiece, 'y')).ok());
  EXPECT_GE(SegmentMemory(name), int64_t{kPiece});
  EXPECT_LT(SegmentMemory(name), int64_t{kSize});
  ASSERT_TRUE((*segment)->Write(0, std::string(kSize - kPiece, 'x')).ok());
  EXPECT_GE(SegmentMemory(name), int64_t{kSize});
  EXPECT_EQ((*segment)->view()[0], 'x');
  EXPECT_EQ((*segment)->view()[kSize - kPiece - 1], 'x');
  EXPECT_EQ((*segment)->view()[kSize - kPiece], 'y');
  auto reader = SharedSegment::Open(name, /*unlink_at_end=*/false);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->view(), (*segment)->view());
}

TEST(SharedSegmentTest, AWriteOutsideTheSegmentOrAfterItIsFullIsRefused) {
  const std::string name = absl::StrCat("/miniray-test-full.", getpid());
  auto segment = SharedSegment::Create(name, 8);
  ASSERT_TRUE(segment.ok()) << segment.status();
  EXPECT_TRUE(absl::IsOutOfRange((*segment)->Write(7, "ab")));
  EXPECT_TRUE(absl::IsOutOfRange((*segment)->Write(9, "")));
  ASSERT_TRUE((*segment)->Write(0, "abcdefgh").ok());
  // Written whole: its file was closed.
  EXPECT_TRUE(absl::IsFailedPrecondition((*segment)->Write(0, "z")));
  EXPECT_EQ((*segment)->view(), "abcdefgh");
  auto reader = SharedSegment::Open(name, /*unlink_at_end=*/false);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_TRUE(absl::IsFailedPrecondition((*reader)->Write(0, "z")));
}

TEST(SharedSegmentTest, ARangeIsReadFromTheFile) {
  const std::string name = absl::StrCat("/miniray-test-read.", getpid());
  auto segment = SharedSegment::CreateWith(name, "0123456789");
  ASSERT_TRUE(segment.ok()) << segment.status();
  absl::StatusOr<Bytes> range = SharedSegment::ReadRange(name, 3, 4);
  ASSERT_TRUE(range.ok()) << range.status();
  EXPECT_EQ(range->view(), "3456");
  EXPECT_TRUE(absl::IsOutOfRange(SharedSegment::ReadRange(name, 8, 3).status()));
  segment->reset();  // unlinks
  EXPECT_TRUE(absl::IsNotFound(SharedSegment::ReadRange(name, 0, 1).status()));
}

TEST(SharedSegmentTest, ASegmentLargerThanTheFreeMemoryIsRefused) {
  const std::string name = absl::StrCat("/miniray-test-huge.", getpid());
  auto segment = SharedSegment::Create(name, size_t{1} << 50);
  EXPECT_TRUE(absl::IsResourceExhausted(segment.status())) << segment.status();
  EXPECT_FALSE(SegmentExists(name));
}

TEST(SharedSegmentTest, CreateWithHoldsACopyOfTheBytes) {
  const std::string name = absl::StrCat("/miniray-test-whole.", getpid());
  auto segment = SharedSegment::CreateWith(name, std::string(1 << 20, 'z'));
  ASSERT_TRUE(segment.ok()) << segment.status();
  EXPECT_GE(SegmentMemory(name), 1 << 20);
  EXPECT_EQ((*segment)->view(), std::string(1 << 20, 'z'));
}

// What a killed node or `local` left behind (its store's segments, a
// fault board) goes when the next node starts; a live process's names stay.
TEST(SharedSegmentTest, OrphansOfADeadProcessAreRemoved) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  ASSERT_EQ(waitpid(child, nullptr, 0), child);  // its pid is now dead
  const std::string dead = SharedSegment::PrefixOfProcess(child);
  const std::string alive = SharedSegment::PrefixOfProcess(getpid());
  for (const std::string& name :
       {dead + "3", dead + "faults", alive + "orphan-test"}) {
    auto segment = SharedSegment::CreateWith(name, "x");
    ASSERT_TRUE(segment.ok()) << segment.status();
    (*segment)->Release();  // left behind, as by a killed process
  }
  EXPECT_GE(SharedSegment::UnlinkOrphans(), 2);
  EXPECT_FALSE(SegmentExists(dead + "3"));
  EXPECT_FALSE(SegmentExists(dead + "faults"));
  EXPECT_TRUE(SegmentExists(alive + "orphan-test"));
  EXPECT_EQ(SharedSegment::UnlinkAll(alive + "orphan-test"), 1);
}

}  // namespace
}  // namespace miniray
