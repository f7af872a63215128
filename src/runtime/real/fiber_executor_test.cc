// Proves that FiberExecutor runs bodies as fibers on the loop's thread with
// their context set, that Events wake fibers whether notified from the loop,
// from another fiber or from another thread, that WaitFor times out and
// Sleep waits on the loop's timers, and that blocked fibers are dropped
// without hanging when the executor goes.
#include "src/runtime/real/fiber_executor.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

constexpr absl::Duration kGenerous = absl::Seconds(10);

TEST(FiberExecutorTest, SpawnRunsOnTheLoopThreadWithItsContext) {
  EventLoop loop("fiber-test");
  FiberExecutor executor(loop);
  int context_object = 0;
  void* seen_context = nullptr;
  bool in_loop = false;
  bool in_fiber = false;
  absl::Notification done;
  executor.Spawn(
      [&] {
        seen_context = CurrentContext();
        in_loop = loop.InLoopThread();
        in_fiber = Fiber::Current() != nullptr;
        done.Notify();
      },
      &context_object);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  EXPECT_EQ(seen_context, &context_object);
  EXPECT_TRUE(in_loop);
  EXPECT_TRUE(in_fiber);
  loop.RunAndWait([&] { EXPECT_EQ(CurrentContext(), nullptr); });
  loop.RunAndWait([] {});  // the fiber's last step has been accounted
  EXPECT_EQ(executor.live_fibers(), 0);
}

TEST(FiberExecutorTest, NotifyFromAnotherThreadResumesTheFiber) {
  EventLoop loop("fiber-test");
  FiberExecutor executor(loop);
  std::unique_ptr<Event> go = executor.NewEvent();
  absl::Notification blocked, woke;
  executor.Spawn(
      [&] {
        blocked.Notify();
        go->Wait();
        woke.Notify();
      },
      nullptr);
  ASSERT_TRUE(blocked.WaitForNotificationWithTimeout(kGenerous));
  EXPECT_FALSE(woke.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  // The loop is free while the fiber waits.
  EXPECT_TRUE(loop.RunAndWait([] {}));
  std::thread notifier([&] { go->Notify(); });
  notifier.join();
  go->Notify();  // idempotent
  EXPECT_TRUE(go->notified());
  EXPECT_TRUE(woke.WaitForNotificationWithTimeout(kGenerous));
  // The fiber may still be finishing on the loop: stop the loop before the
  // executor goes (FiberExecutor's contract), or the two race.
  loop.Stop();
}

TEST(FiberExecutorTest, FibersWakeEachOtherAndInterleaveOnOneThread) {
  EventLoop loop("fiber-test");
  FiberExecutor executor(loop);
  std::unique_ptr<Event> ping = executor.NewEvent();
  std::unique_ptr<Event> pong = executor.NewEvent();
  std::vector<int> order;  // only touched on the loop's thread
  absl::Notification done;
  executor.Spawn(
      [&] {
        order.push_back(1);
        ping->Notify();
        pong->Wait();
        order.push_back(4);
        done.Notify();
      },
      nullptr);
  executor.Spawn(
      [&] {
        order.push_back(2);
        ping->Wait();
        order.push_back(3);
        pong->Notify();
      },
      nullptr);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  loop.RunAndWait([&] { EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4})); });
}

TEST(FiberExecutorTest, WaitForTimesOutOrReturnsWhenNotified) {
  EventLoop loop("fiber-test");
  FiberExecutor executor(loop);
  std::unique_ptr<Event> never = executor.NewEvent();
  std::unique_ptr<Event> soon = executor.NewEvent();
  bool timed_out_result = true, notified_result = false;
  absl::Duration waited;
  absl::Notification done;
  executor.Spawn(
      [&] {
        const absl::Time start = absl::Now();
        timed_out_result = never->WaitFor(absl::Milliseconds(30));
        waited = absl::Now() - start;
        notified_result = soon->WaitFor(kGenerous);
        done.Notify();
      },
      nullptr);
  loop.RunAfter(absl::Milliseconds(60), [&] { soon->Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  EXPECT_FALSE(timed_out_result);
  EXPECT_GE(waited, absl::Milliseconds(30));
  EXPECT_TRUE(notified_result);
  // The fiber may still be finishing on the loop: stop the loop before the
  // executor goes (FiberExecutor's contract), or the two race.
  loop.Stop();
}

TEST(FiberExecutorTest, SleepLetsOtherFibersRun) {
  EventLoop loop("fiber-test");
  FiberExecutor executor(loop);
  std::atomic<int> ticks{0};
  absl::Duration slept;
  absl::Notification done;
  executor.Spawn(
      [&] {
        const absl::Time start = absl::Now();
        executor.Sleep(absl::Milliseconds(50));
        slept = absl::Now() - start;
        done.Notify();
      },
      nullptr);
  executor.Spawn([&] { ++ticks; }, nullptr);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  EXPECT_GE(slept, absl::Milliseconds(50));
  EXPECT_EQ(ticks.load(), 1);
  // The fiber may still be finishing on the loop: stop the loop before the
  // executor goes (FiberExecutor's contract), or the two race.
  loop.Stop();
}

TEST(FiberExecutorTest, BlockedFibersAreDroppedWhenTheExecutorGoes) {
  EventLoop loop("fiber-test");
  auto executor = std::make_unique<FiberExecutor>(loop);
  std::vector<std::unique_ptr<Event>> never;
  std::atomic<int> blocked{0};
  for (int i = 0; i < 3; ++i) {
    never.push_back(executor->NewEvent());
    executor->Spawn(
        [&, event = never.back().get()] {
          ++blocked;
          event->Wait();
          ADD_FAILURE() << "a dropped fiber ran on";
        },
        nullptr);
  }
  loop.RunAndWait([] {});  // the three spawns have run
  EXPECT_EQ(blocked.load(), 3);
  EXPECT_EQ(executor->live_fibers(), 3);
  loop.RunAndWait([&] { executor.reset(); });
  EXPECT_TRUE(loop.RunAndWait([] {}));  // the loop goes on
}

}  // namespace
}  // namespace miniray
