#include "src/runtime/sim/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <exception>
#include <vector>

#include "glog/logging.h"

namespace miniray {
namespace {

thread_local Fiber* current_fiber = nullptr;

// Stacks are mmapped once and reused: a run may start millions of fibers.
class StackPool {
 public:
  void* Take() {
    if (!free_.empty()) {
      void* stack = free_.back();
      free_.pop_back();
      return stack;
    }
    const size_t page = sysconf(_SC_PAGESIZE);
    void* base = mmap(nullptr, Fiber::kStackBytes + page,
                      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                      0);
    PCHECK(base != MAP_FAILED) << "mmap of a fiber stack";
    // The lowest page is a guard: overflowing the stack faults at once.
    PCHECK(mprotect(base, page, PROT_NONE) == 0);
    return static_cast<char*>(base) + page;
  }
  void Give(void* stack) {
    if (free_.size() < kKeepMax) {
      free_.push_back(stack);
      return;
    }
    const size_t page = sysconf(_SC_PAGESIZE);
    munmap(static_cast<char*>(stack) - page, Fiber::kStackBytes + page);
  }

 private:
  static constexpr size_t kKeepMax = 4096;
  std::vector<void*> free_;
};

StackPool& Stacks() {
  static thread_local StackPool pool;
  return pool;
}

}  // namespace

Fiber::Fiber(std::function<void()> body) : body_(std::move(body)) {
  stack_ = Stacks().Take();
  PCHECK(getcontext(&context_) == 0);
  context_.uc_stack.ss_sp = stack_;
  context_.uc_stack.ss_size = kStackBytes;
  context_.uc_link = &caller_;
  // makecontext passes int arguments only: split the pointer in two.
  const auto self = reinterpret_cast<uintptr_t>(this);
  makecontext(&context_, reinterpret_cast<void (*)()>(&Fiber::Trampoline), 2,
              static_cast<unsigned int>(self >> 32),
              static_cast<unsigned int>(self & 0xffffffffu));
}

Fiber::~Fiber() {
  CHECK(finished_ || current_fiber != this) << "destroying a running fiber";
  Stacks().Give(stack_);
}

void Fiber::Trampoline(unsigned int high, unsigned int low) {
  auto* fiber = reinterpret_cast<Fiber*>((static_cast<uintptr_t>(high) << 32) |
                                         static_cast<uintptr_t>(low));
  try {
    fiber->body_();
  } catch (const std::exception& e) {
    LOG(FATAL) << "uncaught exception in a fiber: " << e.what();
  }
  fiber->body_ = nullptr;
  fiber->finished_ = true;
  // Returning switches to uc_link, the context that last resumed us.
}

void Fiber::Resume() {
  CHECK(current_fiber == nullptr) << "a fiber cannot resume another fiber";
  CHECK(!finished_) << "resuming a finished fiber";
  current_fiber = this;
  PCHECK(swapcontext(&caller_, &context_) == 0);
  current_fiber = nullptr;
}

void Fiber::Yield() {
  Fiber* self = current_fiber;
  CHECK(self != nullptr) << "Yield called outside a fiber";
  PCHECK(swapcontext(&self->context_, &self->caller_) == 0);
}

Fiber* Fiber::Current() { return current_fiber; }

}  // namespace miniray
