#include "src/runtime/real/event_loop.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "glog/logging.h"

namespace miniray {
namespace {

// What RunAndWait's caller waits on; shared with the posted closure, which
// may outlive the wait by a few instructions.
struct WaitState {
  absl::Mutex mu;
  bool ran = false;
  bool finished = false;  // the closure ran, or was dropped unrun
};

// Marks the wait finished when the posted closure is destroyed, whether it
// ran or was dropped by Stop: the waiter never hangs on a stopped loop.
struct FinishOnDestroy {
  explicit FinishOnDestroy(std::shared_ptr<WaitState> s)
      : state(std::move(s)) {}
  FinishOnDestroy(const FinishOnDestroy&) = delete;
  FinishOnDestroy& operator=(const FinishOnDestroy&) = delete;
  ~FinishOnDestroy() {
    absl::MutexLock lock(&state->mu);
    state->finished = true;
  }
  std::shared_ptr<WaitState> state;
};

}  // namespace

EventLoop::EventLoop(std::string name)
    : EventLoop(std::move(name), IdleSpin()) {}

EventLoop::EventLoop(std::string name, IdleSpin idle_spin)
    : idle_spin_max_(absl::ToChronoNanoseconds(
          std::clamp(idle_spin.max, absl::ZeroDuration(), absl::Hours(24)))),
      idle_spin_late_poll_(absl::ToChronoNanoseconds(std::clamp(
          idle_spin.late_poll, absl::ZeroDuration(), absl::Hours(24)))) {
  thread_ = std::thread([this] { Run(); });
  thread_id_ = thread_.get_id();
  name.resize(std::min<size_t>(name.size(), 15));
  pthread_setname_np(thread_.native_handle(), name.c_str());
}

EventLoop::~EventLoop() {
  CHECK(!InLoopThread()) << "an EventLoop cannot be destroyed on its thread";
  Stop();
  Join();
}

void EventLoop::Post(std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;  // `fn` is destroyed after the lock is released
  posted_.push_back(std::move(fn));
  work_seq_.fetch_add(1, std::memory_order_release);
  wake_.Signal();
}

TimerId EventLoop::RunAfter(absl::Duration delay, std::function<void()> fn) {
  delay = std::max(delay, absl::ZeroDuration());
  // Clamp far deadlines (InfiniteDuration) to what the steady clock holds.
  delay = std::min(delay, absl::Hours(24 * 365 * 100));
  const SteadyTime deadline =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(delay);
  absl::MutexLock lock(&mu_);
  const TimerId id = next_timer_id_++;
  if (stopping_) return id;
  timers_.push_back(Timer{deadline, id, std::move(fn)});
  std::push_heap(timers_.begin(), timers_.end(), Later());
  live_timers_.insert(id);
  work_seq_.fetch_add(1, std::memory_order_release);
  wake_.Signal();
  return id;
}

void EventLoop::Cancel(TimerId id) {
  absl::MutexLock lock(&mu_);
  live_timers_.erase(id);
}

bool EventLoop::RunAndWait(const std::function<void()>& fn) {
  if (InLoopThread()) {
    fn();
    return true;
  }
  auto state = std::make_shared<WaitState>();
  auto finish = std::make_shared<FinishOnDestroy>(state);
  Post([&fn, state, finish] {
    fn();
    absl::MutexLock lock(&state->mu);
    state->ran = true;
  });
  finish.reset();  // only the posted closure holds it now
  absl::MutexLock lock(&state->mu);
  state->mu.Await(absl::Condition(&state->finished));
  return state->ran;
}

void EventLoop::Stop() {
  std::deque<std::function<void()>> posted;
  std::vector<Timer> timers;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    posted.swap(posted_);
    timers.swap(timers_);
    live_timers_.clear();
    work_seq_.fetch_add(1, std::memory_order_release);
    wake_.SignalAll();
  }
  // The closures are destroyed here, outside the lock: their destructors
  // may call back into the loop (a RunAndWait's guard does).
  posted.clear();
  timers.clear();
  if (!InLoopThread()) Join();
}

bool EventLoop::InLoopThread() const {
  return std::this_thread::get_id() == thread_id_;
}

bool EventLoop::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

void EventLoop::Join() {
  absl::MutexLock lock(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

void EventLoop::Run() {
  std::function<void()> fn;
  while (Next(&fn)) {
    fn();
    fn = nullptr;  // destroy the closure before waiting for the next one
  }
}

bool EventLoop::Next(std::function<void()>* fn) {
  // Closures of cancelled timers, destroyed after the lock is released.
  std::vector<std::function<void()>> cancelled;
  absl::MutexLock lock(&mu_);
  bool spun = false;  // at most one spin per idle period
  while (!stopping_) {
    while (!timers_.empty() && !live_timers_.contains(timers_.front().id)) {
      std::pop_heap(timers_.begin(), timers_.end(), Later());
      cancelled.push_back(std::move(timers_.back().fn));
      timers_.pop_back();
    }
    const SteadyTime now = std::chrono::steady_clock::now();
    if (!timers_.empty() && timers_.front().deadline <= now) {
      std::pop_heap(timers_.begin(), timers_.end(), Later());
      live_timers_.erase(timers_.back().id);
      *fn = std::move(timers_.back().fn);
      timers_.pop_back();
      return true;
    }
    if (!posted_.empty()) {
      *fn = std::move(posted_.front());
      posted_.pop_front();
      return true;
    }
    if (!spun && idle_spin_max_.count() > 0) {
      spun = true;
      SteadyTime until = now + idle_spin_max_;
      if (!timers_.empty()) until = std::min(until, timers_.front().deadline);
      const uint64_t seq = work_seq_.load(std::memory_order_relaxed);
      mu_.Unlock();
      SpinUntil(seq, until);
      mu_.Lock();
      continue;
    }
    if (timers_.empty()) {
      wake_.Wait(&mu_);
    } else {
      wake_.WaitWithTimeout(&mu_,
                            absl::FromChrono(timers_.front().deadline - now));
    }
  }
  return false;
}

void EventLoop::SpinUntil(uint64_t seq, SteadyTime until) const {
  // sched_yield returns at once when nothing else wants this core. When a
  // poll comes back late, another thread had the core meanwhile: the
  // machine is busy, and the loop stops spinning and sleeps, so the spin
  // never takes CPU from real work (a loaded machine's many processes,
  // whose heartbeats must get through).
  while (work_seq_.load(std::memory_order_acquire) == seq) {
    const SteadyTime before = std::chrono::steady_clock::now();
    if (before >= until) return;
    sched_yield();
    if (std::chrono::steady_clock::now() - before > idle_spin_late_poll_) {
      return;
    }
  }
}

}  // namespace miniray
