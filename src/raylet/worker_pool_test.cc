// Proves the worker pool starts no more than max_workers, tops up the workers
// starting to what is wanted, hands out idle workers last-in first-out, and
// names each worker with its node's id.
#include "src/raylet/worker_pool.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

constexpr NodeId kNode = 7;

class WorkerPoolTest : public ::testing::Test {
 protected:
  WorkerPool MakePool(int max_workers) {
    return WorkerPool(kNode, [this](WorkerId id) { launched_.push_back(id); },
                      {.max_workers = max_workers});
  }

  // Reports every launched worker ready, in launch order.
  void AllReady(WorkerPool& pool) {
    for (WorkerId id : launched_) pool.OnWorkerReady(id, AddressOf(id));
  }

  static Address AddressOf(WorkerId id) {
    return absl::StrCat("n7:", 10000 + (id & 0xffff));
  }

  std::vector<WorkerId> launched_;
};

TEST_F(WorkerPoolTest, StartWorkersStopsAtMaxWorkers) {
  WorkerPool pool = MakePool(/*max_workers=*/3);
  pool.StartWorkers(2);
  EXPECT_EQ(launched_.size(), 2u);
  pool.StartWorkers(5);
  EXPECT_EQ(launched_.size(), 3u);
  EXPECT_EQ(pool.num_workers(), 3);
  EXPECT_EQ(pool.num_starting(), 3);
  // Workers that came up still count against the bound.
  AllReady(pool);
  pool.StartWorkers(1);
  EXPECT_EQ(launched_.size(), 3u);
  EXPECT_EQ(pool.num_starting(), 0);
  EXPECT_EQ(pool.num_idle(), 3);
}

TEST_F(WorkerPoolTest, ConcurrentStartsAreBoundedAndTheRestWaitTheirTurn) {
  WorkerPool pool(kNode, [this](WorkerId id) { launched_.push_back(id); },
                  {.max_workers = 8, .max_concurrent_starts = 2});
  pool.StartWorkers(5);
  ASSERT_EQ(launched_.size(), 2u);
  EXPECT_EQ(pool.num_starting(), 5);  // the raylet asks for no more
  EXPECT_EQ(pool.num_launching(), 2);
  ASSERT_TRUE(pool.OnWorkerReady(launched_[0], "w1"));
  ASSERT_EQ(launched_.size(), 3u);  // a ready worker frees a turn
  EXPECT_EQ(launched_[2], MakeWorkerId(kNode, 3));
  pool.Remove(launched_[1]);  // so does one that died starting
  ASSERT_EQ(launched_.size(), 4u);
  EXPECT_EQ(pool.num_starting(), 3);
  EXPECT_EQ(pool.num_launching(), 2);
  ASSERT_TRUE(pool.OnWorkerReady(launched_[2], "w3"));
  ASSERT_TRUE(pool.OnWorkerReady(launched_[3], "w4"));
  ASSERT_EQ(launched_.size(), 5u);
  ASSERT_TRUE(pool.OnWorkerReady(launched_[4], "w5"));
  EXPECT_EQ(pool.num_starting(), 0);
  EXPECT_EQ(pool.num_launching(), 0);
  EXPECT_EQ(pool.num_idle(), 4);
}

TEST_F(WorkerPoolTest, WorkerIdsCarryTheNodeAndCountFromOne) {
  WorkerPool pool = MakePool(/*max_workers=*/8);
  pool.StartWorkers(3);
  ASSERT_EQ(launched_.size(), 3u);
  for (size_t i = 0; i < launched_.size(); ++i) {
    EXPECT_EQ(NodeOfWorker(launched_[i]), kNode);
    EXPECT_EQ(launched_[i], MakeWorkerId(kNode, i + 1));
  }
}

TEST_F(WorkerPoolTest, EnsureStartingTopsUpOnlyWhatIsMissing) {
  WorkerPool pool = MakePool(/*max_workers=*/5);
  pool.StartWorkers(2);
  pool.EnsureStarting(1);  // two are starting already
  EXPECT_EQ(launched_.size(), 2u);
  pool.EnsureStarting(4);
  EXPECT_EQ(launched_.size(), 4u);
  EXPECT_EQ(pool.num_starting(), 4);

  pool.OnWorkerReady(launched_[0], AddressOf(launched_[0]));
  EXPECT_EQ(pool.num_starting(), 3);
  pool.EnsureStarting(3);
  EXPECT_EQ(launched_.size(), 4u);
  // Wanting more than the bound allows starts only up to the bound.
  pool.EnsureStarting(10);
  EXPECT_EQ(launched_.size(), 5u);
  EXPECT_EQ(pool.num_workers(), 5);
}

TEST_F(WorkerPoolTest, IdleWorkersAreLastInFirstOut) {
  WorkerPool pool = MakePool(/*max_workers=*/3);
  EXPECT_FALSE(pool.PopIdle().has_value());
  pool.StartWorkers(3);
  AllReady(pool);

  std::optional<WorkerHandle> third = pool.PopIdle();
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->id, launched_[2]);
  EXPECT_EQ(third->address, AddressOf(launched_[2]));
  std::optional<WorkerHandle> second = pool.PopIdle();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->id, launched_[1]);
  EXPECT_EQ(pool.num_idle(), 1);

  // A returned worker is the next one out: it is warm.
  pool.PushIdle(*third);
  pool.PushIdle(*second);
  EXPECT_EQ(pool.PopIdle()->id, launched_[1]);
  EXPECT_EQ(pool.PopIdle()->id, launched_[2]);
  EXPECT_EQ(pool.PopIdle()->id, launched_[0]);
  EXPECT_FALSE(pool.PopIdle().has_value());
  EXPECT_EQ(pool.num_workers(), 3);
}

TEST_F(WorkerPoolTest, ReadyWithoutStartIsIgnored) {
  WorkerPool pool = MakePool(/*max_workers=*/1);
  EXPECT_FALSE(pool.OnWorkerReady(MakeWorkerId(kNode, 9), "n7:1"));
  EXPECT_FALSE(pool.PopIdle().has_value());
}

TEST_F(WorkerPoolTest, AWorkerThatExitedBeforeItsReadyArrivesIsIgnored) {
  WorkerPool pool = MakePool(/*max_workers=*/2);
  pool.StartWorkers(1);
  ASSERT_EQ(launched_.size(), 1u);
  EXPECT_FALSE(pool.Remove(launched_[0]).has_value());  // never registered
  EXPECT_EQ(pool.num_starting(), 0);
  EXPECT_FALSE(pool.OnWorkerReady(launched_[0], AddressOf(launched_[0])));
  EXPECT_FALSE(pool.PopIdle().has_value());
  EXPECT_EQ(pool.num_workers(), 0);
}

TEST_F(WorkerPoolTest, RemovingAnIdleWorkerFreesItsPlace) {
  WorkerPool pool = MakePool(/*max_workers=*/1);
  pool.StartWorkers(1);
  pool.OnWorkerReady(launched_[0], AddressOf(launched_[0]));
  EXPECT_EQ(pool.Remove(launched_[0]), AddressOf(launched_[0]));
  EXPECT_FALSE(pool.PopIdle().has_value());
  pool.StartWorkers(1);
  EXPECT_EQ(launched_.size(), 2u);
}

}  // namespace
}  // namespace miniray
