// Proves that an EventLoop runs posted closures in order on one thread,
// fires timers in deadline order and not early, honours Cancel, accepts work
// from many threads without running two callbacks at once, and stops
// cleanly (dropping, not running, what is left); and that an idle loop's
// spin (with an hour-long bound here) ends at once for new work, a due timer
// or Stop; that a gRPC completion on the loop's queue runs on the loop,
// that work posted to a loop blocked on its queue always wakes it, and that
// once the loop has stopped, AwaitCompletion runs completions itself.
#include "src/runtime/real/event_loop.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpcpp/alarm.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

constexpr absl::Duration kGenerous = absl::Seconds(10);

TEST(EventLoopTest, PostedClosuresRunInOrderOnTheLoopThread) {
  EventLoop loop("test");
  std::vector<int> order;
  bool on_loop = true;
  for (int i = 0; i < 100; ++i) {
    loop.Post([&, i] {
      on_loop = on_loop && loop.InLoopThread();
      order.push_back(i);
    });
  }
  ASSERT_TRUE(loop.RunAndWait([] {}));
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
  EXPECT_TRUE(on_loop);
  EXPECT_FALSE(loop.InLoopThread());
}

TEST(EventLoopTest, TimersFireInDeadlineOrderAndNotEarly) {
  EventLoop loop("test");
  std::vector<int> order;
  absl::Notification done;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration first_fired{};
  loop.RunAfter(absl::Milliseconds(30), [&] {
    order.push_back(3);
    done.Notify();
  });
  loop.RunAfter(absl::Milliseconds(10), [&] {
    first_fired = std::chrono::steady_clock::now() - start;
    order.push_back(1);
  });
  loop.RunAfter(absl::Milliseconds(20), [&] { order.push_back(2); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  ASSERT_TRUE(loop.RunAndWait([] {}));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_GE(first_fired, std::chrono::milliseconds(10));
}

TEST(EventLoopTest, TimersWithTheSameDeadlineRunInTheOrderSet) {
  EventLoop loop("test");
  std::vector<int> order;
  // Set all timers from the loop itself, so none can fire in between.
  loop.RunAndWait([&] {
    for (int i = 0; i < 20; ++i) {
      loop.RunAfter(absl::ZeroDuration(), [&, i] { order.push_back(i); });
    }
  });
  absl::Notification done;
  loop.RunAfter(absl::Milliseconds(1), [&] { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  ASSERT_EQ(order.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
}

TEST(EventLoopTest, CancelledTimerNeverRuns) {
  EventLoop loop("test");
  std::atomic<bool> cancelled_ran{false};
  absl::Notification later_ran;
  const TimerId id =
      loop.RunAfter(absl::Milliseconds(5), [&] { cancelled_ran = true; });
  loop.Cancel(id);
  loop.RunAfter(absl::Milliseconds(20), [&] { later_ran.Notify(); });
  ASSERT_TRUE(later_ran.WaitForNotificationWithTimeout(kGenerous));
  EXPECT_FALSE(cancelled_ran);
  loop.Cancel(id);      // cancelling twice is a no-op
  loop.Cancel(123456);  // and so is cancelling an unknown id
}

TEST(EventLoopTest, ACallbackCanCancelATimerDueAtTheSameTime) {
  EventLoop loop("test");
  bool second_ran = false;
  TimerId second = 0;
  absl::Notification done;
  loop.RunAndWait([&] {
    loop.RunAfter(absl::Milliseconds(1), [&] { loop.Cancel(second); });
    second = loop.RunAfter(absl::Milliseconds(1), [&] { second_ran = true; });
    loop.RunAfter(absl::Milliseconds(5), [&] { done.Notify(); });
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  loop.RunAndWait([&] { EXPECT_FALSE(second_ran); });
}

TEST(EventLoopTest, ConcurrentPostsNeverOverlapAndAllRun) {
  EventLoop loop("test");
  constexpr int kThreads = 8, kPerThread = 2000;
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  int count = 0;  // touched only on the loop
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        loop.Post([&] {
          if (inside.fetch_add(1) != 0) overlapped = true;
          ++count;
          inside.fetch_sub(1);
        });
        if (i % 100 == 0) loop.RunAfter(absl::ZeroDuration(), [&] { ++count; });
      }
    });
  }
  for (std::thread& t : threads) t.join();
  // Timers set at zero delay are due by now; one more wait lets them run.
  absl::Notification done;
  loop.RunAfter(absl::Milliseconds(1), [&] { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kGenerous));
  int seen = 0;
  loop.RunAndWait([&] { seen = count; });
  EXPECT_EQ(seen, kThreads * kPerThread + kThreads * (kPerThread / 100));
  EXPECT_FALSE(overlapped);
}

TEST(EventLoopTest, RunAndWaitOnTheLoopRunsInline) {
  EventLoop loop("test");
  bool inner = false;
  ASSERT_TRUE(loop.RunAndWait(
      [&] { EXPECT_TRUE(loop.RunAndWait([&] { inner = true; })); }));
  EXPECT_TRUE(inner);
}

TEST(EventLoopTest, StopDropsPendingWorkAndLaterPosts) {
  EventLoop loop("test");
  absl::Notification blocked, release;
  std::atomic<bool> pending_ran{false};
  loop.Post([&] {
    blocked.Notify();
    release.WaitForNotification();
  });
  ASSERT_TRUE(blocked.WaitForNotificationWithTimeout(kGenerous));
  loop.Post([&] { pending_ran = true; });
  loop.RunAfter(absl::ZeroDuration(), [&] { pending_ran = true; });
  std::thread stopper([&] { loop.Stop(); });
  // Stop marks the loop stopped before it waits for the running callback.
  while (!loop.stopped()) std::this_thread::yield();
  release.Notify();
  stopper.join();
  EXPECT_FALSE(pending_ran);
  loop.Post([&] { pending_ran = true; });
  EXPECT_FALSE(loop.RunAndWait([&] { pending_ran = true; }));
  EXPECT_FALSE(pending_ran);
  loop.Stop();  // idempotent
}

TEST(EventLoopTest, RunAndWaitReturnsFalseWhenTheLoopStopsFirst) {
  EventLoop loop("test");
  absl::Notification blocked, release;
  loop.Post([&] {
    blocked.Notify();
    release.WaitForNotification();
  });
  ASSERT_TRUE(blocked.WaitForNotificationWithTimeout(kGenerous));
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = loop.RunAndWait([] {}) ? 1 : 0; });
  // The waiter's closure is queued behind the blocked callback, or about to
  // be; either way Stop drops it or Post refuses it.
  std::thread stopper([&] { loop.Stop(); });
  while (!loop.stopped()) std::this_thread::yield();
  release.Notify();
  stopper.join();
  waiter.join();
  EXPECT_EQ(result, 0);
}

TEST(EventLoopTest, StopFromALoopCallbackEndsTheLoop) {
  EventLoop loop("test");
  loop.Post([&] { loop.Stop(); });
  absl::Time deadline = absl::Now() + kGenerous;
  while (!loop.stopped() && absl::Now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(loop.stopped());
  EXPECT_FALSE(loop.RunAndWait([] {}));
}

// An idle spin far longer than any test, which late polls (a busy test
// machine) do not cut short: each case below would hang or time out if the
// spin missed what should end it.
constexpr EventLoop::IdleSpin kHourSpin{.max = absl::Hours(1),
                                        .late_poll = absl::Hours(1)};

TEST(EventLoopIdleSpinTest, WorkPostedDuringTheSpinRuns) {
  EventLoop loop("test", kHourSpin);
  ASSERT_TRUE(loop.RunAndWait([] {}));  // the loop is now idle, spinning
  absl::Notification ran;
  loop.Post([&] { ran.Notify(); });
  EXPECT_TRUE(ran.WaitForNotificationWithTimeout(kGenerous));
}

TEST(EventLoopIdleSpinTest, TheSpinEndsAtTheNextTimer) {
  EventLoop loop("test", kHourSpin);
  absl::Notification fired;
  // Set on the loop, so that the loop goes idle with the timer already set
  // and nothing else to notice: only the spin's bound can end it in time.
  loop.Post(
      [&] { loop.RunAfter(absl::Milliseconds(20), [&] { fired.Notify(); }); });
  EXPECT_TRUE(fired.WaitForNotificationWithTimeout(kGenerous));
}

TEST(EventLoopIdleSpinTest, StopEndsTheSpin) {
  EventLoop loop("test", kHourSpin);
  ASSERT_TRUE(loop.RunAndWait([] {}));
  const absl::Time start = absl::Now();
  loop.Stop();  // joins the thread: a spin that missed Stop hangs here
  EXPECT_LT(absl::Now() - start, kGenerous);
}

// A Completion that records where it ran.
struct Recorder : EventLoop::Completion {
  explicit Recorder(EventLoop& l) : loop(l) {}
  void OnComplete(bool ok) override {
    on_loop = loop.InLoopThread();
    succeeded = ok;
    done.Notify();
  }
  EventLoop& loop;
  bool on_loop = false;
  bool succeeded = false;
  absl::Notification done;
};

TEST(EventLoopCompletionTest, ACompletionRunsOnTheLoopThread) {
  EventLoop loop("test");
  Recorder recorder(loop);
  grpc::Alarm alarm;
  alarm.Set(loop.completion_queue(),
            std::chrono::system_clock::now() + std::chrono::milliseconds(5),
            static_cast<EventLoop::Completion*>(&recorder));
  ASSERT_TRUE(recorder.done.WaitForNotificationWithTimeout(kGenerous));
  EXPECT_TRUE(recorder.on_loop);
  EXPECT_TRUE(recorder.succeeded);
}

TEST(EventLoopCompletionTest, AfterStopAwaitCompletionRunsThemOnTheCaller) {
  EventLoop loop("test");
  loop.Stop();
  Recorder recorder(loop);
  grpc::Alarm alarm;
  alarm.Set(loop.completion_queue(),
            std::chrono::system_clock::now() + std::chrono::milliseconds(5),
            static_cast<EventLoop::Completion*>(&recorder));
  loop.AwaitCompletion(recorder.done);  // hangs if nobody polls the queue
  EXPECT_FALSE(recorder.on_loop);
  EXPECT_TRUE(loop.stopped());
}

// Without the spin, an idle loop blocks on its completion queue at once, and
// only the wake-up alarm gets a closure posted from elsewhere to run. Posts
// from four threads, each waiting for its closure to run before the next
// one, race the loop going back to sleep thousands of times: a lost wake-up
// leaves a closure unrun and fails the wait.
TEST(EventLoopCompletionTest, PostsAlwaysWakeALoopBlockedOnItsQueue) {
  EventLoop loop("test", EventLoop::IdleSpin{.max = absl::ZeroDuration()});
  std::atomic<int> lost{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        absl::Notification ran;
        loop.Post([&] { ran.Notify(); });
        if (!ran.WaitForNotificationWithTimeout(kGenerous)) {
          ++lost;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(lost.load(), 0);
}

}  // namespace
}  // namespace miniray
