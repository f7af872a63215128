// ThreadExecutor: the Executor of the real runtime; blocking code on threads.
//
// Spawn starts a new OS thread for each body, with CurrentContext() set to
// the given context inside it. Events are a mutex and a condition variable,
// so any thread may wait on one and any thread (typically the event loop)
// may notify it:
//
//   ThreadExecutor executor;
//   std::unique_ptr<Event> ready = executor.NewEvent();
//   executor.Spawn([&] {
//     if (!ready->WaitFor(absl::Seconds(5))) { ... }  // blocks this thread
//   }, core_worker);
//   loop.Post([&] { ready->Notify(); });
//
// Threads are detached but counted: the destructor waits until every body
// has returned, so nothing a body uses from its owner is destroyed under it.
// A body blocked forever therefore hangs the destructor; unblock bodies
// (notify their events) before destroying the executor.
// Thread-safe: every method may be called from any thread.
#ifndef MINIRAY_RUNTIME_REAL_THREAD_EXECUTOR_H_
#define MINIRAY_RUNTIME_REAL_THREAD_EXECUTOR_H_

#include <functional>
#include <memory>

#include "src/runtime/executor.h"

namespace miniray {

class ThreadExecutor : public Executor {
 public:
  ThreadExecutor();
  // Waits for every spawned body to return.
  ~ThreadExecutor() override;
  ThreadExecutor(const ThreadExecutor&) = delete;
  ThreadExecutor& operator=(const ThreadExecutor&) = delete;

  void Spawn(std::function<void()> body, void* context) override;
  std::unique_ptr<Event> NewEvent() override;
  // Sleeps the calling thread.
  void Sleep(absl::Duration duration) override;

  // Bodies spawned and not yet returned.
  int live_threads() const;

 private:
  struct Live;
  std::shared_ptr<Live> live_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_THREAD_EXECUTOR_H_
