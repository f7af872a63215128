#include "src/cli/deploy_commands.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/cli/exit_status.h"
#include "src/cli/cluster_commands.h"
#include "src/cluster/child_processes.h"
#include "src/cluster/daemon.h"
#include "src/cluster/gcs_query.h"
#include "src/cluster/local_cluster.h"
#include "src/cluster/node_host.h"
#include "src/cluster/node_ip.h"
#include "src/common/resources.h"
#include "src/runtime/real/grpc_transport.h"
#include "src/scenario/loader.h"

// Defined in main.cc.
DECLARE_bool(json);
DECLARE_uint64(seed);
// Defined in cluster_commands.cc (`local`'s flag; here for `start --head`).
DECLARE_int32(dashboard_port);

DEFINE_bool(head, false, "start: start the head node (GCS + raylet).");
DEFINE_int32(port, 6379, "start --head: the GCS's port.");
DEFINE_string(address, "", "start, status, submit: the head's HOST:PORT.");
DEFINE_string(token, "",
              "start, status, submit: the cluster token (else $MINIRAY_TOKEN; "
              "start --head makes one up if neither is set).");
DEFINE_bool(no_token, false,
            "start --head: run without a token (loopback addresses only).");
DEFINE_int32(num_cpus, -1, "start: the node's CPUs (default: every core).");
DEFINE_string(resources, "",
              "start: more resources of the node, NAME=AMOUNT,... "
              "(e.g. GPU=1,disk=2).");
DEFINE_bool(block, false, "start: stay in the foreground.");
DEFINE_string(node_ip_address, "",
              "start, submit: the address this node listens on and other "
              "nodes reach it at (default: this machine's address on the "
              "route to the head; for the head, on the default route).");
DEFINE_string(node_name, "", "start: the node's name (default: made up).");
DEFINE_int32(grace_seconds, 10, "stop: SIGTERM, then SIGKILL after this.");
DEFINE_int32(metrics_port, 0,
             "start (not --head): the node's HTTP port for /metrics; 0 picks "
             "a free one (`status` shows it), -1: none. The head serves "
             "/metrics on --dashboard-port (default 8265 with start --head).");

namespace miniray {
namespace {

constexpr int kExitFailed = 1;
constexpr char kTokenVariable[] = "MINIRAY_TOKEN";
// How long a joining node, `status` and `submit` wait for the head.
constexpr absl::Duration kHeadTimeout = absl::Seconds(10);
constexpr int kRayDashboardPort = 8265;

// The head's dashboard port: --dashboard-port if given, else Ray's 8265;
// another node's /metrics port: --metrics-port.
int HttpPort() {
  if (!FLAGS_head) return FLAGS_metrics_port;
  return gflags::GetCommandLineFlagInfoOrDie("dashboard_port").is_default
             ? kRayDashboardPort
             : FLAGS_dashboard_port;
}

std::string RandomToken() {
  std::random_device device;  // the kernel's entropy
  std::string hex;
  for (int i = 0; i < 16; ++i)
    absl::StrAppendFormat(&hex, "%02x", device() & 0xff);
  return hex;
}

// --token, else $MINIRAY_TOKEN, else "".
std::string GivenToken() {
  if (!FLAGS_token.empty()) return FLAGS_token;
  const char* token = std::getenv(kTokenVariable);
  return token != nullptr ? token : "";
}

absl::StatusOr<ResourceSet> NodeResources() {
  std::map<std::string, double> amounts;
  amounts["CPU"] = FLAGS_num_cpus >= 0
                       ? FLAGS_num_cpus
                       : std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  for (absl::string_view item :
       absl::StrSplit(FLAGS_resources, ',', absl::SkipEmpty())) {
    std::vector<std::string> parts =
        absl::StrSplit(item, absl::ByAnyChar("=:"));
    double amount = 0;
    if (parts.size() != 2 || parts[0].empty() ||
        !absl::SimpleAtod(parts[1], &amount) || amount < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--resources: \"", item, "\" is not NAME=AMOUNT"));
    }
    amounts[parts[0]] = amount;
  }
  return ResourceSet::FromMap(amounts);
}

// What a refused or failed contact with the head means, in words.
std::string HeadError(const std::string& head, const absl::Status& status,
                      const std::string& what) {
  if (absl::IsUnauthenticated(status)) {
    return absl::StrCat("the head at ", head, " refused ", what,
                        ": wrong or missing cluster token");
  }
  return absl::StrCat(
      "cannot reach the head at ", head,
      " (is it running, and is its port open?): ", status.message());
}

// Node settings for `start`: the simulator's defaults, except that a node
// is declared dead after a second of silence rather than half of one.
NodeHost::Options StartOptions(const std::string& ip, const std::string& name,
                               const ResourceSet& resources) {
  NodeHost::Options options;
  options.host = ip;
  options.gcs.heartbeat_misses_max = 10;
  options.raylet.node_name = name;
  options.raylet.resources = resources;
  options.token = GivenToken();
  options.insecure_no_token = FLAGS_no_token;
  options.seed = getpid();
  options.start_timeout = kHeadTimeout;
  options.dashboard_port = std::max(-1, HttpPort());
  options.on_declared_dead = [name] {
    LOG(WARNING) << name << ": declared dead by the GCS; exiting";
    std::_Exit(kExitFailed);
  };
  return options;
}

std::string JoinInstructions(const std::string& gcs, const std::string& token) {
  const std::string env =
      token.empty() ? "" : absl::StrCat(kTokenVariable, "=", token, " ");
  return absl::StrCat(
      "To add a node to this cluster, run on that machine:\n  ", env,
      "miniray start --address=", gcs, "\nTo see the cluster:\n  ", env,
      "miniray status --address=", gcs, "\nTo run a scenario on it:\n  ", env,
      "miniray submit --address=", gcs,
      " FILE\nTo end the nodes started on a machine, run there:\n"
      "  miniray stop\n");
}

// Starts the node `options` describe, as a daemon unless --block; returns
// only in the node's own process, once it runs (or with an exit status).
int StartNode(NodeHost::Options options, const std::string& kind) {
  const std::string log_path = LogPathFor(kind);
  std::optional<DaemonReport> report;
  if (!FLAGS_block) {
    absl::StatusOr<DaemonReport> daemon = Daemonize(log_path);
    if (!daemon.ok()) {
      std::cerr << "miniray: " << daemon.status().message() << "\n";
      return kExitFailed;
    }
    report = *daemon;
  }
  // `miniray stop` sends SIGTERM: the node then kills and reaps its workers
  // before it exits, so none outlives it.
  ChildProcesses::KillAllOnSignal();
  if (options.raylet.node_name.empty()) {
    options.raylet.node_name =
        absl::StrCat(kind, "-", options.host, "-", getpid());
  }
  const std::string head =
      options.run_gcs ? options.gcs_address : FLAGS_address;
  const std::string name = options.raylet.node_name;
  absl::StatusOr<std::unique_ptr<NodeHost>> host = NodeHost::Start(options);
  if (!host.ok()) {
    const std::string message = absl::StrCat(
        "miniray: ",
        options.run_gcs ? host.status().message()
                        : HeadError(head, host.status(), "this node"),
        "\n");
    if (report) report->Send(false, message);
    std::cerr << message;
    return kExitFailed;
  }
  if (absl::Status written = WritePidfile(kind, log_path); !written.ok()) {
    LOG(WARNING) << written.message() << ": `miniray stop` will miss this node";
  }
  std::string message = absl::StrCat(
      "miniray: started ", options.run_gcs ? "the head node " : "node ", name,
      " (pid ", getpid(), "), raylet at ", (*host)->raylet_address(),
      ", GCS at ", (*host)->gcs_address(), "\n",
      FLAGS_block ? "" : absl::StrCat("  log: ", log_path, "\n"));
  if (const DashboardServer* http = (*host)->dashboard(); http != nullptr) {
    absl::StrAppend(&message, "  /metrics at ", http->url(), "metrics\n");
    if (options.run_gcs) {
      absl::StrAppend(&message, "Dashboard: ", http->url(),
                      options.token.empty() ? "" : "?token=", options.token,
                      "\n");
    }
  }
  if (options.run_gcs) {
    absl::StrAppend(&message,
                    options.token.empty()
                        ? "No cluster token: anyone who can reach "
                          "this port can use the cluster.\n"
                        : absl::StrCat("Cluster token: ", options.token, "\n"),
                    JoinInstructions((*host)->gcs_address(), options.token));
  }
  if (report) report->Send(true, message);
  std::cout << message << std::flush;
  // Everything runs on the host's loop; this thread only keeps the process.
  while (true) pause();
}

int RunStart() {
  absl::StatusOr<ResourceSet> resources = NodeResources();
  if (!resources.ok()) {
    std::cerr << "miniray: " << resources.status().message() << "\n";
    return kExitBadInput;
  }
  if (FLAGS_head == !FLAGS_address.empty()) {
    std::cerr << "miniray: start needs --head or --address=HEAD:PORT (one)\n";
    return kExitBadInput;
  }
  std::string head_host = kDefaultRouteProbe;
  if (!FLAGS_head) {
    absl::StatusOr<std::pair<std::string, int>> head =
        SplitHostPort(FLAGS_address);
    if (!head.ok()) {
      std::cerr << "miniray: --address: " << head.status().message() << "\n";
      return kExitBadInput;
    }
    head_host = head->first;
  }
  std::string ip = FLAGS_node_ip_address;
  if (ip.empty()) ip = LocalAddressToward(head_host).value_or("127.0.0.1");
  NodeHost::Options options = StartOptions(ip, FLAGS_node_name, *resources);
  const bool loopback_only =
      IsLoopback(ip) && (FLAGS_head || IsLoopback(head_host));
  if (FLAGS_no_token && !loopback_only) {
    std::cerr << "miniray: --no-token is only allowed on loopback addresses "
                 "(this node would listen on "
              << ip << ")\n";
    return kExitBadInput;
  }
  if (FLAGS_no_token) options.token.clear();
  if (!FLAGS_head && options.token.empty() && !FLAGS_no_token) {
    std::cerr << "miniray: no cluster token: pass --token=T or set "
              << kTokenVariable << " (the head printed it)\n";
    return kExitBadInput;
  }
  if (FLAGS_head) {
    if (options.token.empty() && !FLAGS_no_token) options.token = RandomToken();
    options.run_gcs = true;
    options.gcs_port = FLAGS_port;
    if (options.raylet.node_name.empty()) options.raylet.node_name = "head";
    return StartNode(options, "head");
  }
  options.gcs_address = FLAGS_address;
  return StartNode(options, "node");
}

std::string StatusTable(const std::vector<rpc::NodeInfo>& nodes) {
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "ADDRESS", "STATE", "TOTAL", "AVAILABLE", "METRICS"}};
  int alive = 0;
  std::string dashboard;
  for (const rpc::NodeInfo& node : nodes) {
    alive += node.alive() ? 1 : 0;
    const bool http = !node.http_address().empty();
    rows.push_back(
        {node.name(), node.raylet_address(), node.alive() ? "alive" : "dead",
         ResourceSet::FromProto(node.total()).ToString(),
         ResourceSet::FromProto(node.available()).ToString(),
         http ? absl::StrCat(node.http_address(), "/metrics") : "-"});
    if (node.alive() && node.is_head() && http) {
      dashboard = absl::StrCat(
          "Dashboard: http://", node.http_address(), "/",
          GivenToken().empty() ? "" : " (with the cluster token: /?token=TOKEN)",
          "\n");
    }
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  std::string text = absl::StrCat(nodes.size(), " nodes, ", alive, " alive\n");
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i],
                      std::string(widths[i] - row[i].size() + 2, ' '));
    }
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&text, line, "\n");
  }
  return text + dashboard;
}

std::string StatusJson(const std::vector<rpc::NodeInfo>& nodes) {
  std::string json = "[";
  for (size_t i = 0; i < nodes.size(); ++i) {
    const rpc::NodeInfo& node = nodes[i];
    absl::StrAppendFormat(
        &json,
        "%s{\"name\": \"%s\", \"address\": \"%s\", \"state\": \"%s\", "
        "\"total\": \"%s\", \"available\": \"%s\", \"http\": \"%s\", "
        "\"head\": %s}",
        i == 0 ? "" : ", ", node.name(), node.raylet_address(),
        node.alive() ? "alive" : "dead",
        ResourceSet::FromProto(node.total()).ToString(),
        ResourceSet::FromProto(node.available()).ToString(),
        node.http_address(), node.is_head() ? "true" : "false");
  }
  return json + "]";
}

// The head's node list, or the reason there is none on stderr.
std::optional<std::vector<rpc::NodeInfo>> AskHead() {
  const std::string token = GivenToken();
  EventLoop loop("status");
  GrpcTransport transport(loop,
                          {.token = token, .insecure_no_token = token.empty()});
  absl::StatusOr<std::vector<rpc::NodeInfo>> nodes =
      QueryNodes(loop, transport, FLAGS_address, kHeadTimeout);
  if (!nodes.ok()) {
    std::cerr << "miniray: "
              << HeadError(FLAGS_address, nodes.status(), "this request")
              << "\n";
    return std::nullopt;
  }
  return *nodes;
}

int RunStatus() {
  if (!SplitHostPort(FLAGS_address).ok()) {
    std::cerr << "miniray: status needs --address=HEAD:PORT\n";
    return kExitBadInput;
  }
  std::optional<std::vector<rpc::NodeInfo>> nodes = AskHead();
  if (!nodes) return kExitFailed;
  std::cout << (FLAGS_json ? StatusJson(*nodes) + "\n" : StatusTable(*nodes));
  return 0;
}

int RunSubmit(const std::string& path) {
  absl::StatusOr<std::pair<std::string, int>> head =
      SplitHostPort(FLAGS_address);
  absl::StatusOr<scenario::Scenario> loaded = scenario::LoadScenarioFile(path);
  if (!head.ok() || !loaded.ok()) {
    std::cerr << "miniray: "
              << (head.ok() ? loaded.status().message()
                            : "submit needs --address=HEAD:PORT")
              << "\n";
    return kExitBadInput;
  }
  if (!AskHead()) return kExitFailed;  // says why on stderr
  const std::string token = GivenToken();
  LocalCluster::Options options{.scenario_path = path, .seed = FLAGS_seed};
  options.join_gcs_address = FLAGS_address;
  options.token = token;
  options.insecure_no_token = token.empty();
  options.host = FLAGS_node_ip_address.empty()
                     ? LocalAddressToward(head->first).value_or("127.0.0.1")
                     : FLAGS_node_ip_address;
  options.driver_node_name =
      absl::StrCat("driver-", options.host, "-", getpid());
  ChildProcesses::KillAllOnSignal();
  LocalCluster cluster(*loaded, options);
  const RunSummary summary = cluster.Run();
  std::cout << (FLAGS_json ? SummaryToJson(summary) + "\n"
                           : LocalSummaryText(summary));
  return ExitStatusFor(path, loaded->expect(), summary);
}

int RunStop() {
  const std::vector<std::string> said =
      StopDaemons(absl::Seconds(std::max(0, FLAGS_grace_seconds)));
  if (said.empty()) {
    std::cout << "miniray: no node started by `miniray start` runs here ("
              << StateDir() << " has no pidfile)\n";
  }
  for (const std::string& line : said) std::cout << "miniray: " << line << "\n";
  return 0;
}

}  // namespace

bool IsDeployCommand(const std::string& command) {
  return command == "start" || command == "status" || command == "stop" ||
         command == "submit";
}

int RunDeployCommand(int argc, char** argv) {
  const std::string command = argc >= 2 ? argv[1] : "";
  if (argc == 2 && command == "start") return RunStart();
  if (argc == 2 && command == "status") return RunStatus();
  if (argc == 2 && command == "stop") return RunStop();
  if (argc == 3 && command == "submit") return RunSubmit(argv[2]);
  std::cerr << "usage: miniray start --head [--port=P] [--dashboard-port=P] "
               "| --address=HEAD:PORT [--metrics-port=P]\n"
               "       miniray status --address=HEAD:PORT\n"
               "       miniray stop\n"
               "       miniray submit --address=HEAD:PORT FILE [--json]\n";
  return kExitBadInput;
}

}  // namespace miniray
