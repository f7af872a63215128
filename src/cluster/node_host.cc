#include "src/cluster/node_host.h"

#include <unistd.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "glog/logging.h"
#include "src/cluster/gcs_query.h"
#include "src/cluster/ports.h"
#include "src/shared_store/shared_segment.h"
#include "src/cluster/usage_sampler.h"

namespace miniray {
namespace {

// Tries to bind a component on a fresh free port a few times: another
// process may take a port between PickFreePort and Listen.
constexpr int kBindAttemptsMax = 5;
// How often exited worker processes are looked for.
constexpr absl::Duration kReapInterval = absl::Milliseconds(20);

}  // namespace

NodeHost::NodeHost(Options options) : options_(std::move(options)) {
  fault_board_ = OpenFaultBoard(options_.fault_board);
  runtime_ = std::make_unique<ProcessRuntime>(ProcessRuntime::Options{
      .name = options_.raylet.node_name,
      .token = options_.token,
      .insecure_no_token = options_.insecure_no_token,
      .node_name = options_.fault_node,
      .message_faults = fault_board_ != nullptr ? fault_board_->AsFaultFn()
                                                : MessageFaultFn(),
      .clock_skew = fault_board_ != nullptr
                        ? fault_board_->SkewFn(options_.fault_node)
                        : std::function<absl::Duration()>()});
  rng_ = std::make_unique<Rng>(
      options_.seed, absl::StrCat("raylet/", options_.raylet.node_name));
}

NodeHost::~NodeHost() {
  // Stop the loop first: no handler, timer or fiber of a component runs
  // once it has stopped, so the components can go in any order, here on
  // this thread. Blocked fibers are dropped with the executor. The HTTP
  // server goes first: its handlers wait on the loop.
  dashboard_.reset();
  runtime_->Stop();
  workers_.KillAll();
  driver_.reset();
  store_service_.reset();
  store_client_.reset();
  raylet_.reset();  // with the store: the segments it holds are unlinked
  if (!segment_prefix_.empty()) SharedSegment::UnlinkAll(segment_prefix_);
  task_events_.reset();
  gcs_.reset();
  runtime_.reset();
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
      WaitForGcs(host->runtime_->loop(), host->runtime_->transport(), host->options_.gcs_address,
                 host->options_.start_timeout);
  if (!gcs_up.ok()) return gcs_up;
  // The HTTP port is registered with the raylet, so it is bound first (0:
  // the kernel picks one, so that no other process can take it meanwhile).
  if (absl::Status status = host->StartDashboard(); !status.ok()) return status;
  if (!host->options_.run_raylet) return host;
  if (host->dashboard_ != nullptr) {
    host->options_.dashboard_port = host->dashboard_->port();
  }
  if (absl::Status status = host->StartRaylet(); !status.ok()) return status;
  if (host->dashboard_ != nullptr) {
    host->runtime_->loop().RunAndWait(
        [&] { host->dashboard_->SetRaylet(host->raylet_.get()); });
  }
  return host;
}

absl::Status NodeHost::StartGcs() {
  absl::Status status;
  runtime_->loop().RunAndWait([&] {
    gcs_ = std::make_unique<GcsServer>(runtime_->clock(), runtime_->transport(), options_.gcs_address,
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

Raylet::Options NodeHost::RayletOptions() {
  Raylet::Options raylet_options = options_.raylet;
  raylet_options.gcs_address = options_.gcs_address;
  raylet_options.on_declared_dead = options_.on_declared_dead;
  // Worker processes cost real CPU to start: as Ray does, launch at most as
  // many at once as the machine has cores.
  if (raylet_options.max_concurrent_worker_starts == 0) {
    raylet_options.max_concurrent_worker_starts =
        std::max(1u, std::thread::hardware_concurrency());
  }
  // What the dashboard shows of this node (docs/observability.md).
  if (options_.dashboard_port > 0) {
    raylet_options.http_address =
        absl::StrCat(options_.host, ":", options_.dashboard_port);
  }
  raylet_options.is_head = options_.raylet.is_head || options_.run_gcs;
  // Pulled objects are assembled in shared memory, where workers map them.
  raylet_options.allocate_object = [this](ObjectId id, int64_t size) {
    return store_service_->Allocate(id, size);
  };
  // and chunks to send are read from their segments' files.
  raylet_options.read_object_chunk = [this](ObjectId id, const Bytes& object,
                                            size_t offset, size_t size) {
    return store_service_->ReadChunk(id, object, offset, size);
  };
  raylet_options.has_driver = options_.trace_driver;
  auto sampler = std::make_shared<UsageSampler>();
  raylet_options.sample_usage = [sampler, this](rpc::NodeUsage* usage) {
    sampler->Sample(usage);
    // On the loop, as every touch of metrics_.
    usage->set_objects_transferred(metrics_.objects_transferred);
    usage->set_bytes_transferred(metrics_.bytes_transferred);
    usage->set_leases_granted(metrics_.leases_granted);
    usage->set_spillbacks(metrics_.spillbacks);
    usage->set_workers_started(metrics_.workers_started);
    usage->set_objects_evicted(metrics_.objects_evicted);
  };
  return raylet_options;
}

absl::Status NodeHost::StartRaylet() {
  const Raylet::Options raylet_options = RayletOptions();
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
    runtime_->loop().RunAndWait([&] {
      // Before the raylet: it launches workers once registered.
      task_events_ = std::make_unique<TaskEventReporter>(
          runtime_->clock(), runtime_->transport(),
          TaskEventReporter::Options{.gcs_address = options_.gcs_address,
                                     .from_address = raylet_address_});
      raylet_ = std::make_unique<Raylet>(
          runtime_->clock(), runtime_->transport(), *rng_, metrics_, raylet_address_,
          [this](WorkerId id) { LaunchWorker(id); }, raylet_options);
      store_client_ = std::make_unique<InProcessStoreClient>(raylet_->store());
      status = StartStoreService();
      if (status.ok()) {
        status = raylet_->Start([this, registered](NodeId id) {
          node_id_ = id;
          registered->Notify();
        });
      }
      if (status.ok()) {
        task_events_->Start();
      } else {
        store_service_.reset();
        store_client_.reset();
        raylet_.reset();
      }
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

absl::Status NodeHost::StartStoreService() {
  // Segments of nodes killed on this machine are nobody's any more.
  if (int orphans = SharedSegment::UnlinkOrphans(); orphans > 0) {
    LOG(INFO) << options_.raylet.node_name << ": removed " << orphans
              << " shared-memory segments of dead nodes";
  }
  segment_prefix_ = SharedSegment::PrefixOfProcess(getpid());
  absl::Status status = absl::UnavailableError("no free port");
  for (int attempt = 0; attempt < kBindAttemptsMax && !status.ok(); ++attempt) {
    absl::StatusOr<int> port = PickFreePort(options_.host);
    if (!port.ok()) return port.status();
    store_service_ = std::make_unique<StoreService>(
        runtime_->transport(), absl::StrCat(options_.host, ":", *port), raylet_->store(),
        segment_prefix_);
    status = store_service_->Start();
  }
  if (!status.ok()) return status;
  runtime_->clock().RunAfter(kReapInterval, [this] { ReapWorkers(); });
  return absl::OkStatus();
}

// A worker is `miniray worker` in a process of its own. Real start-up takes
// what it takes; the scenario's worker_startup_time is a simulator setting.
void NodeHost::LaunchWorker(WorkerId id) {
  std::vector<std::string> argv = options_.worker_command;
  for (std::string flag : {
           absl::StrCat("--worker_id=", id),
           absl::StrCat("--node_id=", raylet_->node_id()),
           absl::StrCat("--node_ip_address=", options_.host),
           absl::StrCat("--raylet_address=", raylet_->address()),
           absl::StrCat("--gcs_address=", options_.gcs_address),
           absl::StrCat("--store_address=", store_service_->address()),
           absl::StrCat("--segment_prefix=", segment_prefix_),
           absl::StrCat("--max_inline_bytes=", options_.max_inline_bytes),
           absl::StrCat("--compute_slowdown=", options_.compute_slowdown),
           absl::StrCat("--task_events_period_ms=",
                        absl::ToInt64Milliseconds(
                            options_.worker_task_events_period)),
           absl::StrCat("--no_token=",
                        options_.insecure_no_token ? "true" : "false"),
       }) {
    argv.push_back(std::move(flag));
  }
  if (!options_.fault_board.empty()) {
    argv.push_back(absl::StrCat("--fault_board=", options_.fault_board));
    argv.push_back(absl::StrCat("--fault_node=", options_.fault_node));
  }
  // The token travels in the environment, not where `ps` shows it.
  absl::StatusOr<pid_t> pid =
      workers_.Start(argv, {absl::StrCat("MINIRAY_TOKEN=", options_.token)},
                     options_.worker_niceness);
  if (!pid.ok()) {
    LOG(ERROR) << options_.raylet.node_name << ": cannot start worker "
               << (id & 0xffff) << ": " << pid.status().message();
    // As if it had exited at once: the pool may start another later.
    runtime_->clock().RunAfter(absl::Seconds(1), [this, id] { raylet_->OnWorkerExit(id); });
    return;
  }
  worker_pids_[*pid] = id;
}

void NodeHost::ReapWorkers() {
  for (const auto& [pid, status] : workers_.ReapExited()) {
    auto it = worker_pids_.find(pid);
    if (it == worker_pids_.end()) continue;
    const WorkerId id = it->second;
    worker_pids_.erase(it);
    LOG(WARNING) << options_.raylet.node_name << ": worker " << (id & 0xffff)
                 << " (pid " << pid << ") "
                 << ChildProcesses::DescribeWaitStatus(status);
    raylet_->OnWorkerExit(id);
  }
  runtime_->clock().RunAfter(kReapInterval, [this] { ReapWorkers(); });
}

std::vector<pid_t> NodeHost::WorkerPids() {
  std::vector<pid_t> pids;
  runtime_->loop().RunAndWait([&] {
    for (const auto& [pid, id] : worker_pids_) pids.push_back(pid);
  });
  return pids;
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
    runtime_->loop().RunAndWait([&] {
      driver_ = std::make_unique<CoreWorker>(
          CoreWorkerRuntime{runtime_->clock(), runtime_->transport(), runtime_->executor(), *store_client_,
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
  runtime_->loop().RunAndWait([&] { copy = metrics_; });
  return copy;
}

void NodeHost::FlushTaskEvents(absl::Duration timeout) {
  auto flushed = std::make_shared<absl::Notification>();
  runtime_->loop().RunAndWait(
      [&] { task_events_->Flush([flushed] { flushed->Notify(); }); });
  flushed->WaitForNotificationWithTimeout(timeout);
}

bool NodeHost::WithRaylet(const std::function<void(const Raylet&)>& fn) {
  return runtime_->loop().RunAndWait([&] { fn(*raylet_); });
}

absl::Status NodeHost::StartDashboard() {
  if (options_.dashboard_port < 0) return absl::OkStatus();
  DashboardSources sources{.gcs = gcs_.get(),
                           .raylet = raylet_.get(),
                           .trace = options_.trace_driver ? &trace_ : nullptr,
                           .metrics = &metrics_,
                           .clock = &runtime_->clock()};
  if (options_.trace_driver) {
    // The driver's trace knows node ids only; the raylet's view has names.
    sources.before_read = [this] {
      if (raylet_ == nullptr) return;  // not yet started
      for (const NodeView& node : raylet_->view().nodes()) {
        if (node.id != kNoNode) trace_.SetNodeName(node.id, node.name);
      }
    };
  }
  absl::StatusOr<std::unique_ptr<DashboardServer>> server =
      DashboardServer::Start(
          runtime_->loop(), sources,
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
