#include "src/cluster/local_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "src/api/object_ref.h"
#include "src/cluster/gcs_query.h"
#include "src/cluster/ports.h"
#include "src/cluster/scenario_options.h"
#include "src/common/units.h"
#include "src/programs/program.h"
#include "src/scenario/loader.h"

namespace miniray {
namespace {

constexpr char kHost[] = "127.0.0.1";
// How often the main thread looks at the clock, its children and the
// program while the program runs.
constexpr absl::Duration kPollPeriod = absl::Milliseconds(20);

// `bytes` random bytes as hex, from the kernel's generator.
std::string RandomHex(int bytes) {
  std::string raw(bytes, '\0');
  FILE* urandom = std::fopen("/dev/urandom", "rb");
  const bool read = urandom != nullptr && std::fread(raw.data(), 1, raw.size(),
                                                     urandom) == raw.size();
  if (urandom != nullptr) std::fclose(urandom);
  if (!read) {
    std::random_device device;  // the OS's entropy too, if urandom fails
    for (char& c : raw) c = static_cast<char>(device() & 0xff);
  }
  std::string hex;
  for (char c : raw)
    absl::StrAppendFormat(&hex, "%02x", static_cast<unsigned char>(c));
  return hex;
}

std::string SelfBinary() {
  char path[4096];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0) return "/proc/self/exe";
  return std::string(path, length);
}

// What the program's fiber hands back. Shared: the fiber may outlive Run's
// frame if the program never finishes.
struct ProgramRun {
  ProgramContext context;
  std::string result;
  std::string error;
  absl::Notification done;
};

}  // namespace

LocalCluster::LocalCluster(const scenario::Scenario& scenario, Options options)
    : scenario_(scenario),
      options_(std::move(options)),
      seed_(ScenarioSeed(scenario_, options_.seed)),
      token_(options_.join_gcs_address.empty() ? RandomHex(16)
                                               : options_.token),
      marker_(absl::StrCat("miniray-local-", getpid(), "-", RandomHex(4))),
      binary_(options_.binary.empty() ? SelfBinary() : options_.binary) {}

LocalCluster::~LocalCluster() {
  driver_host_.reset();
  processes_.KillAll();
}

// A free port not picked before in this run: the ports picked here are
// bound later, by the children, so a second pick could find one still free.
absl::StatusOr<int> LocalCluster::PickPort() {
  for (int attempt = 0; attempt < 10; ++attempt) {
    absl::StatusOr<int> port = PickFreePort(kHost);
    if (!port.ok() || picked_ports_.insert(*port).second) return port;
  }
  return absl::UnavailableError("cannot pick a port not picked before");
}

absl::Status LocalCluster::StartChildren() {
  absl::StatusOr<int> gcs_port = PickPort();
  if (!gcs_port.ok()) return gcs_port.status();
  gcs_port_ = *gcs_port;
  gcs_address_ = absl::StrCat(kHost, ":", gcs_port_);
  if (absl::Status status = PickDashboardPorts(); !status.ok()) return status;
  if (absl::Status status = CreateFaultBoard(); !status.ok()) return status;
  if (absl::Status status = StartGcsChild(); !status.ok()) return status;
  const std::vector<std::string> names = scenario::ExpandNodeNames(scenario_);
  for (size_t i = 0; i < names.size(); ++i) {
    children_.push_back(Child{names[i], static_cast<int>(i), 0});
    if (absl::Status status = StartChild(children_.back()); !status.ok()) {
      return status;
    }
  }
  std::cerr << "miniray local: cluster " << marker_ << ": " << names.size()
            << " node processes, GCS at " << gcs_address_ << " (pid "
            << gcs_child_.pid << ")\n";
  return absl::OkStatus();
}

// The GCS runs alone in its process, as Ray's gcs_server, so that
// kill_head can crash it without the head node. The dashboard reads it
// there.
absl::Status LocalCluster::StartGcsChild() {
  std::vector<std::string> argv = {
      binary_,
      "node",
      "--gcs_only",
      absl::StrCat("--scenario=", options_.scenario_path),
      absl::StrCat("--gcs_port=", gcs_port_),
      absl::StrCat("--seed=", seed_),
      absl::StrCat("--cluster=", marker_),
  };
  if (options_.dashboard_port >= 0) {
    argv.push_back(absl::StrCat("--dashboard_port=", dashboard_port_));
  }
  // The GCS is the head's, in the simulator.
  for (std::string& flag : FaultFlags(scenario::ExpandNodeNames(scenario_)[0])) {
    argv.push_back(std::move(flag));
  }
  absl::StatusOr<pid_t> pid =
      processes_.Start(argv, {absl::StrCat("MINIRAY_TOKEN=", token_)});
  if (!pid.ok()) return pid.status();
  gcs_child_.pid = *pid;
  return absl::OkStatus();
}

absl::Status LocalCluster::StartChild(Child& child) {
  // The node picks its raylet's port itself, and picks again if another
  // process takes it first (a port picked here could be taken meanwhile).
  std::vector<std::string> argv = {
      binary_,
      "node",
      absl::StrCat("--scenario=", options_.scenario_path),
      absl::StrCat("--node_index=", child.index),
      absl::StrCat("--gcs_address=", gcs_address_),
      absl::StrCat("--seed=", seed_),
      absl::StrCat("--cluster=", marker_),
  };
  // Dashboard: the GCS's process serves it (tasks come from the driver's
  // endpoint, found in the GCS's node table); every node serves /metrics
  // on a port the kernel gives it, registered with the GCS.
  if (options_.dashboard_port >= 0) argv.push_back("--dashboard_port=0");
  for (std::string& flag : FaultFlags(child.name)) {
    argv.push_back(std::move(flag));
  }
  absl::StatusOr<pid_t> pid =
      processes_.Start(argv, {absl::StrCat("MINIRAY_TOKEN=", token_)});
  if (!pid.ok()) return pid.status();
  child.pid = *pid;
  return absl::OkStatus();
}

absl::Status LocalCluster::StartDriverNode() {
  NodeHost::Options options = NodeOptionsFromScenario(scenario_, 0);
  options.run_gcs = false;
  options.gcs_address = gcs_address_;
  options.host = options_.host;
  options.raylet.node_name = options_.driver_node_name;
  // No resources: nothing is scheduled here; the node only holds the
  // driver's objects (the driver's Puts and what its Gets pull).
  options.raylet.resources = ResourceSet::FromMap({{"CPU", 0}});
  options.token = token_;
  options.insecure_no_token = options_.insecure_no_token;
  options.seed = seed_;
  options.start_timeout = options_.start_timeout;
  options.worker_command.push_back(absl::StrCat("--cluster=", marker_));
  // The driver shares the head's node in the simulator.
  options.fault_board = fault_board_name_;
  options.fault_node = scenario::ExpandNodeNames(scenario_).front();
  // A submitted job's tasks are always shown on the head's dashboard: the
  // driver serves them (on a port the kernel picks) and registers
  // has_driver.
  if (options_.dashboard_port >= 0 || !options_.join_gcs_address.empty()) {
    options.dashboard_port = 0;
    options.trace_driver = true;
  }
  if (options_.on_driver_trace) options.trace_driver = true;
  absl::StatusOr<std::unique_ptr<NodeHost>> host = NodeHost::Start(options);
  if (!host.ok()) return host.status();
  driver_host_ = std::move(*host);
  return absl::OkStatus();
}

absl::Status LocalCluster::WaitForNodes(const std::vector<std::string>& names) {
  const absl::Time deadline = absl::Now() + options_.start_timeout;
  std::string missing;
  while (absl::Now() < deadline) {
    for (const auto& [pid, status] : processes_.ReapExited()) {
      return absl::UnavailableError(
          absl::StrCat("a node process (pid ", pid, ") ",
                       ChildProcesses::DescribeWaitStatus(status),
                       " before the cluster came up"));
    }
    absl::StatusOr<std::vector<rpc::NodeInfo>> nodes =
        QueryNodes(driver_host_->loop(), driver_host_->transport(),
                   gcs_address_, absl::Seconds(2));
    missing.clear();
    for (const std::string& name : names) {
      // Alive, and its prestarted workers ready (as in the simulator, whose
      // workers are up when the program starts; a task that waited for a
      // worker process to start would change what a scenario's timing
      // shows). A node reports its pool with its heartbeats.
      const bool alive =
          nodes.ok() &&
          std::any_of(nodes->begin(), nodes->end(), [&](const auto& node) {
            return node.name() == name && node.alive() &&
                   node.has_usage() && node.usage().workers_starting() == 0;
          });
      if (!alive) absl::StrAppend(&missing, missing.empty() ? "" : ", ", name);
    }
    if (missing.empty()) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the cluster did not come up within ",
                   absl::FormatDuration(options_.start_timeout),
                   ": not up (registered, its workers ready): ", missing));
}

void LocalCluster::WithDriverTrace(
    const std::function<void(TraceRecorder&)>& fn) {
  TraceRecorder* trace = driver_host_->driver_trace();
  if (trace == nullptr) return;
  driver_host_->WithRaylet([&](const Raylet& raylet) {
    // The trace knows node ids; the driver's raylet's view has the names.
    for (const NodeView& node : raylet.view().nodes()) {
      if (node.id != kNoNode) trace->SetNodeName(node.id, node.name);
    }
    fn(*trace);
  });
}

void LocalCluster::HandOverDriverTrace(const RunSummary& summary) {
  if (!options_.on_driver_trace) return;
  TraceRecorder copy;
  WithDriverTrace([&](TraceRecorder& trace) { copy = trace; });
  options_.on_driver_trace(summary, copy);
}

bool LocalCluster::NoNodeLeft() const {
  if (!options_.join_gcs_address.empty()) return false;  // `submit`
  return std::all_of(children_.begin(), children_.end(),
                     [](const Child& child) { return child.pid == 0; });
}

void LocalCluster::ReportUnexpectedExits() {
  for (const auto& [pid, status] : processes_.ReapExited()) {
    if (pid == gcs_child_.pid) {
      std::cerr << "miniray: the GCS (pid " << pid << ") "
                << ChildProcesses::DescribeWaitStatus(status) << "\n";
      gcs_child_.pid = 0;
    }
    for (Child& child : children_) {
      if (child.pid != pid) continue;
      std::cerr << "miniray: node " << child.name << " (pid " << pid << ") "
                << ChildProcesses::DescribeWaitStatus(status) << "\n";
      child.pid = 0;
    }
  }
}

void LocalCluster::RunProgram(RunSummary& summary) {
  const Program* program =
      ProgramRegistry::Global().Find(scenario_.program().name());
  if (program == nullptr) {
    summary.error =
        absl::StrCat("unknown program \"", scenario_.program().name(), "\"");
    return;
  }
  absl::StatusOr<CoreWorker*> driver =
      driver_host_->StartDriver(DriverOptionsFromScenario(scenario_));
  if (!driver.ok()) {
    summary.error =
        absl::StrCat("cannot start the driver: ", driver.status().message());
    return;
  }
  auto run = std::make_shared<ProgramRun>();
  run->context = ProgramContext{&scenario_.program(), seed_};
  const std::vector<PlannedFault> faults = options_.join_gcs_address.empty()
                                               ? PlanFaults()
                                               : std::vector<PlannedFault>();
  size_t next_fault = 0;
  const absl::Time started = absl::Now();
  // Faults at time zero come before the program's first step, as in the
  // simulator.
  while (next_fault < faults.size() && faults[next_fault].at <= absl::ZeroDuration()) {
    ApplyFault(faults[next_fault++], absl::ZeroDuration());
  }
  TraceRecorder* trace = driver_host_->driver_trace();
  (*driver)->Spawn([run, program, trace] {
    // The trace's origin; its clock is the host's RealClock, absl::Now().
    if (trace != nullptr) {
      trace->Record(
          {.time = absl::Now(), .type = TraceEventType::kProgramStarted});
    }
    try {
      run->result = (*program)(run->context);
    } catch (const RayError& e) {
      run->error = e.what();
    } catch (const std::exception& e) {
      run->error = absl::StrCat("the program failed: ", e.what());
    }
    if (trace != nullptr) {
      trace->Record({.time = absl::Now(),
                     .type = TraceEventType::kProgramFinished,
                     .detail = run->error});
    }
    run->done.Notify();
  });
  const absl::Duration max_time =
      scenario_.max_time().empty()
          ? absl::Hours(1)
          : ParseDuration(scenario_.max_time()).value();
  // Wakes for the next fault on time, or every kPollPeriod.
  auto until_next = [&] {
    if (next_fault == faults.size()) return kPollPeriod;
    return std::clamp(faults[next_fault].at - (absl::Now() - started),
                      absl::ZeroDuration(), kPollPeriod);
  };
  while (!run->done.WaitForNotificationWithTimeout(until_next())) {
    const absl::Duration now = absl::Now() - started;
    while (next_fault < faults.size() && faults[next_fault].at <= now) {
      ApplyFault(faults[next_fault++], now);
    }
    ReportUnexpectedExits();
    // A node that will be restarted later is not gone for good.
    const bool restart_pending = std::any_of(
        faults.begin() + next_fault, faults.end(), [](const PlannedFault& f) {
          return f.kind == PlannedFault::Kind::kRestartNode;
        });
    if (now >= max_time || (NoNodeLeft() && !restart_pending)) break;
  }
  summary.makespan = absl::Now() - started;
  summary.finished = run->done.HasBeenNotified();
  if (summary.finished) {
    summary.result = run->result;
    summary.error = run->error;
  } else if (NoNodeLeft()) {
    // Nothing can run its tasks: say so rather than wait out max_time.
    summary.error =
        "every node process has exited (declared dead by the GCS, or "
        "killed): the program cannot finish";
  } else {
    summary.error = absl::StrCat(
        "the program did not finish within max_time (",
        absl::FormatDuration(max_time), " of real time); ",
        driver_host_->executor().live_fibers(), " fibers still blocked");
  }
}

// A node process that registered and then exited (its HTTP port, say, was
// taken) would leave the program a smaller cluster than the scenario's.
absl::Status LocalCluster::CheckChildrenAlive() {
  ReportUnexpectedExits();
  for (const Child& child : children_) {
    if (child.pid == 0) {
      return absl::UnavailableError(absl::StrCat(
          "node ", child.name, " exited before the program started"));
    }
  }
  if (gcs_child_.pid == 0) {
    return absl::UnavailableError("the GCS exited before the program started");
  }
  return absl::OkStatus();
}

void LocalCluster::PrintMetricsAddresses() {
  absl::StatusOr<std::vector<rpc::NodeInfo>> nodes =
      QueryNodes(driver_host_->loop(), driver_host_->transport(), gcs_address_,
                 absl::Seconds(2));
  if (!nodes.ok()) return;
  for (const rpc::NodeInfo& node : *nodes) {
    if (!node.alive() || node.http_address().empty() ||
        node.name() == options_.driver_node_name) {
      continue;
    }
    std::cerr << "miniray local: " << node.name() << " /metrics at http://"
              << node.http_address() << "/metrics\n";
  }
}

// The driver counts the tasks it owns; tasks submitted by tasks are owned,
// and counted, in worker processes, which report them to the GCS's task
// table once a period: after one period more, the GCS has their last
// state. Actor restarts are counted where they happen, in the GCS too.
void LocalCluster::CollectCounters(RunSummary& summary) {
  // The tasks' last states, before this process (a `submit`) goes.
  driver_host_->FlushTaskEvents(absl::Seconds(2));
  summary.metrics = driver_host_->metrics();
  const absl::Duration period = options_.join_gcs_address.empty()
                                    ? kLocalTaskEventsPeriod
                                    : absl::Seconds(1);  // `start`'s workers
  absl::SleepFor(period + absl::Milliseconds(100));
  absl::StatusOr<rpc::GetClusterStatsReply> stats = QueryClusterStats(
      driver_host_->loop(), driver_host_->transport(), gcs_address_,
      absl::Seconds(2), driver_host_->node_id());
  if (!stats.ok()) return;
  Metrics& metrics = summary.metrics;
  metrics.actors_restarted = stats->actors_restarted();
  metrics.tasks_submitted += stats->tasks_submitted();
  metrics.tasks_finished += stats->tasks_finished();
  metrics.tasks_failed += stats->tasks_failed();
  metrics.tasks_retried += stats->tasks_retried();
  const rpc::NodeUsage& nodes = stats->node_counters();
  metrics.objects_transferred += nodes.objects_transferred();
  metrics.bytes_transferred += nodes.bytes_transferred();
  metrics.leases_granted += nodes.leases_granted();
  metrics.spillbacks += nodes.spillbacks();
  metrics.workers_started += nodes.workers_started();
  metrics.objects_evicted += nodes.objects_evicted();
}

int LocalCluster::CountClusterNodes() {
  absl::StatusOr<std::vector<rpc::NodeInfo>> nodes =
      QueryNodes(driver_host_->loop(), driver_host_->transport(), gcs_address_,
                 absl::Seconds(2));
  if (!nodes.ok()) return 0;
  return std::count_if(nodes->begin(), nodes->end(), [&](const auto& node) {
    return node.alive() && node.name() != options_.driver_node_name;
  });
}

// The dashboard's port: the one asked for, or a free one, so that it can
// be printed before the GCS's process starts.
absl::Status LocalCluster::PickDashboardPorts() {
  if (options_.dashboard_port < 0) return absl::OkStatus();
  dashboard_port_ = options_.dashboard_port;
  if (dashboard_port_ == 0) {
    absl::StatusOr<int> port = PickPort();
    if (!port.ok()) return port.status();
    dashboard_port_ = *port;
  }
  return absl::OkStatus();
}

RunSummary LocalCluster::Run() {
  RunSummary summary;
  summary.scenario = scenario_.name();
  summary.seed = seed_;
  const bool join = !options_.join_gcs_address.empty();
  std::vector<std::string> names;
  absl::Status up = absl::OkStatus();
  if (join) {
    gcs_address_ = options_.join_gcs_address;
    if (scenario_.fault_size() > 0) {
      std::cerr << "miniray: the scenario's faults are not applied to a "
                   "live cluster (submit)\n";
    }
  } else {
    names = scenario::ExpandNodeNames(scenario_);
    summary.nodes = static_cast<int>(names.size());
    up = StartChildren();
  }
  if (up.ok()) up = StartDriverNode();
  names.push_back(options_.driver_node_name);
  if (up.ok()) up = WaitForNodes(names);
  if (up.ok() && !join) up = CheckChildrenAlive();
  if (up.ok() && join) summary.nodes = CountClusterNodes();
  if (up.ok()) {
    // The driver node's raylet must see the cluster (to pull from it), and
    // the others must see the driver node (to pull the driver's objects):
    // the GCS tells them all in the same broadcast, once per heartbeat.
    absl::SleepFor(3 *
                   NodeOptionsFromScenario(scenario_, 0).gcs.heartbeat_period);
    if (options_.dashboard_port >= 0 && !join) {
      PrintMetricsAddresses();
      std::cerr << "miniray local: dashboard at http://" << kHost << ":"
                << dashboard_port_ << "/?token=" << token_ << "\n"
                << "miniray local: the driver's tasks and /metrics at http://"
                << kHost << ":" << driver_host_->http_port() << "/metrics\n";
    }
    RunProgram(summary);
    CollectCounters(summary);
    NoteMessageFaultTotals();
    summary.faults = fault_log_;
    HandOverDriverTrace(summary);
    if (options_.on_program_done) options_.on_program_done(summary);
    if (options_.keep_alive) {
      std::cerr << "miniray local: the program ended; the cluster stays up "
                << "until SIGINT/SIGTERM (--keep_alive)\n";
      while (true) pause();  // the signal handler tears down and exits
    }
  } else {
    summary.error = absl::StrCat("the cluster did not come up: ", up.message());
  }
  summary.faults = fault_log_;
  driver_host_.reset();
  processes_.KillAll();
  return summary;
}

}  // namespace miniray
