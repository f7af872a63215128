// Proves that blocking code on fibers waits for events and sleeps in virtual
// time, and that the context given to Spawn follows its fiber.
#include "src/runtime/sim/sim_executor.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace miniray {
namespace {

void RunAll(SimLoop& loop) {
  while (loop.RunOne()) {
  }
}

TEST(SimExecutorTest, SleepTakesVirtualTime) {
  SimLoop loop;
  SimExecutor executor(loop);
  absl::Duration woke;
  executor.Spawn(
      [&] {
        executor.Sleep(absl::Seconds(3));
        woke = loop.elapsed();
      },
      nullptr);
  RunAll(loop);
  EXPECT_EQ(woke, absl::Seconds(3));
  EXPECT_EQ(executor.live_fibers(), 0u);
}

TEST(SimExecutorTest, WaitBlocksUntilNotify) {
  SimLoop loop;
  SimExecutor executor(loop);
  std::unique_ptr<Event> event = executor.NewEvent();
  std::vector<std::string> log;
  executor.Spawn(
      [&] {
        log.push_back("waiting");
        event->Wait();
        log.push_back("woken");
      },
      nullptr);
  loop.RunAfter(absl::Seconds(1), [&] {
    log.push_back("notify");
    event->Notify();
  });
  RunAll(loop);
  EXPECT_EQ(log, (std::vector<std::string>{"waiting", "notify", "woken"}));
}

TEST(SimExecutorTest, WaitForTimesOut) {
  SimLoop loop;
  SimExecutor executor(loop);
  std::unique_ptr<Event> event = executor.NewEvent();
  bool notified = true;
  executor.Spawn([&] { notified = event->WaitFor(absl::Seconds(2)); },
                 nullptr);
  RunAll(loop);
  EXPECT_FALSE(notified);
  EXPECT_EQ(loop.elapsed(), absl::Seconds(2));
}

TEST(SimExecutorTest, WaitForReturnsEarlyOnNotify) {
  SimLoop loop;
  SimExecutor executor(loop);
  std::unique_ptr<Event> event = executor.NewEvent();
  bool notified = false;
  absl::Duration at;
  executor.Spawn(
      [&] {
        notified = event->WaitFor(absl::Seconds(10));
        at = loop.elapsed();
      },
      nullptr);
  loop.RunAfter(absl::Seconds(1), [&] { event->Notify(); });
  RunAll(loop);
  EXPECT_TRUE(notified);
  EXPECT_EQ(at, absl::Seconds(1));
}

TEST(SimExecutorTest, ContextFollowsTheFiber) {
  SimLoop loop;
  SimExecutor executor(loop);
  int a = 0, b = 0;
  std::vector<void*> seen;
  for (int* context : {&a, &b}) {
    executor.Spawn(
        [&] {
          seen.push_back(CurrentContext());
          executor.Sleep(absl::Seconds(1));
          seen.push_back(CurrentContext());
        },
        context);
  }
  RunAll(loop);
  EXPECT_EQ(seen, (std::vector<void*>{&a, &b, &a, &b}));
  EXPECT_EQ(CurrentContext(), nullptr);
}

}  // namespace
}  // namespace miniray
