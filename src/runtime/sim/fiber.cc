#include "src/runtime/sim/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <exception>
#include <vector>

#include "glog/logging.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define MINIRAY_ASAN 1
#endif

namespace miniray {
namespace {

thread_local Fiber* current_fiber = nullptr;

// AddressSanitizer must be told when execution moves to another stack, or
// it mistakes the other stack's frames for overflows.
void StartSwitch(void** fake_stack, const void* bottom, size_t size) {
#ifdef MINIRAY_ASAN
  __sanitizer_start_switch_fiber(fake_stack, bottom, size);
#else
  (void)fake_stack, (void)bottom, (void)size;
#endif
}

void FinishSwitch(void* fake_stack, const void** bottom, size_t* size) {
#ifdef MINIRAY_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, bottom, size);
#else
  (void)fake_stack, (void)bottom, (void)size;
#endif
}

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
  FinishSwitch(nullptr, &fiber->caller_stack_bottom_,
               &fiber->caller_stack_size_);
  try {
    fiber->body_();
  } catch (const std::exception& e) {
    LOG(FATAL) << "uncaught exception in a fiber: " << e.what();
  }
  fiber->body_ = nullptr;
  fiber->finished_ = true;
  // Returning switches to uc_link, the context that last resumed us; a null
  // fake stack tells the sanitizer this stack is done.
  StartSwitch(nullptr, fiber->caller_stack_bottom_, fiber->caller_stack_size_);
}

void Fiber::Resume() {
  CHECK(current_fiber == nullptr) << "a fiber cannot resume another fiber";
  CHECK(!finished_) << "resuming a finished fiber";
  current_fiber = this;
  void* fake_stack = nullptr;
  StartSwitch(&fake_stack, stack_, kStackBytes);
  PCHECK(swapcontext(&caller_, &context_) == 0);
  FinishSwitch(fake_stack, nullptr, nullptr);
  current_fiber = nullptr;
}

void Fiber::Yield() {
  Fiber* self = current_fiber;
  CHECK(self != nullptr) << "Yield called outside a fiber";
  void* fake_stack = nullptr;
  StartSwitch(&fake_stack, self->caller_stack_bottom_,
              self->caller_stack_size_);
  PCHECK(swapcontext(&self->context_, &self->caller_) == 0);
  FinishSwitch(fake_stack, &self->caller_stack_bottom_,
               &self->caller_stack_size_);
}

Fiber* Fiber::Current() { return current_fiber; }

}  // namespace miniray
