#include "src/cli/cluster_commands.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/cli/exit_status.h"
#include "src/cluster/child_processes.h"
#include "src/cluster/local_cluster.h"
#include "src/cluster/node_host.h"
#include "src/cluster/scenario_options.h"
#include "src/cluster/worker_host.h"
#include "src/common/units.h"
#include "src/report/html_report.h"
#include "src/report/sim_report.h"
#include "src/scenario/loader.h"
#include "src/sim/run_summary.h"

// Defined in main.cc.
DECLARE_bool(json);
DECLARE_uint64(seed);
DECLARE_string(report);

DEFINE_string(scenario, "", "node: the scenario file of the local cluster.");
DEFINE_int32(node_index, 0, "node: which node of the scenario this is.");
DEFINE_string(gcs_address, "", "node: the GCS's address, host:port.");
DEFINE_int32(gcs_port, 0, "node: run the GCS here, on this port (the head).");
DEFINE_bool(gcs_only, false,
            "node: run only the GCS (on --gcs_port) and the dashboard, in a "
            "process of its own, as Ray's gcs_server.");
DEFINE_int32(raylet_port, 0, "node: the raylet's port; 0 picks a free one.");
DEFINE_string(cluster, "",
              "node, start: a marker for the command line (`pgrep -f` finds "
              "the processes that carry it).");
// Dashboard (docs/observability.md).
DEFINE_int32(dashboard_port, -1,
             "local: the dashboard's port on the head (Ray's is 8265); 0 "
             "picks a free one; -1: no dashboard. node: this node's HTTP port "
             "(/metrics; the dashboard too with --gcs_port).");
DEFINE_string(driver_dashboard, "",
              "node: host:port of the driver's HTTP server (its tasks).");
// Worker processes (started by their node, NodeHost::LaunchWorker).
DEFINE_uint64(worker_id, 0, "worker: this worker's id.");
DEFINE_uint64(node_id, 0, "worker: its node's id.");
DEFINE_string(raylet_address, "", "worker: its raylet's address.");
DEFINE_string(store_address, "", "worker: its node's store service.");
DEFINE_string(segment_prefix, "",
              "worker: the name prefix of its node's shared-memory segments.");
DEFINE_int64(max_inline_bytes, 100 * 1024,
             "worker: return values up to this size travel in the reply.");
DEFINE_int32(task_events_period_ms, 1000,
             "worker: how often the tasks it owns are reported to the GCS.");
DEFINE_double(compute_slowdown, 1.0,
              "worker: tasks' synthetic durations take this many times "
              "longer (a slow_node fault).");
DECLARE_string(node_ip_address);  // deploy_commands.cc
DECLARE_bool(no_token);

DEFINE_string(fault_board, "",
              "node, worker: the shared-memory board of the run's message "
              "faults (miniray local sets it).");
DEFINE_string(fault_node, "",
              "node, worker: this process's node name in message faults.");
DEFINE_bool(keep_alive, false,
            "local: keep the cluster (and dashboard) up after the program "
            "ended, until SIGINT/SIGTERM.");

namespace miniray {
namespace {

constexpr char kTokenVariable[] = "MINIRAY_TOKEN";

}  // namespace

std::string LocalSummaryText(const RunSummary& s) {
  std::string text = s.error.empty() ? absl::StrCat("result: ", s.result, "\n")
                                     : absl::StrCat("error: ", s.error, "\n");
  absl::StrAppendFormat(
      &text,
      "scenario %s, seed %d, %d nodes (one process each): makespan %s (real), "
      "%d tasks finished, %d retried (counted by their owners)\n",
      s.scenario, s.seed, s.nodes, absl::FormatDuration(s.makespan),
      s.metrics.tasks_finished, s.metrics.tasks_retried);
  for (const std::string& line : s.faults) {
    absl::StrAppend(&text, "fault at ", line, "\n");
  }
  return text;
}

namespace {

// `local --report`: the page `sim --report` writes, from the driver's
// owner-side trace, with wall-clock times. Says on stderr if it cannot.
bool WriteLocalReport(const scenario::Scenario& scenario,
                      const RunSummary& summary, const TraceRecorder& trace) {
  const std::string html = RenderHtmlReport(
      MakeSimReport(scenario, summary, trace, {.real_cluster = true}));
  std::ofstream out(FLAGS_report, std::ios::binary);
  out << html;
  out.close();
  if (!out) std::cerr << "miniray: cannot write " << FLAGS_report << "\n";
  return static_cast<bool>(out);
}

int RunLocal(const std::string& path) {
  absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(path);
  if (!loaded.ok()) {
    std::cerr << "miniray: " << loaded.status().message() << "\n";
    return kExitBadInput;
  }
  ChildProcesses::KillAllOnSignal();
  auto print = [](const RunSummary& summary) {
    std::cout << (FLAGS_json ? SummaryToJson(summary) + "\n"
                             : LocalSummaryText(summary))
              << std::flush;
  };
  LocalCluster::Options options{.scenario_path = path,
                                .seed = FLAGS_seed,
                                .dashboard_port = FLAGS_dashboard_port,
                                .on_program_done = print,
                                .keep_alive = FLAGS_keep_alive};
  bool report_written = true;
  if (!FLAGS_report.empty()) {
    options.on_driver_trace = [&](const RunSummary& summary,
                                  const TraceRecorder& trace) {
      report_written = WriteLocalReport(*loaded, summary, trace);
    };
  }
  LocalCluster cluster(*loaded, options);
  const RunSummary summary = cluster.Run();
  // Printed by on_program_done, unless the cluster never ran the program.
  if (summary.error.rfind("the cluster did not come up", 0) == 0) print(summary);
  if (!report_written) return kExitBadInput;
  return ExitStatusFor(path, loaded->expect(), summary);
}

// One node of a local cluster, until it is killed (or the GCS declares it
// dead, when it exits as a Ray raylet does).
int RunNode() {
  const char* token = std::getenv(kTokenVariable);
  if (token == nullptr || *token == '\0') {
    std::cerr << "miniray node: " << kTokenVariable
              << " is not set (miniray local sets it)\n";
    return kExitBadInput;
  }
  absl::StatusOr<scenario::Scenario> loaded =
      scenario::LoadScenarioFile(FLAGS_scenario);
  if (!loaded.ok()) {
    std::cerr << "miniray node: " << loaded.status().message() << "\n";
    return kExitBadInput;
  }
  const int nodes = scenario::ExpandNodeNames(*loaded).size();
  if (FLAGS_gcs_only && FLAGS_gcs_port == 0) {
    std::cerr << "miniray node: --gcs_only needs --gcs_port\n";
    return kExitBadInput;
  }
  if (!FLAGS_gcs_only && (FLAGS_node_index < 0 || FLAGS_node_index >= nodes ||
                          FLAGS_gcs_address.empty())) {
    std::cerr << "miniray node: needs --node_index in [0, " << nodes
              << ") and --gcs_address\n";
    return kExitBadInput;
  }
  NodeHost::Options options =
      NodeOptionsFromScenario(*loaded, FLAGS_node_index);
  options.run_gcs = FLAGS_gcs_port != 0;
  options.run_raylet = !FLAGS_gcs_only;
  options.gcs_port = FLAGS_gcs_port;
  options.gcs_address = FLAGS_gcs_address;
  options.raylet.is_head = FLAGS_node_index == 0;
  if (FLAGS_gcs_only) options.raylet.node_name = "gcs";
  options.raylet_port = FLAGS_raylet_port;
  options.token = token;
  options.seed = ScenarioSeed(*loaded, FLAGS_seed);
  options.dashboard_port = FLAGS_dashboard_port;
  options.dashboard_tasks_from = FLAGS_driver_dashboard;
  options.fault_board = FLAGS_fault_board;
  options.fault_node = FLAGS_fault_node;
  // Workers carry the cluster's marker too: `pgrep -f` finds them all.
  if (!FLAGS_cluster.empty()) {
    options.worker_command.push_back(absl::StrCat("--cluster=", FLAGS_cluster));
  }
  const std::string name = options.raylet.node_name;
  options.on_declared_dead = [name] {
    LOG(WARNING) << name << ": declared dead by the GCS; exiting";
    std::_Exit(kExitExpectationFailed);
  };
  absl::StatusOr<std::unique_ptr<NodeHost>> host = NodeHost::Start(options);
  if (!host.ok()) {
    std::cerr << "miniray node " << name << ": " << host.status().message()
              << "\n";
    return kExitExpectationFailed;
  }
  // Everything runs on the host's loop; this thread only keeps the process.
  while (true) pause();
}

// One worker process, until its node goes (it dies with it).
int RunWorker() {
  const char* token = std::getenv(kTokenVariable);
  WorkerHost::Options options;
  options.host = FLAGS_node_ip_address.empty() ? "127.0.0.1"
                                               : FLAGS_node_ip_address;
  options.worker_id = FLAGS_worker_id;
  options.node_id = static_cast<NodeId>(FLAGS_node_id);
  options.raylet_address = FLAGS_raylet_address;
  options.gcs_address = FLAGS_gcs_address;
  options.store_address = FLAGS_store_address;
  options.segment_prefix = FLAGS_segment_prefix;
  options.max_inline_bytes = FLAGS_max_inline_bytes;
  options.compute_slowdown = FLAGS_compute_slowdown;
  options.task_events_period = absl::Milliseconds(
      std::max(10, FLAGS_task_events_period_ms));
  options.token = token == nullptr ? "" : token;
  options.insecure_no_token = FLAGS_no_token;
  options.fault_board = FLAGS_fault_board;
  options.fault_node = FLAGS_fault_node;
  if (options.raylet_address.empty() || options.store_address.empty() ||
      options.segment_prefix.empty() ||
      (options.token.empty() && !options.insecure_no_token)) {
    std::cerr << "miniray worker: started by a node, with --raylet_address, "
                 "--store_address, --segment_prefix and "
              << kTokenVariable << "\n";
    return kExitBadInput;
  }
  absl::StatusOr<std::unique_ptr<WorkerHost>> worker =
      WorkerHost::Start(options);
  if (!worker.ok()) {
    std::cerr << "miniray worker: " << worker.status().message() << "\n";
    return kExitExpectationFailed;
  }
  // Everything runs on the worker's loop; this thread only keeps the process.
  while (true) pause();
}

}  // namespace

bool IsClusterCommand(const std::string& command) {
  return command == "local" || command == "node" || command == "worker";
}

int RunClusterCommand(int argc, char** argv) {
  const std::string command = argc >= 2 ? argv[1] : "";
  if (command == "local" && argc == 3) return RunLocal(argv[2]);
  if (command == "node" && argc == 2) return RunNode();
  if (command == "worker" && argc == 2) return RunWorker();
  std::cerr << "usage: miniray local FILE [--json] [--seed=N] "
               "[--report=F.html] [--dashboard_port=P [--keep_alive]]\n";
  return kExitBadInput;
}

}  // namespace miniray
