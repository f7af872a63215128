#include "src/runtime/real/fiber_executor.h"

#include <utility>

#include "absl/synchronization/mutex.h"
#include "glog/logging.h"

namespace miniray {
namespace {

// An Event for fibers on an EventLoop. At most one fiber waits on it; any
// thread may notify it. The mutex orders Notify against Wait: a waiter
// records itself under the lock and then yields; a Notify that takes it
// posts its resumption, which the loop runs only after the yield (the
// waiter runs on the loop's thread).
class FiberEvent : public Event {
 public:
  FiberEvent(EventLoop& loop, FiberExecutor& executor)
      : loop_(loop), executor_(executor) {}

  void Wait() override { Block(); }

  bool WaitFor(absl::Duration timeout) override {
    Fiber* self = CurrentFiber();
    {
      absl::MutexLock lock(&mu_);
      if (notified_) return true;
    }
    // The timer runs on the loop, where the fiber is switched out, and is
    // cancelled on the loop before this frame (and the event) can go.
    const TimerId timer = loop_.RunAfter(timeout, [this, self] {
      bool wake = false;
      {
        absl::MutexLock lock(&mu_);
        wake = waiter_ == self;
        if (wake) waiter_ = nullptr;
      }
      if (wake) executor_.Wake(self);
    });
    Block();
    loop_.Cancel(timer);
    absl::MutexLock lock(&mu_);
    return notified_;
  }

  void Notify() override {
    Fiber* waiter = nullptr;
    {
      absl::MutexLock lock(&mu_);
      if (notified_) return;
      notified_ = true;
      waiter = waiter_;
      waiter_ = nullptr;
    }
    if (waiter != nullptr) executor_.Wake(waiter);
  }

  bool notified() const override {
    absl::MutexLock lock(&mu_);
    return notified_;
  }

 private:
  static Fiber* CurrentFiber() {
    Fiber* self = Fiber::Current();
    CHECK(self != nullptr) << "Event::Wait called outside a fiber";
    return self;
  }

  void Block() {
    Fiber* self = CurrentFiber();
    {
      absl::MutexLock lock(&mu_);
      if (notified_) return;
      CHECK(waiter_ == nullptr) << "two fibers wait on one Event";
      waiter_ = self;
    }
    Fiber::Yield();
  }

  EventLoop& loop_;
  FiberExecutor& executor_;
  mutable absl::Mutex mu_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
  Fiber* waiter_ ABSL_GUARDED_BY(mu_) = nullptr;  // blocked, until woken
};

}  // namespace

FiberExecutor::FiberExecutor(EventLoop& loop)
    : loop_(loop), alive_(std::make_shared<std::atomic<bool>>(true)) {}

FiberExecutor::~FiberExecutor() {
  alive_->store(false);
  // Fibers still blocked are dropped without unwinding their stacks.
  fibers_.clear();
}

void FiberExecutor::Spawn(std::function<void()> body, void* context) {
  live_.fetch_add(1);
  loop_.Post([this, alive = alive_, body = std::move(body), context]() mutable {
    if (!alive->load()) return;
    auto fiber = std::make_unique<Fiber>(std::move(body));
    Fiber* raw = fiber.get();
    fibers_.emplace(raw, Entry{std::move(fiber), context});
    Run(raw);
  });
}

std::unique_ptr<Event> FiberExecutor::NewEvent() {
  return std::make_unique<FiberEvent>(loop_, *this);
}

void FiberExecutor::Sleep(absl::Duration duration) {
  Fiber* self = Fiber::Current();
  CHECK(self != nullptr) << "Sleep called outside a fiber";
  loop_.RunAfter(duration, [this, alive = alive_, self] {
    if (alive->load()) Run(self);
  });
  Fiber::Yield();
}

void FiberExecutor::Wake(Fiber* fiber) {
  loop_.Post([this, alive = alive_, fiber] {
    if (alive->load()) Run(fiber);
  });
}

void FiberExecutor::Run(Fiber* fiber) {
  auto it = fibers_.find(fiber);
  CHECK(it != fibers_.end()) << "waking a fiber that is not ours";
  {
    ScopedContext context(it->second.context);
    fiber->Resume();
  }
  if (fiber->finished()) {
    fibers_.erase(fiber);
    live_.fetch_sub(1);
  }
}

}  // namespace miniray
