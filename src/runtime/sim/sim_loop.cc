#include "src/runtime/sim/sim_loop.h"

#include <algorithm>
#include <utility>

#include "glog/logging.h"
#include "src/runtime/rng.h"

namespace miniray {

TimerId SimLoop::RunAfter(absl::Duration delay, std::function<void()> fn) {
  if (delay < absl::ZeroDuration()) delay = absl::ZeroDuration();
  return RunAt(Now() + delay, std::move(fn));
}

TimerId SimLoop::RunAt(absl::Time at, std::function<void()> fn) {
  CHECK(fn);
  const int64_t time_ns =
      std::max(absl::ToInt64Nanoseconds(at - absl::UnixEpoch()),
               absl::ToInt64Nanoseconds(now_));
  const uint64_t seq = next_seq_++;
  heap_.push_back(Item{time_ns, seq, std::move(fn)});
  std::push_heap(heap_.begin(), heap_.end(), Later());
  return seq;
}

void SimLoop::Cancel(TimerId id) {
  if (id != 0 && id < next_seq_) cancelled_.insert(id);
}

bool SimLoop::RunOne() {
  while (!heap_.empty()) {
    std::pop_heap(heap_.begin(), heap_.end(), Later());
    Item item = std::move(heap_.back());
    heap_.pop_back();
    if (!cancelled_.empty() && cancelled_.erase(item.seq) > 0) continue;
    now_ = absl::Nanoseconds(item.time_ns);
    ++events_run_;
    Mix(static_cast<uint64_t>(item.time_ns));
    item.fn();
    return true;
  }
  return false;
}

bool SimLoop::RunUntil(const std::function<bool()>& done, absl::Time limit) {
  const int64_t limit_ns = absl::ToInt64Nanoseconds(limit - absl::UnixEpoch());
  while (!done()) {
    if (heap_.empty() || heap_.front().time_ns > limit_ns) {
      // Nothing happens before the limit: time still passes up to it.
      now_ = std::max(now_, absl::Nanoseconds(limit_ns));
      return false;
    }
    RunOne();
  }
  return true;
}

void SimLoop::Mix(uint64_t value) { fingerprint_ = MixHash(fingerprint_, value); }

}  // namespace miniray
