#include "src/sim/sim_cluster.h"

#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/api/object_ref.h"
#include "src/common/units.h"
#include "src/programs/program.h"
#include "src/scenario/loader.h"

namespace miniray {
namespace {

constexpr int kGcsPort = 6379;
constexpr int kRayletPort = 7000;
constexpr int kDriverPort = 9000;
constexpr int kFirstWorkerPort = 10000;
// A restarted node's ports are its first ports plus this, per restart.
constexpr int kPortsPerIncarnation = 100000;

absl::Duration DurationOr(const std::string& text, absl::Duration fallback) {
  return text.empty() ? fallback : ParseDuration(text).value();
}

int64_t BytesOr(const std::string& text, int64_t fallback) {
  return text.empty() ? fallback : ParseBytes(text).value();
}

double BandwidthOr(const std::string& text, double fallback) {
  return text.empty() ? fallback : ParseBandwidth(text).value();
}

Address AddressOf(const std::string& host, int port) {
  return absl::StrCat(host, ":", port);
}

}  // namespace

SimCluster::SimCluster(const scenario::Scenario& scenario, uint64_t seed,
                       bool trace)
    : scenario_(scenario), seed_(seed) {
  if (trace) trace_ = std::make_unique<TraceRecorder>();
  const scenario::Network& net = scenario_.network();
  SimNetwork::Options options;
  options.latency = DurationOr(net.latency(), absl::Microseconds(100));
  options.bandwidth_bytes_per_s = BandwidthOr(net.bandwidth(), 1.25e9);
  options.local_latency = DurationOr(net.local_latency(), absl::Microseconds(10));
  network_ = std::make_unique<SimNetwork>(loop_, options, seed);
  for (const scenario::Link& link : net.link()) {
    network_->SetLink(link.from(), link.to(),
                      DurationOr(link.latency(), options.latency),
                      BandwidthOr(link.bandwidth(), options.bandwidth_bytes_per_s));
  }
  executor_ = std::make_unique<SimExecutor>(loop_);
}

SimCluster::~SimCluster() {
  // Components first: fibers that are still blocked refer to them.
  driver_.reset();
  for (auto* list : {&nodes_, &dead_nodes_}) {
    for (auto& node : *list) {
      for (SimWorker& worker : node->workers) worker.core.reset();
      node->raylet.reset();
    }
  }
  gcs_.reset();
  executor_.reset();
}

void SimCluster::StartGcs() {
  const scenario::SystemConfig& config = scenario_.config();
  GcsServer::Options options;
  options.heartbeat_period =
      DurationOr(config.heartbeat_period(), absl::Milliseconds(100));
  options.heartbeat_misses_max =
      config.has_heartbeat_misses_max() ? config.heartbeat_misses_max() : 5;
  options.trace = trace_.get();
  const std::string head = scenario::ExpandNodeNames(scenario_)[0];
  gcs_process_ = std::make_unique<SimProcess>(loop_, *network_, *executor_,
                                              head + "/gcs");
  gcs_ = std::make_unique<GcsServer>(gcs_process_->clock(),
                                     gcs_process_->transport(),
                                     AddressOf(head, kGcsPort), options);
  CHECK((gcs_->Start()).ok());
}

void SimCluster::StartNodes() {
  const size_t count = scenario::ExpandNodeNames(scenario_).size();
  for (size_t i = 0; i < count; ++i) {
    nodes_.push_back(MakeNode(static_cast<int>(i), /*incarnation=*/0));
  }
}

std::unique_ptr<SimProcess> SimCluster::NewProcess(const SimNode& host,
                                                   const std::string& name) {
  auto process = std::make_unique<SimProcess>(
      loop_, *network_, *executor_, absl::StrCat(host.name, "/", name));
  process->SetSlowdown(host.slowdown);
  process->SetSkew(host.skew);
  return process;
}

// A node's raylet (with its object store) in a process of its own. A
// restarted node listens on new ports, so that nothing meant for the dead
// incarnation reaches the new one.
std::unique_ptr<SimCluster::SimNode> SimCluster::MakeNode(int index,
                                                          int incarnation) {
  const scenario::SystemConfig& config = scenario_.config();
  const std::vector<std::string> names = scenario::ExpandNodeNames(scenario_);
  // The node entry this expanded node comes from.
  const scenario::Node* entry = nullptr;
  int first = 0;
  for (const scenario::Node& candidate : scenario_.cluster().node()) {
    const int count = candidate.has_count() ? candidate.count() : 1;
    if (index < first + count) {
      entry = &candidate;
      break;
    }
    first += count;
  }
  auto node = std::make_unique<SimNode>();
  node->name = names[index];
  node->index = index;
  node->incarnation = incarnation;
  std::string stream = absl::StrCat("raylet/", node->name);
  if (incarnation > 0) absl::StrAppend(&stream, "#", incarnation);
  node->rng = std::make_unique<Rng>(seed_, stream);
  Raylet::Options options;
  options.node_name = node->name;
  options.resources = ResourceSet::FromMap(scenario::NodeResources(scenario_, index));
  options.object_store_capacity = BytesOr(entry->object_store_memory(), 1LL << 30);
  options.gcs_address = gcs_->address();
  options.heartbeat_period =
      DurationOr(config.heartbeat_period(), absl::Milliseconds(100));
  options.spread_threshold =
      config.has_spread_threshold() ? config.spread_threshold() : 0.5;
  options.chunk_size = BytesOr(config.transfer_chunk_size(), 5 << 20);
  options.trace = trace_.get();
  if (config.has_max_workers_per_node()) {
    options.max_workers = config.max_workers_per_node();
  }
  options.on_declared_dead = [this, index, incarnation] {
    // As a Ray raylet does, a node the GCS declared dead exits.
    if (nodes_[index]->incarnation == incarnation) {
      KillNode(index, "exited: the GCS had declared it dead");
    }
  };
  node->raylet_process = NewProcess(*node, "raylet");
  SimNode* raw = node.get();
  node->raylet = std::make_unique<Raylet>(
      node->raylet_process->clock(), node->raylet_process->transport(),
      *node->rng, metrics_,
      AddressOf(node->name, kRayletPort + kPortsPerIncarnation * incarnation),
      [this, raw](WorkerId id) { LaunchWorker(*raw, id); }, options);
  node->store_client =
      std::make_unique<InProcessStoreClient>(node->raylet->store());
  std::string trace_name = node->name;
  if (incarnation > 0) absl::StrAppend(&trace_name, "#", incarnation);
  CHECK((node->raylet->Start([this, trace_name](NodeId id) {
          if (trace_ != nullptr) trace_->SetNodeName(id, trace_name);
        })).ok());
  return node;
}

void SimCluster::LaunchWorker(SimNode& node, WorkerId id) {
  const absl::Duration startup =
      DurationOr(scenario_.config().worker_startup_time(),
                 absl::Milliseconds(50));
  // The process "starts" after the start-up time; the raylet's death before
  // then kills the launch too.
  node.raylet_process->clock().RunAfter(startup, [this, &node, id] {
    CoreWorker::Options options;
    options.worker_id = id;
    options.node_id = node.raylet->node_id();
    options.address =
        AddressOf(node.name, kFirstWorkerPort + static_cast<int>(id & 0xffff) +
                                 kPortsPerIncarnation * node.incarnation);
    options.raylet_address = node.raylet->address();
    options.gcs_address = gcs_->address();
    options.max_inline_bytes =
        BytesOr(scenario_.config().max_inline_object_size(), 100 * 1024);
    options.task_overhead = DurationOr(scenario_.config().task_overhead(),
                                       absl::Microseconds(100));
    SimWorker worker;
    worker.process = NewProcess(node, absl::StrCat("worker-", id & 0xffff));
    worker.core = std::make_unique<CoreWorker>(
        CoreWorkerRuntime{worker.process->clock(), worker.process->transport(),
                          worker.process->executor(), *node.store_client,
                          metrics_, trace_.get()},
        options);
    worker.core->set_compute_slowdown(node.slowdown);
    CHECK((worker.core->Start()).ok());
    node.workers.push_back(std::move(worker));
  });
}

bool SimCluster::ClusterIsUp() const {
  const size_t n = nodes_.size();
  for (const auto& node : nodes_) {
    const Raylet& raylet = *node->raylet;
    if (raylet.node_id() == kNoNode || !raylet.has_cluster_view()) return false;
    size_t known = 0;
    for (const NodeView& view : raylet.view().nodes()) {
      if (view.id != kNoNode && view.alive) ++known;
    }
    if (known < n) return false;
  }
  return true;
}

bool SimCluster::WaitForCluster() {
  // Checking every node's view is O(nodes^2): do it every 10 ms of virtual
  // time rather than after every event.
  const absl::Time limit = loop_.Now() + absl::Seconds(10);
  while (!ClusterIsUp()) {
    if (loop_.Now() >= limit) return false;
    loop_.RunUntil([] { return false; }, loop_.Now() + absl::Milliseconds(10));
  }
  return true;
}

void SimCluster::RunProgram(RunSummary& summary) {
  const Program* program =
      ProgramRegistry::Global().Find(scenario_.program().name());
  CHECK(program != nullptr) << "validated scenario names an unknown program";
  SimNode& head = *nodes_[0];
  CoreWorker::Options options;
  options.worker_id = MakeWorkerId(head.raylet->node_id(), 0);
  options.node_id = head.raylet->node_id();
  options.address = AddressOf(head.name, kDriverPort);
  options.raylet_address = head.raylet->address();
  options.gcs_address = gcs_->address();
  options.is_driver = true;
  options.disable_reconstruction = disable_reconstruction_;
  options.max_inline_bytes =
      BytesOr(scenario_.config().max_inline_object_size(), 100 * 1024);
  if (scenario_.config().has_max_pending_lease_requests()) {
    options.max_pending_lease_requests =
        scenario_.config().max_pending_lease_requests();
  }
  driver_process_ = NewProcess(head, "driver");
  driver_ = std::make_unique<CoreWorker>(
      CoreWorkerRuntime{driver_process_->clock(), driver_process_->transport(),
                        driver_process_->executor(), *head.store_client,
                        metrics_, trace_.get()},
      options);
  CHECK((driver_->Start()).ok());

  const absl::Time started = loop_.Now();
  if (trace_ != nullptr) {
    trace_->Record({.time = started, .type = TraceEventType::kProgramStarted});
  }
  bool done = false;
  ProgramContext context{&scenario_.program(), seed_};
  driver_->Spawn([&] {
    try {
      summary.result = (*program)(context);
    } catch (const RayError& e) {
      summary.error = e.what();
    } catch (const std::exception& e) {
      summary.error = absl::StrCat("the program failed: ", e.what());
    }
    done = true;
  });
  const absl::Duration max_time =
      DurationOr(scenario_.max_time(), absl::Hours(1));
  uint64_t polls = 0;
  summary.finished = loop_.RunUntil(
      [&] {
        if (progress_ && ++polls % 4096 == 0) {
          progress_({loop_.Now() - started, metrics_.tasks_finished,
                     loop_.events_run()});
        }
        return done;
      },
      started + max_time);
  summary.makespan = loop_.Now() - started;
  if (trace_ != nullptr) {
    trace_->Record({.time = loop_.Now(),
                    .type = TraceEventType::kProgramFinished,
                    .detail = summary.error});
  }
  if (!summary.finished) {
    summary.error = absl::StrCat(
        "the program did not finish within max_time (",
        absl::FormatDuration(max_time), " of virtual time); ",
        executor_->live_fibers(), " fibers still blocked");
  }
}

void SimCluster::Settle(absl::Duration duration) {
  loop_.RunUntil([] { return false; }, loop_.Now() + duration);
}

RunSummary SimCluster::Run() {
  RunSummary summary;
  summary.scenario = scenario_.name();
  summary.seed = seed_;
  StartGcs();
  StartNodes();
  summary.nodes = nodes_.size();
  if (!WaitForCluster()) {
    summary.error = "the cluster did not come up: some raylet never registered";
  } else {
    ScheduleFaults();
    RunProgram(summary);
  }
  summary.fingerprint = loop_.fingerprint();
  summary.events = loop_.events_run();
  summary.messages = network_->stats().messages;
  summary.network_bytes = network_->stats().bytes;
  summary.metrics = metrics_;
  summary.faults = fault_log_;
  summary.metrics.actors_restarted += gcs_->actor_manager().restarts();
  return summary;
}

}  // namespace miniray
