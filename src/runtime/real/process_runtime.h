// ProcessRuntime: the real runtime of one process of a cluster (a node or
// a worker), the four seams the components take, built once:
// an EventLoop, a RealClock and a FiberExecutor on it, and the gRPC
// transport wrapped in a RedialTransport (a dead node looks silent until
// the GCS declares it dead, as in the simulator; see redial_transport.h).
//
//   ProcessRuntime runtime({.name = "worker-3", .token = token});
//   runtime.loop().RunAndWait([&] {
//     raylet = std::make_unique<Raylet>(runtime.clock(), runtime.transport(),
//                                       ...);
//   });
//   ...
//   runtime.Stop();     // no handler, timer or fiber runs after this
//   raylet.reset();     // so components can go in any order, off the loop
//
// The destructor stops the loop too, then tears the seams down in reverse.
// Components using them must be destroyed after Stop and before the
// runtime.
#ifndef MINIRAY_RUNTIME_REAL_PROCESS_RUNTIME_H_
#define MINIRAY_RUNTIME_REAL_PROCESS_RUNTIME_H_

#include <memory>
#include <string>

#include "src/runtime/real/event_loop.h"
#include "src/runtime/real/fiber_executor.h"
#include "src/runtime/real/grpc_transport.h"
#include "src/runtime/real/real_clock.h"
#include "src/runtime/real/redial_transport.h"

namespace miniray {

class ProcessRuntime {
 public:
  struct Options {
    // The loop thread's name (for logs and debuggers).
    std::string name;
    // The cluster token (docs/real-runtime.md), or no token at all.
    std::string token;
    bool insecure_no_token = false;
    // The node this process belongs to, and its messages' faults (see
    // GrpcTransport::Options); none by default.
    std::string node_name;
    MessageFaultFn message_faults;
    // Added to the clock's Now() (RealClock); none by default.
    std::function<absl::Duration()> clock_skew;
  };

  explicit ProcessRuntime(const Options& options)
      : loop_(std::make_unique<EventLoop>(options.name)),
        clock_(std::make_unique<RealClock>(*loop_, options.clock_skew)),
        executor_(std::make_unique<FiberExecutor>(*loop_)),
        grpc_(std::make_unique<GrpcTransport>(
            *loop_,
            GrpcTransport::Options{
                .token = options.token,
                .insecure_no_token = options.insecure_no_token,
                .node_name = options.node_name,
                .message_faults = options.message_faults})),
        redial_(std::make_unique<RedialTransport>(*grpc_, *loop_,
                                                  RedialTransport::Options{})) {}
  ~ProcessRuntime() {
    Stop();
    redial_.reset();
    grpc_.reset();
    executor_.reset();  // drops blocked fibers
    clock_.reset();
    loop_.reset();
  }
  ProcessRuntime(const ProcessRuntime&) = delete;
  ProcessRuntime& operator=(const ProcessRuntime&) = delete;

  // Stops the loop (idempotent); waits for the callback running, if any.
  void Stop() { loop_->Stop(); }

  EventLoop& loop() { return *loop_; }
  RealClock& clock() { return *clock_; }
  FiberExecutor& executor() { return *executor_; }
  // What components call through.
  Transport& transport() { return *redial_; }

 private:
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<RealClock> clock_;
  std::unique_ptr<FiberExecutor> executor_;
  std::unique_ptr<GrpcTransport> grpc_;
  std::unique_ptr<RedialTransport> redial_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_PROCESS_RUNTIME_H_
