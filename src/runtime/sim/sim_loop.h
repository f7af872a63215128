// SimLoop: the simulator's single-threaded event loop on virtual time.
//
// Every event of a simulated cluster (a timer, a message arriving, a fiber
// waking) is a callback in one queue ordered by (virtual time, sequence
// number). The loop pops the earliest, jumps the clock to its time and runs
// it. Nothing else advances time, so a run is fixed by its inputs and seed:
//
//   SimLoop loop;
//   loop.RunAfter(absl::Seconds(2), [&] { ... });
//   loop.RunUntil([&] { return done; }, absl::UnixEpoch() + absl::Hours(1));
//
// The loop keeps a fingerprint: a hash over every event's time and whatever
// else components Mix in (the network mixes each message's method,
// destination and bytes). Two runs with the same fingerprint executed the same events.
// Not thread-safe: everything runs on the thread that calls Run*.
#ifndef MINIRAY_RUNTIME_SIM_SIM_LOOP_H_
#define MINIRAY_RUNTIME_SIM_SIM_LOOP_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "src/runtime/clock.h"

namespace miniray {

class SimLoop : public Clock {
 public:
  SimLoop() = default;
  SimLoop(const SimLoop&) = delete;
  SimLoop& operator=(const SimLoop&) = delete;

  absl::Time Now() const override { return absl::UnixEpoch() + now_; }
  TimerId RunAfter(absl::Duration delay, std::function<void()> fn) override;
  void Cancel(TimerId id) override;

  // Schedules `fn` at absolute virtual time `at` (not before now).
  TimerId RunAt(absl::Time at, std::function<void()> fn);

  // Runs events until `done()` holds (checked after each event), the queue
  // is empty, or the next event is later than `limit`; in the last two cases
  // the clock moves to `limit`. Returns true if done() held.
  bool RunUntil(const std::function<bool()>& done, absl::Time limit);

  // Runs the earliest event. Returns false if there is none.
  bool RunOne();

  bool empty() const { return heap_.empty(); }
  absl::Duration elapsed() const { return now_; }
  uint64_t events_run() const { return events_run_; }
  uint64_t fingerprint() const { return fingerprint_; }

  // Adds `value` to the fingerprint, in order.
  void Mix(uint64_t value);

 private:
  struct Item {
    int64_t time_ns;
    uint64_t seq;
    std::function<void()> fn;
  };
  // Orders the heap so that the earliest (time, seq) is on top.
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.time_ns != b.time_ns ? a.time_ns > b.time_ns : a.seq > b.seq;
    }
  };

  absl::Duration now_ = absl::ZeroDuration();
  std::vector<Item> heap_;  // a binary heap under Later
  // Timers cancelled before they fired; removed when popped.
  absl::flat_hash_set<uint64_t> cancelled_;
  uint64_t next_seq_ = 1;
  uint64_t events_run_ = 0;
  uint64_t fingerprint_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_SIM_SIM_LOOP_H_
