// Clock: time and timers, the first of the runtime seams.
//
// Components never read a real clock. They ask their Clock, which is virtual
// in the simulator and the steady clock in the real runtime:
//
//   TimerId t = clock.RunAfter(absl::Milliseconds(100), [this] { Heartbeat(); });
//   ...
//   clock.Cancel(t);
//
// Callbacks run on the component's event loop, never concurrently with other
// callbacks of the same loop.
#ifndef MINIRAY_RUNTIME_CLOCK_H_
#define MINIRAY_RUNTIME_CLOCK_H_

#include <cstdint>
#include <functional>

#include "absl/time/time.h"

namespace miniray {

using TimerId = uint64_t;

class Clock {
 public:
  virtual ~Clock() = default;

  // The current time. In the simulator the run starts at absl::UnixEpoch().
  virtual absl::Time Now() const = 0;

  // Calls `fn` once, `delay` from now (a negative delay counts as zero).
  virtual TimerId RunAfter(absl::Duration delay, std::function<void()> fn) = 0;

  // Stops a timer from firing. Cancelling a timer that fired is a no-op.
  virtual void Cancel(TimerId id) = 0;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_CLOCK_H_
