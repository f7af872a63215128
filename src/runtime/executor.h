// Executor: where code that blocks runs.
//
// Driver programs and task functions are ordinary blocking code: `Get` waits
// for a value. Components are event-driven and never block. The Executor
// bridges the two: Spawn starts blocking code (a fiber in the simulator, a
// thread in the real runtime), and an Event lets it wait for something the
// event loop will do.
//
//   std::unique_ptr<Event> ready = executor.NewEvent();
//   executor.Spawn([&] {
//     ready->Wait();             // blocks this fiber only
//     executor.Sleep(absl::Seconds(1));
//   });
//   ... later, on the event loop:  ready->Notify();
#ifndef MINIRAY_RUNTIME_EXECUTOR_H_
#define MINIRAY_RUNTIME_EXECUTOR_H_

#include <functional>
#include <memory>

#include "absl/time/time.h"

namespace miniray {

// A one-shot flag: Wait blocks the calling fiber/thread until Notify.
class Event {
 public:
  virtual ~Event() = default;
  // Returns at once if notified already.
  virtual void Wait() = 0;
  // As Wait, but gives up after `timeout`; returns whether it was notified.
  virtual bool WaitFor(absl::Duration timeout) = 0;
  // Wakes the waiter, if any. Later calls are no-ops.
  virtual void Notify() = 0;
  virtual bool notified() const = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;
  // Starts `body` as a new thread of control that may block. While it runs,
  // CurrentContext() returns `context` (the API uses it to find the core
  // worker of the process the code belongs to).
  virtual void Spawn(std::function<void()> body, void* context) = 0;
  virtual std::unique_ptr<Event> NewEvent() = 0;
  // Blocks the calling fiber/thread for `duration`.
  virtual void Sleep(absl::Duration duration) = 0;
};

// The context given to Spawn for the calling fiber/thread; null outside.
void* CurrentContext();

// Sets CurrentContext() for its lifetime (executors use it when they switch
// to a fiber or start a thread).
class ScopedContext {
 public:
  explicit ScopedContext(void* context);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  void* saved_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_EXECUTOR_H_
