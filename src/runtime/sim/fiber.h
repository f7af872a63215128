// Fiber: a stack of its own for blocking code inside the simulator.
//
// The simulated driver program and each running task function are fibers.
// Only the event loop resumes a fiber; a fiber gives control back by calling
// Fiber::Yield() (when it blocks) or by finishing:
//
//   Fiber fiber([] { ...; Fiber::Yield(); ... });
//   fiber.Resume();   // runs until the Yield
//   fiber.Resume();   // runs to the end; fiber.finished() is now true
//
// Switching uses ucontext; stacks come from mmap with a guard page and are
// reused. Single-threaded.
#ifndef MINIRAY_RUNTIME_SIM_FIBER_H_
#define MINIRAY_RUNTIME_SIM_FIBER_H_

#include <ucontext.h>

#include <cstddef>
#include <functional>

namespace miniray {

class Fiber {
 public:
  static constexpr size_t kStackBytes = 256 * 1024;

  explicit Fiber(std::function<void()> body);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Runs the fiber until it yields or finishes. Must not be called from a
  // fiber, nor on a finished fiber.
  void Resume();

  // Gives control back to whoever resumed the running fiber.
  static void Yield();

  // The running fiber, or null when called from the loop.
  static Fiber* Current();

  bool finished() const { return finished_; }

 private:
  static void Trampoline(unsigned int high, unsigned int low);

  std::function<void()> body_;
  void* stack_ = nullptr;
  // AddressSanitizer is told about each switch (see fiber.cc); these are
  // the stack of whoever resumed the fiber, and its fake stack.
  const void* caller_stack_bottom_ = nullptr;
  size_t caller_stack_size_ = 0;
  ucontext_t context_;
  ucontext_t caller_;
  bool finished_ = false;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_SIM_FIBER_H_
