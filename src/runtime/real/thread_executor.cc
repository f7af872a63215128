#include "src/runtime/real/thread_executor.h"

#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace miniray {
namespace {

// An Event any number of threads may wait on.
class ThreadEvent : public Event {
 public:
  void Wait() override {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&notified_));
  }

  bool WaitFor(absl::Duration timeout) override {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&notified_), timeout);
  }

  void Notify() override {
    absl::MutexLock lock(&mu_);
    notified_ = true;
  }

  bool notified() const override {
    absl::MutexLock lock(&mu_);
    return notified_;
  }

 private:
  mutable absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

// The count of running bodies. Shared with the threads so that the last
// one's decrement never touches a destroyed executor.
struct ThreadExecutor::Live {
  absl::Mutex mu;
  int count ABSL_GUARDED_BY(mu) = 0;
};

ThreadExecutor::ThreadExecutor() : live_(std::make_shared<Live>()) {}

ThreadExecutor::~ThreadExecutor() {
  absl::MutexLock lock(&live_->mu);
  live_->mu.Await(absl::Condition(
      +[](int* count) { return *count == 0; }, &live_->count));
}

void ThreadExecutor::Spawn(std::function<void()> body, void* context) {
  {
    absl::MutexLock lock(&live_->mu);
    ++live_->count;
  }
  std::thread([live = live_, body = std::move(body), context]() mutable {
    {
      ScopedContext scoped(context);
      body();
      body = nullptr;  // what the body captured goes before the count drops
    }
    absl::MutexLock lock(&live->mu);
    --live->count;
  }).detach();
}

std::unique_ptr<Event> ThreadExecutor::NewEvent() {
  return std::make_unique<ThreadEvent>();
}

void ThreadExecutor::Sleep(absl::Duration duration) {
  absl::SleepFor(duration);
}

int ThreadExecutor::live_threads() const {
  absl::MutexLock lock(&live_->mu);
  return live_->count;
}

}  // namespace miniray
