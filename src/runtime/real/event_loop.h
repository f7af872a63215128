// EventLoop: one thread that runs posted closures and timers, one at a time.
//
// The real runtime's counterpart of SimLoop. A process's components live on
// one loop: every handler, reply callback and timer of theirs runs on the
// loop's thread, so they never run concurrently and need no locks. Other
// threads (gRPC's, task threads) hand work to the loop with Post:
//
//   EventLoop loop("raylet");                 // starts the thread
//   loop.Post([&] { raylet.Start(); });       // from any thread
//   TimerId t = loop.RunAfter(absl::Seconds(1), [&] { Tick(); });
//   loop.Cancel(t);
//   loop.RunAndWait([&] { status = raylet.status(); });  // blocks the caller
//   loop.Stop();                              // or let the destructor do it
//
// Ordering: posted closures run in the order they were posted; a timer runs
// no earlier than its delay on the steady clock, timers due at once run in
// deadline order (ties in the order they were set), and a due timer goes
// before posted closures waiting at the same moment.
//
// Idle spin: when the loop runs out of work it does not sleep at once. For
// up to IdleSpin::max (and never past the next timer) it polls for new
// work, yielding the CPU between polls, and only then blocks on its
// condition variable. Work posted during the spin starts without the futex
// wake-up of a sleeping thread (11 to 25 us p50 measured on the development
// machine), which a call between two processes pays twice per round trip:
// gRPC's thread hands the request to the callee's loop, and the reply to
// the caller's. A poll that comes back later than IdleSpin::late_poll means
// another thread had the core meanwhile; the loop then sleeps at once, so
// the spin burns only CPU that nothing else wanted. docs/real-cluster.md
// section 9.1 has the figures.
//
// Thread-safety: every method may be called from any thread, including from
// a callback on the loop itself. Stop drops what has not run yet (the
// closures are destroyed, not called); Post and RunAfter after Stop drop
// their closure.
#ifndef MINIRAY_RUNTIME_REAL_EVENT_LOOP_H_
#define MINIRAY_RUNTIME_REAL_EVENT_LOOP_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/runtime/clock.h"

namespace miniray {

class EventLoop {
 public:
  // How an idle loop polls for work before it sleeps (see above).
  struct IdleSpin {
    // The longest spin per idle period; zero turns the spin off.
    absl::Duration max = absl::Microseconds(300);
    // A poll (one sched_yield) returning later than this ends the spin.
    absl::Duration late_poll = absl::Microseconds(20);
  };

  // Starts the loop's thread. `name` shows in debuggers (first 15 chars).
  explicit EventLoop(std::string name = "miniray-loop");
  EventLoop(std::string name, IdleSpin idle_spin);
  // Stops the loop and joins its thread. Must not run on the loop's thread.
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs `fn` on the loop, after everything posted before it.
  void Post(std::function<void()> fn);

  // Runs `fn` once on the loop, `delay` from now on the steady clock (a
  // negative delay counts as zero). Ids are never 0 and never reused.
  TimerId RunAfter(absl::Duration delay, std::function<void()> fn);

  // Stops a timer from firing. A no-op for a timer that ran or was
  // cancelled. Once Cancel returns, the timer's closure will not start (it
  // may be running right now on the loop if Cancel is called elsewhere).
  void Cancel(TimerId id);

  // Runs `fn` on the loop and waits for it to return. On the loop's own
  // thread it runs `fn` inline. Returns false, without running `fn`, if the
  // loop has stopped (or stops before `fn`'s turn).
  bool RunAndWait(const std::function<void()>& fn);

  // Stops the loop after the callback running now, if any. Closures not yet
  // run are destroyed. Joins the thread, unless called on the loop itself
  // (then the destructor joins). Idempotent.
  void Stop();

  // Whether the caller runs on the loop's thread.
  bool InLoopThread() const;
  bool stopped() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  struct Timer {
    SteadyTime deadline;
    TimerId id;  // increasing: breaks deadline ties in the order set
    std::function<void()> fn;
  };
  // Orders the heap so that the earliest (deadline, id) is on top.
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.id > b.id;
    }
  };

  void Run();
  // Takes the next closure to run, waiting for one; false once stopped.
  bool Next(std::function<void()>* fn);
  // Polls work_seq_ for a change, yielding between polls, until `until`.
  // Called with mu_ released.
  void SpinUntil(uint64_t seq, SteadyTime until) const;
  void Join();

  mutable absl::Mutex mu_;
  absl::CondVar wake_;  // signalled on Post, RunAfter, Cancel and Stop
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::function<void()>> posted_ ABSL_GUARDED_BY(mu_);
  // A binary heap under Later. Cancelled timers stay in it until popped.
  std::vector<Timer> timers_ ABSL_GUARDED_BY(mu_);
  // Ids of timers set and neither run nor cancelled; bounds the work of a
  // cancelled timer to one pop.
  absl::flat_hash_set<TimerId> live_timers_ ABSL_GUARDED_BY(mu_);
  TimerId next_timer_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Bumped (under mu_) whenever there may be new work: Post, RunAfter and
  // Stop. Read without the lock by the spinning loop.
  std::atomic<uint64_t> work_seq_{0};
  const std::chrono::nanoseconds idle_spin_max_;
  const std::chrono::nanoseconds idle_spin_late_poll_;

  absl::Mutex join_mu_;  // serializes joins of thread_
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_EVENT_LOOP_H_
