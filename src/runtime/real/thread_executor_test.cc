// Proves that ThreadExecutor runs bodies on their own threads with their
// context set, that its Events wake waiters from another thread, time out,
// and ignore repeated Notify, and that the destructor waits for bodies.
#include "src/runtime/real/thread_executor.h"

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

constexpr absl::Duration kGenerous = absl::Seconds(10);

TEST(ThreadExecutorTest, SpawnRunsOnANewThreadWithItsContext) {
  ThreadExecutor executor;
  int context_object = 0;
  std::unique_ptr<Event> done = executor.NewEvent();
  void* seen_context = nullptr;
  std::thread::id body_thread;
  executor.Spawn(
      [&] {
        seen_context = CurrentContext();
        body_thread = std::this_thread::get_id();
        done->Notify();
      },
      &context_object);
  ASSERT_TRUE(done->WaitFor(kGenerous));
  EXPECT_EQ(seen_context, &context_object);
  EXPECT_NE(body_thread, std::this_thread::get_id());
  EXPECT_EQ(CurrentContext(), nullptr);  // not leaked into the caller
}

TEST(ThreadExecutorTest, EventWakesAWaiterOnAnotherThread) {
  ThreadExecutor executor;
  std::unique_ptr<Event> go = executor.NewEvent();
  std::unique_ptr<Event> woke = executor.NewEvent();
  executor.Spawn(
      [&] {
        go->Wait();
        woke->Notify();
      },
      nullptr);
  EXPECT_FALSE(woke->WaitFor(absl::Milliseconds(20)));  // still blocked
  EXPECT_FALSE(go->notified());
  go->Notify();
  go->Notify();  // idempotent
  EXPECT_TRUE(go->notified());
  EXPECT_TRUE(woke->WaitFor(kGenerous));
}

TEST(ThreadExecutorTest, WaitForTimesOutAndReturnsAtOnceWhenNotified) {
  ThreadExecutor executor;
  std::unique_ptr<Event> event = executor.NewEvent();
  const absl::Time start = absl::Now();
  EXPECT_FALSE(event->WaitFor(absl::Milliseconds(30)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(30));
  event->Notify();
  EXPECT_TRUE(event->WaitFor(absl::ZeroDuration()));
  event->Wait();  // returns at once
}

TEST(ThreadExecutorTest, ManyWaitersAllWake) {
  ThreadExecutor executor;
  std::unique_ptr<Event> go = executor.NewEvent();
  std::atomic<int> woke{0};
  for (int i = 0; i < 8; ++i) {
    executor.Spawn(
        [&] {
          go->Wait();
          ++woke;
        },
        nullptr);
  }
  go->Notify();
  const absl::Time deadline = absl::Now() + kGenerous;
  while (executor.live_threads() > 0 && absl::Now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(woke, 8);
}

TEST(ThreadExecutorTest, SleepSleepsTheCallingThread) {
  ThreadExecutor executor;
  const absl::Time start = absl::Now();
  executor.Sleep(absl::Milliseconds(20));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(20));
}

TEST(ThreadExecutorTest, DestructorWaitsForRunningBodies) {
  std::atomic<bool> finished{false};
  {
    ThreadExecutor executor;
    executor.Spawn(
        [&] {
          absl::SleepFor(absl::Milliseconds(50));
          finished = true;
        },
        nullptr);
  }
  EXPECT_TRUE(finished);
}

}  // namespace
}  // namespace miniray
