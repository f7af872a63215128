#include "src/runtime/sim/sim_executor.h"

#include <utility>

#include "glog/logging.h"

namespace miniray {
namespace {

// An Event for fibers. At most one fiber waits on it.
class SimEvent : public Event {
 public:
  SimEvent(SimLoop& loop, SimExecutor& executor)
      : loop_(loop), executor_(executor) {}

  void Wait() override {
    if (notified_) return;
    Block();
  }

  bool WaitFor(absl::Duration timeout) override {
    if (notified_) return true;
    Fiber* self = Fiber::Current();
    TimerId timer = loop_.RunAfter(timeout, [this, self] {
      if (waiter_ != self) return;
      waiter_ = nullptr;
      executor_.Wake(self);
    });
    Block();
    loop_.Cancel(timer);
    return notified_;
  }

  void Notify() override {
    if (notified_) return;
    notified_ = true;
    if (waiter_ != nullptr) {
      Fiber* waiter = waiter_;
      waiter_ = nullptr;
      executor_.Wake(waiter);
    }
  }

  bool notified() const override { return notified_; }

 private:
  void Block() {
    Fiber* self = Fiber::Current();
    CHECK(self != nullptr) << "Event::Wait called outside a fiber";
    CHECK(waiter_ == nullptr) << "two fibers wait on one Event";
    waiter_ = self;
    Fiber::Yield();
  }

  SimLoop& loop_;
  SimExecutor& executor_;
  bool notified_ = false;
  Fiber* waiter_ = nullptr;  // the blocked fiber, until it is woken
};

}  // namespace

SimExecutor::~SimExecutor() {
  // Fibers still blocked when the simulation ends are dropped without
  // unwinding their stacks: objects living on those stacks are not destroyed.
  fibers_.clear();
}

void SimExecutor::Spawn(std::function<void()> body, void* context) {
  auto fiber = std::make_unique<Fiber>(std::move(body));
  Fiber* raw = fiber.get();
  fibers_.emplace(raw, Entry{std::move(fiber), context});
  Wake(raw);
}

std::unique_ptr<Event> SimExecutor::NewEvent() {
  return std::make_unique<SimEvent>(loop_, *this);
}

void SimExecutor::Sleep(absl::Duration duration) {
  Fiber* self = Fiber::Current();
  CHECK(self != nullptr) << "Sleep called outside a fiber";
  loop_.RunAfter(duration, [this, self] { Run(self); });
  Fiber::Yield();
}

void SimExecutor::Wake(Fiber* fiber) {
  loop_.RunAfter(absl::ZeroDuration(), [this, fiber] { Run(fiber); });
}

void SimExecutor::Run(Fiber* fiber) {
  auto it = fibers_.find(fiber);
  CHECK(it != fibers_.end()) << "waking a fiber that is not ours";
  {
    ScopedContext context(it->second.context);
    fiber->Resume();
  }
  if (fiber->finished()) fibers_.erase(fiber);
}

}  // namespace miniray
