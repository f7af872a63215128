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
// gRPC completions: the loop owns a gRPC completion queue, and waits on it
// when it has nothing to run. The transport starts its gRPC operations on
// that queue, with an EventLoop::Completion as each one's tag, and the loop
// runs the completion's OnComplete on its thread like any other callback.
// The thread that waits on a completion queue is the one that reads the
// sockets, so a reply or a request wakes the loop straight from the kernel:
// no gRPC thread hands it over (docs/real-cluster.md section 9.2).
//
//   struct Done : EventLoop::Completion {
//     void OnComplete(bool ok) override { ...; delete this; }
//   };
//   alarm.Set(loop.completion_queue(), deadline, new Done);
//
// Idle spin: when the loop runs out of work it does not block at once. For
// up to IdleSpin::max (and never past the next timer) it polls its
// completion queue and its closures, yielding the CPU between polls, and
// only then blocks on the queue. Work that comes during the spin starts
// without the wake-up of a sleeping thread. A poll that comes back later
// than IdleSpin::late_poll means another thread had the core meanwhile;
// the loop then blocks at once, so the spin burns only CPU that nothing
// else wanted. docs/real-cluster.md section 9.1 has the figures.
//
// Thread-safety: every method may be called from any thread, including from
// a callback on the loop itself. Stop drops what has not run yet (the
// closures are destroyed, not called); Post and RunAfter after Stop drop
// their closure. Completions still due after Stop run in the thread that
// waits for them (AwaitCompletion) or in the destructor, and must then only
// release what they hold (`stopped()` is true).
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
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpcpp/alarm.h"
#include "grpcpp/completion_queue.h"
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

  // The tag of a gRPC operation started on completion_queue(). OnComplete
  // runs once, on the loop, with gRPC's `ok` for the operation.
  class Completion {
   public:
    virtual void OnComplete(bool ok) = 0;

   protected:
    ~Completion() = default;
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

  // The queue on which gRPC operations report to this loop; every tag put
  // on it must be a Completion*. Lives as long as the loop.
  grpc::CompletionQueue* completion_queue() { return &cq_; }

  // Waits until `done` is notified by a Completion. While the loop's thread
  // runs, the loop runs completions and this only waits; on the loop's own
  // thread, or once the loop has stopped, it runs completions itself. For
  // teardown (a server's shutdown, a transport's last calls).
  void AwaitCompletion(absl::Notification& done);

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

  // What TakeWork found.
  enum class Work { kRun, kIdle, kStopped };
  // The alarm that wakes a loop blocked on its queue (see Wake).
  struct Waker : Completion {
    explicit Waker(EventLoop& l) : loop(l) {}
    void OnComplete(bool ok) override;
    EventLoop& loop;
    grpc::Alarm alarm;
  };

  void Run();
  // Takes a due timer or a posted closure into `fn` (kRun). Otherwise says
  // kIdle with the next timer's deadline in `until` (max() if none), or
  // kStopped.
  // `seq` gets work_seq_ as it was when the loop found nothing.
  Work TakeWork(std::function<void()>* fn, SteadyTime* until, uint64_t* seq);
  // Runs the completions ready now; whether there were any.
  bool RunReadyCompletions();
  // Blocks on the queue until a completion, new work or `until`, after the
  // idle spin; runs the completion it woke for.
  void WaitForWork(SteadyTime until, uint64_t seq);
  // Polls for a completion or a change of work_seq_, yielding between
  // polls, until `until`; whether something came.
  bool SpinUntil(uint64_t seq, SteadyTime until);
  // Called under mu_ when work arrives: whether the loop blocks on its
  // queue and the caller must call SetWakeAlarm (after releasing mu_).
  bool NeedsWake() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SetWakeAlarm() ABSL_LOCKS_EXCLUDED(mu_);
  // AsyncNext with `deadline`; runs the completion got. False on timeout.
  bool RunOneCompletion(gpr_timespec deadline);
  void Join();

  grpc::CompletionQueue cq_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The loop blocks (or is about to) on cq_: new work must set the alarm.
  bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  // The waker's alarm is set and its Set call or its completion has not
  // yet returned (both must, before it is set again).
  int wake_pending_ ABSL_GUARDED_BY(mu_) = 0;
  // Work came while wake_pending_: set the alarm again once it is free.
  bool wake_again_ ABSL_GUARDED_BY(mu_) = false;
  // Whether the loop's thread has returned from Run: then AwaitCompletion
  // runs completions on the waiting thread.
  bool thread_done_ ABSL_GUARDED_BY(mu_) = false;
  Waker waker_{*this};
  std::deque<std::function<void()>> posted_ ABSL_GUARDED_BY(mu_);
  // A binary heap under Later. Cancelled timers stay in it until popped.
  std::vector<Timer> timers_ ABSL_GUARDED_BY(mu_);
  // Ids of timers set and neither run nor cancelled; bounds the work of a
  // cancelled timer to one pop.
  absl::flat_hash_set<TimerId> live_timers_ ABSL_GUARDED_BY(mu_);
  TimerId next_timer_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Bumped (under mu_) whenever there may be new work: Post, RunAfter and
  // Stop. Read without the lock by the spinning loop, and compared before
  // the loop blocks.
  std::atomic<uint64_t> work_seq_{0};
  const std::chrono::nanoseconds idle_spin_max_;
  const std::chrono::nanoseconds idle_spin_late_poll_;

  absl::Mutex join_mu_;  // serializes joins of thread_
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_EVENT_LOOP_H_
