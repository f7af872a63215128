// Proves that the GCS's task table keeps the latest snapshot of each task in
// first-reported order, evicts the oldest task beyond its bound (counting
// evictions), adds up the owners' dropped counts, marks the unfinished
// tasks of owners on a dead node failed, and counts the tasks reported,
// ended, failed and retried by the owner's node.
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

TEST(GcsTaskManagerTest, CountsTasksByOwnerNodeAsReportsChangeThem) {
  GcsTaskManager tasks({.tasks_max = 2});
  auto event = [](NodeId node, uint64_t seq, const std::string& state,
                  int attempts) {
    rpc::TaskEventProto e;
    *e.mutable_task_id() = ToProto(TaskId{MakeWorkerId(node, 1), seq});
    e.set_state(state);
    e.set_attempts(attempts);
    return e;
  };
  rpc::AddTaskEventsRequest first;
  *first.add_events() = event(1, 1, "running", 1);
  *first.add_events() = event(1, 2, "pending", 1);
  *first.add_events() = event(2, 1, "finished", 1);
  tasks.AddEvents(first);
  rpc::AddTaskEventsRequest second;
  *second.add_events() = event(1, 1, "finished", 3);  // two retries
  *second.add_events() = event(1, 2, "failed", 1);
  *second.add_events() = event(1, 2, "failed", 1);    // again: counted once
  tasks.AddEvents(second);

  const GcsTaskManager::TaskCounts all = tasks.CountsExcept(kNoNode);
  EXPECT_EQ(all.submitted, 3);
  EXPECT_EQ(all.finished, 3);
  EXPECT_EQ(all.failed, 1);
  EXPECT_EQ(all.retried, 2);
  // The counts outlive the table's bound (two entries here).
  EXPECT_EQ(tasks.size(), 2u);
  const GcsTaskManager::TaskCounts not_node_1 = tasks.CountsExcept(1);
  EXPECT_EQ(not_node_1.submitted, 1);
  EXPECT_EQ(not_node_1.finished, 1);
  EXPECT_EQ(not_node_1.retried, 0);
}

}  // namespace
}  // namespace miniray
