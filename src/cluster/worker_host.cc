#include "src/cluster/worker_host.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "src/cluster/ports.h"

namespace miniray {
namespace {

// Another process may take a port between PickFreePort and Listen.
constexpr int kBindAttemptsMax = 5;

// The executor of a slow node's core worker: what its tasks do for a while
// (Work, the task overhead) takes `factor()` times longer, as on a slowed
// simulated process. The factor is read at each Sleep: `local` may slow the
// node while it runs (the fault board).
class SlowedExecutor : public Executor {
 public:
  SlowedExecutor(Executor& inner, std::function<double()> factor)
      : inner_(inner), factor_(std::move(factor)) {}
  void Spawn(std::function<void()> body, void* context) override {
    inner_.Spawn(std::move(body), context);
  }
  std::unique_ptr<Event> NewEvent() override { return inner_.NewEvent(); }
  void Sleep(absl::Duration duration) override {
    inner_.Sleep(duration * factor_());
  }

 private:
  Executor& inner_;
  const std::function<double()> factor_;
};

}  // namespace

WorkerHost::WorkerHost(Options options)
    : options_(std::move(options)),
      fault_board_(OpenFaultBoard(options_.fault_board)),
      runtime_(std::make_unique<ProcessRuntime>(ProcessRuntime::Options{
          .name = absl::StrCat("worker-", options_.worker_id & 0xffff),
          .token = options_.token,
          .insecure_no_token = options_.insecure_no_token,
          .node_name = options_.fault_node,
          .message_faults = fault_board_ != nullptr
                                ? fault_board_->AsFaultFn()
                                : MessageFaultFn(),
          .clock_skew = fault_board_ != nullptr
                            ? fault_board_->SkewFn(options_.fault_node)
                            : std::function<absl::Duration()>()})),
      core_executor_(std::make_unique<SlowedExecutor>(
          runtime_->executor(), SlowdownSource())) {}

std::function<double()> WorkerHost::SlowdownSource() const {
  const double base = options_.compute_slowdown;
  FaultBoard* board = fault_board_.get();
  if (board == nullptr) return [base] { return base; };
  return [base, board, node = options_.fault_node] {
    return base * board->Slowdown(node);
  };
}

WorkerHost::~WorkerHost() {
  // As NodeHost: stop the loop, then destroy the components.
  runtime_->Stop();
  core_.reset();
  task_events_.reset();
  store_.reset();
  runtime_.reset();
}

absl::StatusOr<std::unique_ptr<WorkerHost>> WorkerHost::Start(
    Options options) {
  std::unique_ptr<WorkerHost> host(new WorkerHost(std::move(options)));
  const Options& o = host->options_;
  absl::Status status = absl::UnavailableError("no free port");
  for (int attempt = 0; attempt < kBindAttemptsMax && !status.ok(); ++attempt) {
    absl::StatusOr<int> port = PickFreePort(o.host);
    if (!port.ok()) return port.status();
    host->address_ = absl::StrCat(o.host, ":", *port);
    CoreWorker::Options core;
    core.worker_id = o.worker_id;
    core.node_id = o.node_id;
    core.address = host->address_;
    core.raylet_address = o.raylet_address;
    core.gcs_address = o.gcs_address;
    core.max_inline_bytes = o.max_inline_bytes;
    // The worker reports the tasks it owns (nested ones) to the GCS.
    core.trace_as_owner = true;
    host->runtime_->loop().RunAndWait([&] {
      host->store_ = std::make_unique<SharedStoreClient>(
          host->runtime_->transport(), host->runtime_->executor(), host->address_,
          SharedStoreClient::Options{.store_address = o.store_address,
                                     .segment_prefix = o.segment_prefix});
      host->task_events_ = std::make_unique<TaskEventReporter>(
          host->runtime_->clock(), host->runtime_->transport(),
          TaskEventReporter::Options{.gcs_address = o.gcs_address,
                                     .from_address = host->address_,
                                     .period = o.task_events_period});
      host->core_ = std::make_unique<CoreWorker>(
          CoreWorkerRuntime{host->runtime_->clock(), host->runtime_->transport(), *host->core_executor_,
                            *host->store_, host->metrics_,
                            host->task_events_->NewOwnerTrace()},
          core);
      host->core_->set_compute_slowdown_source(host->SlowdownSource());
      status = host->core_->Start();
      if (status.ok()) {
        host->task_events_->Start();
      } else {
        host->core_.reset();
        host->task_events_.reset();
        host->store_.reset();
      }
    });
  }
  if (!status.ok()) return status;
  return host;
}

}  // namespace miniray
