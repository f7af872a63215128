// SimProcess: one simulated operating-system process, which can crash.
//
// Every component of a simulated cluster (the GCS, each raylet, each worker
// and the driver) runs in its own SimProcess and sees the runtime through
// it: the process's Clock, Transport and Executor forward to the shared
// simulator but stop everything the moment the process is killed. Nothing
// the process scheduled runs again (timers, handlers, replies to its calls),
// the messages it would send are not sent, and its fibers never resume. The
// components themselves need no code for crashing: as with a real SIGKILL,
// they simply stop.
//
//   SimProcess worker(loop, network, executor, "n1/worker-3");
//   CoreWorker core(CoreWorkerRuntime{worker.clock(), worker.transport(),
//                                     worker.executor(), ...}, options);
//   ...
//   worker.Kill(/*reset_connections=*/true);   // kill -9
//
// A process also models a slow machine (Sleep lasts `slowdown` times
// longer, as compute does on an overloaded node) and a skewed clock (Now()
// is off by `skew`; timers still fire after the durations asked for).
// Single-threaded, on the loop's thread.
#ifndef MINIRAY_RUNTIME_SIM_SIM_PROCESS_H_
#define MINIRAY_RUNTIME_SIM_SIM_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "src/runtime/clock.h"
#include "src/runtime/executor.h"
#include "src/runtime/sim/sim_executor.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"
#include "src/runtime/transport.h"

namespace miniray {

class SimProcess {
 public:
  SimProcess(SimLoop& loop, SimNetwork& network, SimExecutor& executor,
             std::string name);
  ~SimProcess();
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  Clock& clock();
  Transport& transport();
  Executor& executor();

  const std::string& name() const { return name_; }
  bool alive() const { return state_->alive; }

  // Kills the process. Its endpoints close. With `reset_connections` (the
  // process died but its machine did not, so the kernel resets its
  // connections) calls other processes were waiting on fail at once with
  // Unavailable; without (the machine died) they hear nothing.
  void Kill(bool reset_connections);

  // Sleep in this process lasts `factor` times longer (factor >= 1).
  void SetSlowdown(double factor) { state_->slowdown = factor; }
  // Now() in this process reads `skew` ahead of true (virtual) time.
  void SetSkew(absl::Duration skew) { state_->skew = skew; }

  // State shared with the callbacks the process handed to the simulator,
  // which may run after the SimProcess object is gone.
  struct State {
    bool alive = true;
    double slowdown = 1.0;
    absl::Duration skew;
  };

 private:
  class ProcessClock;
  class ProcessTransport;
  class ProcessExecutor;

  const std::string name_;
  SimNetwork& network_;
  std::shared_ptr<State> state_;
  std::unique_ptr<ProcessClock> clock_;
  std::unique_ptr<ProcessTransport> transport_;
  std::unique_ptr<ProcessExecutor> executor_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_SIM_SIM_PROCESS_H_
