// Actors, nested tasks and Pool end to end: per-caller order of actor calls
// under many callers, placement by resources, named actors, handles passed
// to tasks, recursion deeper than the cluster's CPUs, and Pool results.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "src/api/miniray.h"
#include "src/api/pool.h"
#include "src/programs/program.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

// Records the calls it gets, in the order it runs them.
class Log {
 public:
  int64_t Append(int64_t caller, int64_t index) {
    calls_.push_back({caller, index});
    return calls_.size();
  }
  // "ok" if each caller's calls ran in increasing index order, else the
  // first violation.
  std::string CheckOrder() const {
    std::map<int64_t, int64_t> last;
    for (const auto& [caller, index] : calls_) {
      auto it = last.find(caller);
      if (it != last.end() && index != it->second + 1) {
        return absl::StrCat("caller ", caller, " ran ", index, " after ",
                            it->second);
      }
      last[caller] = index;
    }
    return absl::StrCat("ok ", calls_.size());
  }

 private:
  std::vector<std::pair<int64_t, int64_t>> calls_;
};
Log* CreateLog() { return new Log(); }
MINIRAY_ACTOR_FACTORY(CreateLog);
MINIRAY_ACTOR_METHOD(Log, Append);
MINIRAY_ACTOR_METHOD(Log, CheckOrder);

// A caller task: makes `calls` calls on the log, jittering its own pace.
int64_t Caller(ActorHandle<Log> log, int64_t caller, int64_t calls) {
  std::vector<ObjectRef<int64_t>> refs;
  for (int64_t i = 0; i < calls; ++i) {
    refs.push_back(log.Task(&Log::Append).Remote(caller, i));
    if (i % 7 == caller % 7) Work(absl::Microseconds(50 * (caller + 1)));
  }
  Get(refs);
  return calls;
}
MINIRAY_REMOTE(Caller);

std::string ManyCallersProgram(const ProgramContext& context) {
  ActorHandle<Log> log = Actor(CreateLog).Remote();
  std::vector<ObjectRef<int64_t>> callers;
  for (int64_t c = 0; c < context.IntArg("callers", 8); ++c) {
    callers.push_back(Task(Caller).Remote(log, c, int64_t{50}));
  }
  // The driver is a caller too.
  for (int64_t i = 0; i < 50; ++i) log.Task(&Log::Append).Remote(int64_t{-1}, i);
  Get(callers);
  return Get(log.Task(&Log::CheckOrder).Remote());
}
MINIRAY_PROGRAM(test_many_callers, ManyCallersProgram);

class Gpu {
 public:
  int64_t Ping() { return 1; }
};
Gpu* CreateGpu() { return new Gpu(); }
MINIRAY_ACTOR_FACTORY(CreateGpu);
MINIRAY_ACTOR_METHOD(Gpu, Ping);

std::string PlacementProgram(const ProgramContext&) {
  ActorHandle<Gpu> gpu =
      Actor(CreateGpu).SetResources({{"GPU", 1}}).SetName("trainer").Remote();
  Get(gpu.Task(&Gpu::Ping).Remote());
  // Found by name, from another handle.
  ActorHandle<Gpu> same = GetActor<Gpu>("trainer");
  std::string missing;
  try {
    GetActor<Gpu>("nobody");
  } catch (const RayError& e) {
    missing = e.what();
  }
  // A handle of the wrong class fails cleanly instead of calling into a Gpu.
  ActorHandle<Log> wrong = GetActor<Log>("trainer");
  std::string mismatch;
  try {
    Get(wrong.Task(&Log::CheckOrder).Remote());
  } catch (const RayError& e) {
    mismatch = e.what();
  }
  return absl::StrCat(same.id() == gpu.id(), " ",
                      Get(same.Task(&Gpu::Ping).Remote()), " ", missing, " | ",
                      mismatch);
}
MINIRAY_PROGRAM(test_placement, PlacementProgram);

int64_t Deep(int64_t depth) {
  if (depth == 0) return 1;
  return 1 + Get(Task(Deep).Remote(depth - 1));
}
MINIRAY_REMOTE(Deep);

std::string DeepProgram(const ProgramContext& context) {
  return absl::StrCat(Get(Task(Deep).Remote(context.IntArg("depth", 20))));
}
MINIRAY_PROGRAM(test_deep, DeepProgram);

int64_t Triple(int64_t x) {
  Work(absl::Milliseconds(10 * (x % 3)));
  return 3 * x;
}
MINIRAY_REMOTE(Triple);

std::string PoolProgram(const ProgramContext&) {
  Pool pool(3);
  std::vector<int64_t> inputs = {1, 2, 3, 4, 5, 6, 7};
  std::vector<int64_t> ordered = pool.Map(Triple, inputs);
  std::vector<int64_t> unordered = pool.MapUnordered(Triple, inputs);
  std::vector<int64_t> sorted = unordered;
  std::sort(sorted.begin(), sorted.end());
  return absl::StrCat(pool.size(), " ", FormatList(ordered), " ",
                      sorted == ordered, " ", unordered != ordered);
}
MINIRAY_PROGRAM(test_pool, PoolProgram);

RunSummary RunProgram(const std::string& cluster, const std::string& program,
               SimCluster** out = nullptr) {
  absl::StatusOr<scenario::Scenario> s = scenario::ParseScenario(
      absl::StrCat("cluster { ", cluster, " } program { name: \"", program,
                   "\" }"),
      "test");
  EXPECT_TRUE(s.ok()) << s.status();
  static SimCluster* last = nullptr;
  delete last;
  last = new SimCluster(*s, 1);
  if (out != nullptr) *out = last;
  return last->Run();
}

TEST(ActorTest, PerCallerOrderHoldsUnderManyCallers) {
  RunSummary summary = RunProgram(
      "node { name: \"head\" resources { key: \"CPU\" value: 2 } } "
      "node { name: \"w\" count: 3 resources { key: \"CPU\" value: 4 } }",
      "test_many_callers");
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  EXPECT_EQ(summary.result, "ok 450");  // 8 callers x 50 + the driver's 50
}

TEST(ActorTest, PlacedWhereItsResourcesAreAndFoundByName) {
  SimCluster* cluster;
  RunSummary summary = RunProgram(
      "node { name: \"head\" resources { key: \"CPU\" value: 2 } } "
      "node { name: \"cpu\" resources { key: \"CPU\" value: 4 } } "
      "node { name: \"gpu\" resources { key: \"GPU\" value: 1 } }",
      "test_placement", &cluster);
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  EXPECT_EQ(summary.result,
            "1 1 ACTOR_DIED: no actor named \"nobody\" | TASK_FAILED: task "
            "Log::CheckOrder raised: Log::CheckOrder is not a method of this "
            "actor's class (miniray::(anonymous namespace)::Gpu)");
  std::vector<rpc::ActorInfo> actors = cluster->gcs().actor_manager().actors();
  ASSERT_EQ(actors.size(), 1u);
  EXPECT_EQ(actors[0].state(), rpc::ACTOR_ALIVE);
  EXPECT_EQ(actors[0].node_id(), cluster->raylet(2).node_id());
}

TEST(ActorTest, RecursionDeeperThanTheClusterFinishes) {
  // One CPU in the whole cluster, a chain of 20 nested tasks each blocked in
  // Get on its child: without lending CPUs back this deadlocks.
  RunSummary summary =
      RunProgram("node { name: \"head\" resources { key: \"CPU\" value: 1 } }",
          "test_deep");
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  EXPECT_EQ(summary.result, "21");
  EXPECT_EQ(summary.metrics.tasks_finished, 21u);
}

TEST(ActorTest, PoolMapKeepsOrderAndUnorderedHasTheSameResults) {
  RunSummary summary =
      RunProgram("node { name: \"head\" resources { key: \"CPU\" value: 4 } }",
          "test_pool");
  ASSERT_TRUE(summary.error.empty()) << summary.error;
  EXPECT_EQ(summary.result, "3 [3, 6, 9, 12, 15, 18, 21] 1 1");
}

}  // namespace
}  // namespace miniray
