// RealClock: the Clock of the real runtime, on an EventLoop.
//
// Now() is the wall clock (absl::Now()), what logs and summaries want; timers
// run on the loop's steady clock, so a wall-clock step (NTP) neither fires
// nor delays them. Timer callbacks run on the loop's thread, never
// concurrently with the loop's other callbacks:
//
//   EventLoop loop("gcs");
//   RealClock clock(loop);
//   TimerId t = clock.RunAfter(absl::Seconds(1), [&] { CheckHeartbeats(); });
//   clock.Cancel(t);
//
// A skew source, if given, is added to Now() (a clock_skew fault under
// `miniray local`); timers are not affected, as in the simulator.
//
// Thread-safe: every method may be called from any thread. The loop must
// outlive the clock.
#ifndef MINIRAY_RUNTIME_REAL_REAL_CLOCK_H_
#define MINIRAY_RUNTIME_REAL_REAL_CLOCK_H_

#include <functional>

#include "src/runtime/clock.h"
#include "src/runtime/real/event_loop.h"

namespace miniray {

class RealClock : public Clock {
 public:
  explicit RealClock(EventLoop& loop,
                     std::function<absl::Duration()> skew = nullptr)
      : loop_(loop), skew_(std::move(skew)) {}

  absl::Time Now() const override {
    return skew_ ? absl::Now() + skew_() : absl::Now();
  }
  TimerId RunAfter(absl::Duration delay, std::function<void()> fn) override {
    return loop_.RunAfter(delay, std::move(fn));
  }
  void Cancel(TimerId id) override { loop_.Cancel(id); }

  EventLoop& loop() { return loop_; }

 private:
  EventLoop& loop_;
  const std::function<absl::Duration()> skew_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_REAL_CLOCK_H_
