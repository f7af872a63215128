// Proves that the GCS's task table keeps the latest snapshot of each task in
// first-reported order, evicts the oldest task beyond its bound (counting
// evictions), adds up the owners' dropped counts, and marks the unfinished
// tasks of owners on a dead node failed.
#include "src/gcs/task_manager.h"

#include "gtest/gtest.h"
#include "src/rpc/convert.h"

namespace miniray {
namespace {

rpc::TaskEventProto Event(uint64_t seq, const std::string& state) {
  rpc::TaskEventProto event;
  *event.mutable_task_id() = ToProto(TaskId{MakeWorkerId(1, 2), seq});
  event.set_name("f");
  event.set_state(state);
  return event;
}

TEST(GcsTaskManagerTest, LatestSnapshotWinsInFirstReportedOrder) {
  GcsTaskManager tasks({.tasks_max = 10});
  rpc::AddTaskEventsRequest first;
  *first.add_events() = Event(2, "pending");
  *first.add_events() = Event(1, "running");
  tasks.AddEvents(first);
  rpc::AddTaskEventsRequest second;
  *second.add_events() = Event(2, "finished");
  second.set_dropped(3);
  tasks.AddEvents(second);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks.Tasks()[0]->task_id().seq(), 2u);
  EXPECT_EQ(tasks.Tasks()[0]->state(), "finished");
  EXPECT_EQ(tasks.Tasks()[1]->state(), "running");
  EXPECT_EQ(tasks.dropped_at_owners(), 3);
  EXPECT_EQ(tasks.evicted(), 0);
}

TEST(GcsTaskManagerTest, EvictsOldestBeyondBound) {
  GcsTaskManager tasks({.tasks_max = 3});
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    rpc::AddTaskEventsRequest request;
    *request.add_events() = Event(seq, "pending");
    tasks.AddEvents(request);
  }
  // Updating a kept task does not evict anything.
  rpc::AddTaskEventsRequest update;
  *update.add_events() = Event(4, "finished");
  tasks.AddEvents(update);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks.evicted(), 2);
  EXPECT_EQ(tasks.Tasks()[0]->task_id().seq(), 3u);
  EXPECT_EQ(tasks.Tasks()[1]->state(), "finished");
  EXPECT_EQ(tasks.Tasks()[2]->task_id().seq(), 5u);
}

TEST(GcsTaskManagerTest, UnfinishedTasksOfOwnersOnADeadNodeFail) {
  GcsTaskManager tasks({});
  rpc::AddTaskEventsRequest request;
  *request.add_events() = Event(1, "running");   // owner on node 1
  *request.add_events() = Event(2, "finished");  // owner on node 1
  rpc::TaskEventProto other = Event(3, "running");
  *other.mutable_task_id() = ToProto(TaskId{MakeWorkerId(4, 2), 3});
  *request.add_events() = other;
  tasks.AddEvents(request);
  tasks.OnNodeDied(1);
  EXPECT_EQ(tasks.Tasks()[0]->state(), "failed");
  EXPECT_EQ(tasks.Tasks()[1]->state(), "finished");
  EXPECT_EQ(tasks.Tasks()[2]->state(), "running");
}

}  // namespace
}  // namespace miniray
