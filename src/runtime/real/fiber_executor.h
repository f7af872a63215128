// FiberExecutor: blocking code as fibers on a real EventLoop.
//
// The real-runtime twin of SimExecutor. Spawn runs its body as a fiber (see
// src/runtime/sim/fiber.h) on the loop's thread; a fiber that waits on an
// Event or sleeps switches out, and its resumption is posted to the loop
// when the Event is notified or its timer fires. So a process's components
// AND its program and task code all run on one thread, one piece at a time,
// exactly as in the simulator, and the components need no locks:
//
//   EventLoop loop("node");
//   FiberExecutor executor(loop);
//   std::unique_ptr<Event> ready = executor.NewEvent();
//   executor.Spawn([&] {
//     ready->Wait();                       // switches this fiber out
//     executor.Sleep(absl::Milliseconds(5));
//   }, core_worker);                       // CurrentContext() in the body
//   loop.Post([&] { ready->Notify(); });   // resumes the fiber on the loop
//
// The price: code that computes without blocking holds the loop, so a
// CPU-bound task delays every other fiber and component of its process
// (heartbeats included). docs/real-cluster.md explains why this is the
// first step and what comes next.
//
// Threads: Spawn and Event::Notify may be called from any thread (they post
// to the loop). Event::Wait, Event::WaitFor and Sleep must be called from a
// fiber of this executor (CHECK). Destroy the executor on the loop's thread
// or after the loop has stopped; fibers still blocked then are dropped
// without unwinding their stacks, as in SimExecutor.
#ifndef MINIRAY_RUNTIME_REAL_FIBER_EXECUTOR_H_
#define MINIRAY_RUNTIME_REAL_FIBER_EXECUTOR_H_

#include <atomic>
#include <functional>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "src/runtime/executor.h"
#include "src/runtime/real/event_loop.h"
#include "src/runtime/sim/fiber.h"

namespace miniray {

class FiberExecutor : public Executor {
 public:
  // The loop must outlive the executor.
  explicit FiberExecutor(EventLoop& loop);
  ~FiberExecutor() override;
  FiberExecutor(const FiberExecutor&) = delete;
  FiberExecutor& operator=(const FiberExecutor&) = delete;

  void Spawn(std::function<void()> body, void* context) override;
  std::unique_ptr<Event> NewEvent() override;
  // Switches the calling fiber out for `duration` (a loop timer wakes it).
  void Sleep(absl::Duration duration) override;

  // Fibers spawned and not finished. Any thread.
  int live_fibers() const { return live_.load(); }

  // Posts the resumption of `fiber` (one of ours, blocked) to the loop.
  void Wake(Fiber* fiber);

 private:
  struct Entry {
    std::unique_ptr<Fiber> fiber;
    void* context;
  };
  // On the loop: resumes `fiber` until it blocks or ends.
  void Run(Fiber* fiber);

  EventLoop& loop_;
  // Touched only on the loop's thread. Looked up by pointer, never iterated.
  absl::flat_hash_map<Fiber*, Entry> fibers_;
  std::atomic<int> live_{0};
  // Shared with posted closures: false once the executor is gone, so that a
  // resumption posted late does nothing.
  std::shared_ptr<std::atomic<bool>> alive_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_FIBER_EXECUTOR_H_
