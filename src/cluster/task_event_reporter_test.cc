// Proves, in the simulator (virtual time, a real GcsServer), that owners'
// task snapshots reach the GCS's task table once a period: a task seen
// pending, then running, then finished there; that nested tasks (with a
// parent) and several owners' traces are reported; that an owner trace is
// compacted after it was read; that Flush sends at once; and that beyond
// pending_max the oldest snapshots are dropped and counted at the GCS.
#include "src/cluster/task_event_reporter.h"

#include "glog/logging.h"
#include "gtest/gtest.h"
#include "src/gcs/gcs_server.h"
#include "src/rpc/convert.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"

namespace miniray {
namespace {

const Address kGcsAddress = "head:6379";
// Where the reporter's process listens (replies go there).
const Address kOwnerAddress = "worker:7000";
constexpr absl::Duration kPeriod = absl::Seconds(1);

class TaskEventReporterTest : public ::testing::Test {
 protected:
  TaskEventReporterTest()
      : network_(loop_, {}), gcs_(loop_, network_, kGcsAddress, {}) {
    CHECK(gcs_.Start().ok());
    CHECK(network_
              .Listen(kOwnerAddress,
                      [](absl::string_view, Payload, ReplyCallback) {})
              .ok());
  }

  void RunFor(absl::Duration duration) {
    loop_.RunUntil([] { return false; }, loop_.Now() + duration);
  }

  // The GCS's state of task `seq` of worker (1, 1), or "" if it has none.
  std::string StateAtGcs(uint64_t seq, WorkerId worker = MakeWorkerId(1, 1)) {
    for (const rpc::TaskEventProto* task : gcs_.task_manager().Tasks()) {
      if (FromProto(task->task_id()) == TaskId{worker, seq}) {
        return task->state();
      }
    }
    return "";
  }

  SimLoop loop_;
  SimNetwork network_;
  GcsServer gcs_;
};

TEST_F(TaskEventReporterTest, TaskMovesThroughItsStatesAtTheGcs) {
  TaskEventReporter reporter(
      loop_, network_,
      {.gcs_address = kGcsAddress, .from_address = kOwnerAddress});
  TraceRecorder* owner = reporter.NewOwnerTrace();
  reporter.Start();
  const TaskId task{MakeWorkerId(1, 1), 1};
  owner->TaskSubmitted({.id = task, .name = "f"}, loop_.Now());
  RunFor(kPeriod * 1.5);
  EXPECT_EQ(StateAtGcs(1), "pending");
  owner->TaskStarted(task, /*node=*/2, MakeWorkerId(2, 3), loop_.Now());
  RunFor(kPeriod);
  EXPECT_EQ(StateAtGcs(1), "running");
  owner->TaskFinished(task, rpc::ErrorInfo(), loop_.Now());
  RunFor(kPeriod);
  ASSERT_EQ(StateAtGcs(1), "finished");
  const rpc::TaskEventProto& event = *gcs_.task_manager().Tasks()[0];
  EXPECT_EQ(event.name(), "f");
  EXPECT_EQ(event.node_id(), 2u);
  EXPECT_EQ(event.attempts(), 1);
  EXPECT_GT(event.finished_unix_us(), event.started_unix_us());
  // Read and reported: the owner's trace forgot the ended task.
  EXPECT_TRUE(owner->tasks().empty());
  EXPECT_TRUE(owner->events().empty());
}

TEST_F(TaskEventReporterTest, NestedTasksOfSeveralOwnersAndFlush) {
  TaskEventReporter reporter(
      loop_, network_,
      {.gcs_address = kGcsAddress, .from_address = kOwnerAddress});
  TraceRecorder driver;
  reporter.Watch(&driver);
  TraceRecorder* worker = reporter.NewOwnerTrace();
  const TaskId parent{MakeWorkerId(1, 1), 1};
  const TaskId child{MakeWorkerId(2, 1), 1};
  driver.TaskSubmitted({.id = parent, .name = "fib"}, loop_.Now());
  worker->TaskSubmitted({.id = child, .name = "fib", .parent = parent},
                        loop_.Now());
  bool flushed = false;
  reporter.Flush([&] { flushed = true; });  // not started: no timer
  ASSERT_TRUE(
      loop_.RunUntil([&] { return flushed; }, loop_.Now() + absl::Seconds(1)));
  ASSERT_EQ(gcs_.task_manager().size(), 2u);
  EXPECT_EQ(StateAtGcs(1, MakeWorkerId(2, 1)), "pending");
  const rpc::TaskEventProto& nested = *gcs_.task_manager().Tasks()[1];
  EXPECT_TRUE(nested.has_parent());
  EXPECT_EQ(FromProto(nested.parent()), parent);
  // A watched trace is the caller's: never compacted.
  EXPECT_EQ(driver.tasks().size(), 1u);
}

TEST_F(TaskEventReporterTest, DropsOldestBeyondPendingMaxAndCountsThem) {
  TaskEventReporter reporter(loop_, network_,
                             {.gcs_address = kGcsAddress,
                              .from_address = kOwnerAddress,
                              .pending_max = 3});
  TraceRecorder* owner = reporter.NewOwnerTrace();
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    owner->TaskSubmitted({.id = {MakeWorkerId(1, 1), seq}, .name = "f"},
                         loop_.Now());
  }
  reporter.Start();
  RunFor(kPeriod * 1.5);
  EXPECT_EQ(gcs_.task_manager().size(), 3u);
  EXPECT_EQ(StateAtGcs(1), "");
  EXPECT_EQ(StateAtGcs(3), "pending");
  EXPECT_EQ(reporter.dropped(), 2);
  EXPECT_EQ(gcs_.task_manager().dropped_at_owners(), 2);
}

}  // namespace
}  // namespace miniray
