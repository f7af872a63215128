// End-to-end behaviour of a simulated cluster through the API: errors reach
// Get, failures propagate to dependent tasks, Wait honours its timeout,
// objects are freed when their last reference drops, tasks spill to other
// nodes and reuse leased workers.
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/api/miniray.h"
#include "src/programs/program.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

int64_t Fail(int64_t) { throw std::runtime_error("boom"); }
MINIRAY_REMOTE(Fail);

int64_t AddOne(int64_t x) { return x + 1; }
MINIRAY_REMOTE(AddOne);

int64_t Sleepy(int64_t seconds) {
  Work(absl::Seconds(seconds));
  return seconds;
}
MINIRAY_REMOTE(Sleepy);

int64_t Length(const std::string& s) { return s.size(); }
MINIRAY_REMOTE(Length);

std::string ErrorsProgram(const ProgramContext&) {
  ObjectRef<int64_t> failed = Task(Fail).Remote(1);
  std::string seen;
  try {
    Get(failed);
  } catch (const RayError& e) {
    seen = absl::StrCat(rpc::ErrorType_Name(e.type()), " | ", e.what());
  }
  try {
    Get(Task(AddOne).Remote(failed));  // depends on the failed object
  } catch (const RayError& e) {
    absl::StrAppend(&seen, " || ", e.what());
  }
  return seen;
}
MINIRAY_PROGRAM(test_errors, ErrorsProgram);

std::string WaitTimeoutProgram(const ProgramContext&) {
  std::vector<ObjectRef<int64_t>> refs = {Task(Sleepy).Remote(10)};
  WaitResult<int64_t> early = Wait(refs, 1, absl::Seconds(1));
  const absl::Time t1 = CurrentWorker().clock().Now();
  WaitResult<int64_t> late = Wait(refs, 1);
  const absl::Time t2 = CurrentWorker().clock().Now();
  return absl::StrCat(early.ready.size(), " ", late.ready.size(), " ",
                      absl::ToInt64Seconds(t1 - absl::UnixEpoch()), " ",
                      absl::ToInt64Seconds(t2 - absl::UnixEpoch()));
}
MINIRAY_PROGRAM(test_wait_timeout, WaitTimeoutProgram);

std::string FreeProgram(const ProgramContext&) {
  int64_t total = 0;
  for (int i = 0; i < 3; ++i) {
    ObjectRef<std::string> big = Put(std::string(4 << 20, 'x'));
    total += Get(Task(Length).Remote(big));
  }
  return absl::StrCat(total);
}
MINIRAY_PROGRAM(test_free, FreeProgram);

std::string ManyTasksProgram(const ProgramContext& context) {
  std::vector<ObjectRef<int64_t>> refs;
  for (int i = 0; i < context.IntArg("n", 100); ++i) {
    refs.push_back(Task(AddOne).Remote(i));
  }
  int64_t sum = 0;
  for (int64_t v : Get(refs)) sum += v;
  return absl::StrCat(sum);
}
MINIRAY_PROGRAM(test_many_tasks, ManyTasksProgram);

scenario::Scenario Make(const std::string& program, int workers,
                        double head_cpus) {
  const std::string text = absl::StrCat(
      "cluster { node { name: \"head\" resources { key: \"CPU\" value: ",
      head_cpus, " } } node { name: \"w\" count: ", workers,
      " resources { key: \"CPU\" value: 2 } } } program { name: \"", program,
      "\" }");
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(text, "test");
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

TEST(ClusterTest, ApplicationErrorsReachGetAndPropagate) {
  SimCluster cluster(Make("test_errors", 2, 1), 1);
  RunSummary summary = cluster.Run();
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  EXPECT_NE(summary.result.find("TASK_FAILED | TASK_FAILED: task Fail raised: boom"),
            std::string::npos)
      << summary.result;
  EXPECT_NE(summary.result.find("|| TASK_FAILED: argument"), std::string::npos)
      << summary.result;
  EXPECT_NE(summary.result.find("of task AddOne failed"), std::string::npos)
      << summary.result;
}

TEST(ClusterTest, WaitReturnsAtItsTimeout) {
  SimCluster cluster(Make("test_wait_timeout", 1, 1), 1);
  RunSummary summary = cluster.Run();
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  // Nothing ready after 1 s; ready once the 10 s task is done.
  EXPECT_EQ(summary.result, "0 1 1 10");
}

TEST(ClusterTest, ObjectsAreFreedWhenTheLastReferenceDrops) {
  // The head has no CPU: every task runs on a worker and pulls the object.
  SimCluster cluster(Make("test_free", 2, 0), 1);
  RunSummary summary = cluster.Run();
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  EXPECT_EQ(summary.result, absl::StrCat(3 * (4 << 20)));
  EXPECT_EQ(summary.metrics.objects_transferred, 3u);
  cluster.Settle(absl::Seconds(1));
  for (size_t i = 0; i < cluster.num_nodes(); ++i) {
    EXPECT_EQ(cluster.raylet(i).store().stats().num_objects, 0)
        << "node " << i;
  }
  EXPECT_EQ(cluster.driver().num_owned_objects(), 0u);
}

TEST(ClusterTest, TasksSpillBackAndReuseLeases) {
  scenario::Scenario s = Make("test_many_tasks", 4, 1);
  SimCluster cluster(s, 1);
  RunSummary summary = cluster.Run();
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  EXPECT_EQ(summary.result, absl::StrCat(100 * 101 / 2));
  EXPECT_EQ(summary.metrics.tasks_finished, 100u);
  EXPECT_GT(summary.metrics.spillbacks, 0u);
  // Owners push several tasks through one lease while the queue is long.
  EXPECT_LT(summary.metrics.leases_granted, 100u);
}

}  // namespace
}  // namespace miniray
