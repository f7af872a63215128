// Proves that RealClock reads the wall clock (plus a skew, when given one,
// as it changes), runs its timers on the loop's thread in deadline order,
// and that Cancel keeps a timer from firing.
#include "src/runtime/real/real_clock.h"

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(RealClockTest, NowIsTheWallClock) {
  EventLoop loop("test");
  RealClock clock(loop);
  const absl::Time before = absl::Now();
  const absl::Time now = clock.Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, absl::Now());
}

TEST(RealClockTest, ASkewSourceMovesNowAsItChanges) {
  EventLoop loop("test");
  std::atomic<int64_t> skew_s{3};
  RealClock clock(loop, [&] { return absl::Seconds(skew_s.load()); });
  EXPECT_GE(clock.Now(), absl::Now() + absl::Seconds(2));
  skew_s = -2;
  EXPECT_LE(clock.Now(), absl::Now() - absl::Seconds(1));
}

TEST(RealClockTest, TimersFireInOrderOnTheLoopAndCancelWorks) {
  EventLoop loop("test");
  RealClock clock(loop);
  std::vector<int> order;
  bool on_loop = true;
  absl::Notification done;
  auto record = [&](int i) {
    return [&, i] {
      on_loop = on_loop && loop.InLoopThread();
      order.push_back(i);
    };
  };
  clock.RunAfter(absl::Milliseconds(15), record(2));
  const TimerId cancelled = clock.RunAfter(absl::Milliseconds(10), record(99));
  clock.RunAfter(absl::Milliseconds(5), record(1));
  clock.RunAfter(absl::Milliseconds(-5), record(0));  // negative: at once
  clock.RunAfter(absl::Milliseconds(25), [&] { done.Notify(); });
  clock.Cancel(cancelled);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  loop.RunAndWait([] {});
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(on_loop);
}

}  // namespace
}  // namespace miniray
