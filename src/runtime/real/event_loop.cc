#include "src/runtime/real/event_loop.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "glog/logging.h"
#include "grpc/support/time.h"

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

// How many closures run, at most, between two looks at the completion
// queue while closures keep coming.
constexpr int kClosuresPerPoll = 32;

gpr_timespec Past() { return gpr_time_0(GPR_CLOCK_MONOTONIC); }

// The queue's deadline for a steady-clock time (max(): none).
gpr_timespec DeadlineFor(std::chrono::steady_clock::time_point until) {
  if (until == std::chrono::steady_clock::time_point::max()) {
    return gpr_inf_future(GPR_CLOCK_MONOTONIC);
  }
  const auto left = std::max(std::chrono::nanoseconds(0),
                             until - std::chrono::steady_clock::now());
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                      gpr_time_from_nanos(left.count(), GPR_TIMESPAN));
}

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
  // What is still due on the queue (the waker, operations of transports
  // already gone) completes with the loop stopped: it only releases.
  cq_.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq_.Next(&tag, &ok)) static_cast<Completion*>(tag)->OnComplete(ok);
}

void EventLoop::Post(std::function<void()> fn) {
  bool wake;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;  // `fn` is destroyed after the lock is released
    posted_.push_back(std::move(fn));
    work_seq_.fetch_add(1, std::memory_order_release);
    wake = NeedsWake();
  }
  if (wake) SetWakeAlarm();
}

TimerId EventLoop::RunAfter(absl::Duration delay, std::function<void()> fn) {
  delay = std::max(delay, absl::ZeroDuration());
  // Clamp far deadlines (InfiniteDuration) to what the steady clock holds.
  delay = std::min(delay, absl::Hours(24 * 365 * 100));
  const SteadyTime deadline =
      std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(delay);
  TimerId id;
  bool wake;
  {
    absl::MutexLock lock(&mu_);
    id = next_timer_id_++;
    if (stopping_) return id;
    timers_.push_back(Timer{deadline, id, std::move(fn)});
    std::push_heap(timers_.begin(), timers_.end(), Later());
    live_timers_.insert(id);
    work_seq_.fetch_add(1, std::memory_order_release);
    wake = NeedsWake();
  }
  if (wake) SetWakeAlarm();
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
  bool wake;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    posted.swap(posted_);
    timers.swap(timers_);
    live_timers_.clear();
    work_seq_.fetch_add(1, std::memory_order_release);
    wake = NeedsWake();
  }
  if (wake) SetWakeAlarm();
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

void EventLoop::AwaitCompletion(absl::Notification& done) {
  while (!done.HasBeenNotified()) {
    bool run_here;
    {
      absl::MutexLock lock(&mu_);
      run_here = thread_done_ || InLoopThread();
    }
    // Short waits either way: the loop's thread may end meanwhile.
    if (run_here) {
      RunOneCompletion(DeadlineFor(std::chrono::steady_clock::now() +
                                   std::chrono::milliseconds(50)));
    } else {
      done.WaitForNotificationWithTimeout(absl::Milliseconds(50));
    }
  }
  // Takes the notification's lock once: the notifier has returned from
  // Notify, so the caller may destroy `done` (and what holds it).
  done.WaitForNotification();
}

void EventLoop::Join() {
  absl::MutexLock lock(&join_mu_);
  if (thread_.joinable()) thread_.join();
}

void EventLoop::Run() {
  std::function<void()> fn;
  int since_poll = 0;
  while (true) {
    SteadyTime until;
    uint64_t seq = 0;
    const Work work = TakeWork(&fn, &until, &seq);
    if (work == Work::kStopped) break;
    if (work == Work::kRun) {
      fn();
      fn = nullptr;  // destroy the closure before taking the next one
      if (++since_poll == kClosuresPerPoll) {
        since_poll = 0;
        RunReadyCompletions();
      }
      continue;
    }
    since_poll = 0;
    if (!RunReadyCompletions()) WaitForWork(until, seq);
  }
  absl::MutexLock lock(&mu_);
  thread_done_ = true;
}

EventLoop::Work EventLoop::TakeWork(std::function<void()>* fn,
                                    SteadyTime* until, uint64_t* seq) {
  // Closures of cancelled timers, destroyed after the lock is released.
  std::vector<std::function<void()>> cancelled;
  absl::MutexLock lock(&mu_);
  if (stopping_) return Work::kStopped;
  while (!timers_.empty() && !live_timers_.contains(timers_.front().id)) {
    std::pop_heap(timers_.begin(), timers_.end(), Later());
    cancelled.push_back(std::move(timers_.back().fn));
    timers_.pop_back();
  }
  if (!timers_.empty() &&
      timers_.front().deadline <= std::chrono::steady_clock::now()) {
    std::pop_heap(timers_.begin(), timers_.end(), Later());
    live_timers_.erase(timers_.back().id);
    *fn = std::move(timers_.back().fn);
    timers_.pop_back();
    return Work::kRun;
  }
  if (!posted_.empty()) {
    *fn = std::move(posted_.front());
    posted_.pop_front();
    return Work::kRun;
  }
  *until = timers_.empty() ? SteadyTime::max() : timers_.front().deadline;
  *seq = work_seq_.load(std::memory_order_relaxed);
  return Work::kIdle;
}

bool EventLoop::RunReadyCompletions() {
  int ran = 0;
  while (ran < kClosuresPerPoll && RunOneCompletion(Past())) ++ran;
  return ran > 0;
}

bool EventLoop::RunOneCompletion(gpr_timespec deadline) {
  void* tag = nullptr;
  bool ok = false;
  if (cq_.AsyncNext(&tag, &ok, deadline) !=
      grpc::CompletionQueue::GOT_EVENT) {
    return false;
  }
  static_cast<Completion*>(tag)->OnComplete(ok);
  return true;
}

void EventLoop::WaitForWork(SteadyTime until, uint64_t seq) {
  if (idle_spin_max_.count() > 0) {
    const SteadyTime spin_until =
        std::min(until, std::chrono::steady_clock::now() + idle_spin_max_);
    if (SpinUntil(seq, spin_until)) return;
  }
  {
    absl::MutexLock lock(&mu_);
    // Work that came since TakeWork did not set the alarm: look again.
    if (work_seq_.load(std::memory_order_relaxed) != seq) return;
    blocked_ = true;
  }
  void* tag = nullptr;
  bool ok = false;
  const grpc::CompletionQueue::NextStatus status =
      cq_.AsyncNext(&tag, &ok, DeadlineFor(until));
  {
    absl::MutexLock lock(&mu_);
    blocked_ = false;
  }
  if (status == grpc::CompletionQueue::GOT_EVENT) {
    static_cast<Completion*>(tag)->OnComplete(ok);
  }
}

bool EventLoop::SpinUntil(uint64_t seq, SteadyTime until) {
  // sched_yield returns at once when nothing else wants this core. When a
  // poll comes back late, another thread had the core meanwhile: the
  // machine is busy, and the loop stops spinning and blocks, so the spin
  // never takes CPU from real work (a loaded machine's many processes,
  // whose heartbeats must get through).
  while (work_seq_.load(std::memory_order_acquire) == seq) {
    if (RunOneCompletion(Past())) return true;
    const SteadyTime before = std::chrono::steady_clock::now();
    if (before >= until) return false;
    sched_yield();
    if (std::chrono::steady_clock::now() - before > idle_spin_late_poll_) {
      return false;
    }
  }
  return true;
}

bool EventLoop::NeedsWake() {
  if (!blocked_) return false;
  if (wake_pending_ > 0) {
    wake_again_ = true;
    return false;
  }
  wake_pending_ = 2;  // Set's return and the completion
  return true;
}

void EventLoop::SetWakeAlarm() {
  while (true) {
    waker_.alarm.Set(&cq_, Past(), static_cast<Completion*>(&waker_));
    absl::MutexLock lock(&mu_);
    if (--wake_pending_ > 0) return;
    // The completion ran first and the loop may have blocked again since,
    // with work that could not set the alarm: set it again.
    const bool again = wake_again_ && blocked_;
    wake_again_ = false;
    if (!again) return;
    wake_pending_ = 2;
  }
}

void EventLoop::Waker::OnComplete(bool /*ok*/) {
  absl::MutexLock lock(&loop.mu_);
  // The loop is awake and looks at its work before it blocks again.
  if (--loop.wake_pending_ == 0) loop.wake_again_ = false;
}

}  // namespace miniray
