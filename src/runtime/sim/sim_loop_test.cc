// Proves the event loop runs events in (time, sequence) order, jumps virtual
// time, honours cancellation and limits, and fingerprints what it ran.
#include "src/runtime/sim/sim_loop.h"

#include <vector>

#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(SimLoopTest, RunsInTimeThenSubmissionOrder) {
  SimLoop loop;
  std::vector<int> order;
  loop.RunAfter(absl::Seconds(2), [&] { order.push_back(3); });
  loop.RunAfter(absl::Seconds(1), [&] { order.push_back(1); });
  loop.RunAfter(absl::Seconds(1), [&] { order.push_back(2); });
  while (loop.RunOne()) {
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(loop.elapsed(), absl::Seconds(2));
  EXPECT_EQ(loop.events_run(), 3u);
}

TEST(SimLoopTest, EventsScheduledFromEventsSeeTheirTime) {
  SimLoop loop;
  absl::Time seen;
  loop.RunAfter(absl::Milliseconds(5), [&] {
    loop.RunAfter(absl::Milliseconds(5), [&] { seen = loop.Now(); });
  });
  while (loop.RunOne()) {
  }
  EXPECT_EQ(seen - absl::UnixEpoch(), absl::Milliseconds(10));
}

TEST(SimLoopTest, CancelledTimersDoNotFire) {
  SimLoop loop;
  bool fired = false;
  TimerId id = loop.RunAfter(absl::Seconds(1), [&] { fired = true; });
  loop.Cancel(id);
  while (loop.RunOne()) {
  }
  EXPECT_FALSE(fired);
  EXPECT_EQ(loop.events_run(), 0u);
}

TEST(SimLoopTest, RunUntilStopsAtLimitAndCondition) {
  SimLoop loop;
  int count = 0;
  for (int i = 1; i <= 10; ++i) {
    loop.RunAfter(absl::Seconds(i), [&] { ++count; });
  }
  EXPECT_FALSE(loop.RunUntil([] { return false; },
                             absl::UnixEpoch() + absl::Seconds(3)));
  EXPECT_EQ(count, 3);
  EXPECT_EQ(loop.elapsed(), absl::Seconds(3));  // time passed to the limit
  EXPECT_TRUE(loop.RunUntil([&] { return count == 5; },
                            absl::UnixEpoch() + absl::Hours(1)));
  EXPECT_EQ(count, 5);
}

TEST(SimLoopTest, FingerprintDependsOnWhatRan) {
  auto run = [](int delay_ms) {
    SimLoop loop;
    loop.RunAfter(absl::Milliseconds(1), [] {});
    loop.RunAfter(absl::Milliseconds(delay_ms), [] {});
    while (loop.RunOne()) {
    }
    return loop.fingerprint();
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
}

}  // namespace
}  // namespace miniray
