// SimExecutor: blocking code on fibers, woken by the simulator's event loop.
//
// Spawn makes a fiber and schedules its first run on the loop. A fiber that
// waits on an Event or sleeps yields; Notify or the sleep's timer schedules
// its resumption as a loop event at the current virtual time. Time passes for
// a fiber only while it is blocked: code between two blocking calls takes no
// virtual time (a task charges time for its work with Sleep).
// Single-threaded: everything runs on the loop's thread.
#ifndef MINIRAY_RUNTIME_SIM_SIM_EXECUTOR_H_
#define MINIRAY_RUNTIME_SIM_SIM_EXECUTOR_H_

#include <cstdint>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "src/runtime/executor.h"
#include "src/runtime/sim/fiber.h"
#include "src/runtime/sim/sim_loop.h"

namespace miniray {

class SimExecutor : public Executor {
 public:
  explicit SimExecutor(SimLoop& loop) : loop_(loop) {}
  ~SimExecutor() override;

  void Spawn(std::function<void()> body, void* context) override;
  std::unique_ptr<Event> NewEvent() override;
  void Sleep(absl::Duration duration) override;

  // Fibers started and not finished (blocked, or about to run).
  size_t live_fibers() const { return fibers_.size(); }

  // Schedules `fiber` (one of ours) to run at the current virtual time.
  void Wake(Fiber* fiber);

 private:
  struct Entry {
    std::unique_ptr<Fiber> fiber;
    void* context;
  };
  void Run(Fiber* fiber);

  SimLoop& loop_;
  // Owns the live fibers. Only looked up by pointer, never iterated.
  absl::flat_hash_map<Fiber*, Entry> fibers_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_SIM_SIM_EXECUTOR_H_
