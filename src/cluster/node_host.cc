#include "src/cluster/node_host.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "glog/logging.h"
#include "src/cluster/gcs_query.h"
#include "src/cluster/ports.h"
#include "src/cluster/usage_sampler.h"

namespace miniray {
namespace {

// Tries to bind a component on a fresh free port a few times: another
// process may take a port between PickFreePort and Listen.
constexpr int kBindAttemptsMax = 5;

}  // namespace

NodeHost::NodeHost(Options options) : options_(std::move(options)) {
  loop_ = std::make_unique<EventLoop>(options_.raylet.node_name);
  clock_ = std::make_unique<RealClock>(*loop_);
  executor_ = std::make_unique<FiberExecutor>(*loop_);
  transport_ = std::make_unique<GrpcTransport>(
      *loop_,
      GrpcTransport::Options{.token = options_.token,
                             .insecure_no_token = options_.insecure_no_token});
  redial_ = std::make_unique<RedialTransport>(*transport_, *loop_,
                                              RedialTransport::Options{});
  rng_ = std::make_unique<Rng>(
      options_.seed, absl::StrCat("raylet/", options_.raylet.node_name));
}

NodeHost::~NodeHost() {
  // Stop the loop first: no handler, timer or fiber of a component runs
  // once it has stopped, so the components can go in any order, here on
  // this thread. Blocked fibers are dropped with the executor. The HTTP
  // server goes first: its handlers wait on the loop.
  dashboard_.reset();
  loop_->Stop();
  driver_.reset();
  workers_.clear();
  task_events_.reset();
  raylet_.reset();
  gcs_.reset();
  redial_.reset();
  transport_.reset();
  executor_.reset();
  clock_.reset();
  loop_.reset();
}

absl::StatusOr<std::unique_ptr<NodeHost>> NodeHost::Start(Options options) {
  if (options.run_gcs) {
    options.gcs_address = absl::StrCat(options.host, ":", options.gcs_port);
  }
  std::unique_ptr<NodeHost> host(new NodeHost(std::move(options)));
  if (host->options_.run_gcs) {
    if (absl::Status status = host->StartGcs(); !status.ok()) return status;
  }
  // A raylet registers once, at Start: the GCS must be up by then.
  absl::Status gcs_up =
      WaitForGcs(*host->loop_, *host->redial_, host->options_.gcs_address,
                 host->options_.start_timeout);
  if (!gcs_up.ok()) return gcs_up;
  // The HTTP port is registered with the raylet, so it is chosen first.
  if (host->options_.dashboard_port == 0) {
    absl::StatusOr<int> port = PickFreePort(host->options_.host);
    if (!port.ok()) return port.status();
    host->options_.dashboard_port = *port;
  }
  if (absl::Status status = host->StartRaylet(); !status.ok()) return status;
  if (absl::Status status = host->StartDashboard(); !status.ok()) return status;
  return host;
}

absl::Status NodeHost::StartGcs() {
  absl::Status status;
  loop_->RunAndWait([&] {
    gcs_ = std::make_unique<GcsServer>(*clock_, *redial_, options_.gcs_address,
                                       options_.gcs);
    status = gcs_->Start();
  });
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat("cannot start the GCS at ",
                                                    options_.gcs_address, ": ",
                                                    status.message()));
  }
  return absl::OkStatus();
}

absl::Status NodeHost::StartRaylet() {
  Raylet::Options raylet_options = options_.raylet;
  raylet_options.gcs_address = options_.gcs_address;
  raylet_options.on_declared_dead = options_.on_declared_dead;
  // What the dashboard shows of this node (docs/observability.md).
  if (options_.dashboard_port > 0) {
    raylet_options.http_address =
        absl::StrCat(options_.host, ":", options_.dashboard_port);
  }
  raylet_options.is_head = options_.run_gcs;
  raylet_options.has_driver = options_.trace_driver;
  auto sampler = std::make_shared<UsageSampler>();
  raylet_options.sample_usage = [sampler](rpc::NodeUsage* usage) {
    sampler->Sample(usage);
  };
  auto registered = std::make_shared<absl::Notification>();
  absl::Status status = absl::UnknownError("not started");
  for (int attempt = 0; attempt < kBindAttemptsMax && !status.ok(); ++attempt) {
    int port = options_.raylet_port;
    if (port == 0 || attempt > 0) {
      absl::StatusOr<int> free = PickFreePort(options_.host);
      if (!free.ok()) return free.status();
      port = *free;
    }
    raylet_address_ = absl::StrCat(options_.host, ":", port);
    loop_->RunAndWait([&] {
      // Before the raylet: it launches workers once registered.
      task_events_ = std::make_unique<TaskEventReporter>(
          *clock_, *redial_,
          TaskEventReporter::Options{.gcs_address = options_.gcs_address,
                                     .from_address = raylet_address_});
      raylet_ = std::make_unique<Raylet>(
          *clock_, *redial_, *rng_, metrics_, raylet_address_,
          [this](WorkerId id) { LaunchWorker(id); }, raylet_options);
      status = raylet_->Start([this, registered](NodeId id) {
        node_id_ = id;
        registered->Notify();
      });
      if (status.ok()) task_events_->Start();
      if (!status.ok()) raylet_.reset();
    });
    // A port given on the command line is not ours to change.
    if (!status.ok() && options_.raylet_port != 0) break;
  }
  if (!status.ok()) {
    return absl::Status(
        status.code(),
        absl::StrCat("cannot start the raylet of ", options_.raylet.node_name,
                     ": ", status.message()));
  }
  if (!registered->WaitForNotificationWithTimeout(options_.start_timeout)) {
    return absl::DeadlineExceededError(absl::StrCat(
        "the raylet of ", options_.raylet.node_name,
        " did not register with the GCS at ", options_.gcs_address));
  }
  return absl::OkStatus();
}

// Workers are core workers in this process, on this loop (the known gap of
// this step): each listens on a port of its own and shares the raylet's
// object store. Real start-up takes what it takes; the scenario's
// worker_startup_time is a simulator setting.
void NodeHost::LaunchWorker(WorkerId id) {
  for (int attempt = 0; attempt < kBindAttemptsMax; ++attempt) {
    absl::StatusOr<int> port = PickFreePort(options_.host);
    if (!port.ok()) break;
    CoreWorker::Options options;
    options.worker_id = id;
    options.node_id = raylet_->node_id();
    options.address = absl::StrCat(options_.host, ":", *port);
    options.raylet_address = raylet_->address();
    options.gcs_address = options_.gcs_address;
    options.max_inline_bytes = options_.max_inline_bytes;
    // Each worker reports the tasks it owns (nested ones) to the GCS.
    options.trace_as_owner = true;
    auto worker = std::make_unique<CoreWorker>(
        CoreWorkerRuntime{*clock_, *redial_, *executor_, raylet_->store(),
                          metrics_, task_events_->NewOwnerTrace()},
        options);
    if (worker->Start().ok()) {
      workers_.push_back(std::move(worker));
      return;
    }
  }
  LOG(ERROR) << options_.raylet.node_name << ": cannot start worker "
             << (id & 0xffff) << ": no free port";
}

absl::StatusOr<CoreWorker*> NodeHost::StartDriver(CoreWorker::Options options) {
  absl::Status status = absl::UnknownError("not started");
  for (int attempt = 0; attempt < kBindAttemptsMax && !status.ok(); ++attempt) {
    absl::StatusOr<int> port = PickFreePort(options_.host);
    if (!port.ok()) return port.status();
    options.worker_id = MakeWorkerId(node_id_, 0);
    options.node_id = node_id_;
    options.address = absl::StrCat(options_.host, ":", *port);
    options.raylet_address = raylet_address_;
    options.gcs_address = options_.gcs_address;
    options.is_driver = true;
    options.trace_as_owner = options_.trace_driver;
    loop_->RunAndWait([&] {
      driver_ = std::make_unique<CoreWorker>(
          CoreWorkerRuntime{*clock_, *redial_, *executor_, raylet_->store(),
                            metrics_,
                            options_.trace_driver ? &trace_ : nullptr},
          options);
      status = driver_->Start();
      if (!status.ok()) driver_.reset();
      if (status.ok() && options_.trace_driver) task_events_->Watch(&trace_);
    });
  }
  if (!status.ok()) return status;
  return driver_.get();
}

Metrics NodeHost::metrics() {
  Metrics copy;
  loop_->RunAndWait([&] { copy = metrics_; });
  return copy;
}

void NodeHost::FlushTaskEvents(absl::Duration timeout) {
  auto flushed = std::make_shared<absl::Notification>();
  loop_->RunAndWait(
      [&] { task_events_->Flush([flushed] { flushed->Notify(); }); });
  flushed->WaitForNotificationWithTimeout(timeout);
}

bool NodeHost::WithRaylet(const std::function<void(const Raylet&)>& fn) {
  return loop_->RunAndWait([&] { fn(*raylet_); });
}

absl::Status NodeHost::StartDashboard() {
  if (options_.dashboard_port < 0) return absl::OkStatus();
  DashboardSources sources{.gcs = gcs_.get(),
                           .raylet = raylet_.get(),
                           .trace = options_.trace_driver ? &trace_ : nullptr,
                           .metrics = &metrics_,
                           .clock = clock_.get()};
  if (options_.trace_driver) {
    // The driver's trace knows node ids only; the raylet's view has names.
    sources.before_read = [this] {
      for (const NodeView& node : raylet_->view().nodes()) {
        if (node.id != kNoNode) trace_.SetNodeName(node.id, node.name);
      }
    };
  }
  absl::StatusOr<std::unique_ptr<DashboardServer>> server =
      DashboardServer::Start(
          *loop_, sources,
          DashboardServer::Options{.host = options_.host,
                                   .port = options_.dashboard_port,
                                   .token = options_.token,
                                   .insecure_no_token =
                                       options_.insecure_no_token,
                                   .tasks_from = options_.dashboard_tasks_from});
  if (!server.ok()) return server.status();
  dashboard_ = std::move(*server);
  return absl::OkStatus();
}

}  // namespace miniray
