// The rules for the cluster, the network, the choice of program, faults,
// expectations and system config; validate_workload.cc has those of
// program.workload.
#include "src/scenario/validate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "src/scenario/field_checks.h"
#include "src/scenario/loader.h"

namespace miniray::scenario {
namespace {

// How many node names an "unknown node" message lists.
constexpr int kNodesInHint = 6;

bool IsValidNodeName(absl::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
  });
}

// The rules, one method per part of the file. Every check reports through
// `diagnostics` and carries on, so that one run lists every problem.
class Validator {
 public:
  Validator(const Scenario& scenario, Diagnostics* diagnostics)
      : scenario_(scenario), diagnostics_(*diagnostics), check_(diagnostics) {}

  void Run() {
    CheckCluster();
    CheckNetwork();
    CheckProgram();
    CheckFaults();
    CheckExpect();
    CheckConfig();
    check_.Duration(FieldPath().Field("max_time"), scenario_.max_time(),
                    Sign::kNonNegative);
  }

 private:
  void Error(const FieldPath& path, absl::string_view message) {
    check_.Error(path, message);
  }
  void CheckNodeReference(const FieldPath& path, const std::string& name);

  void CheckCluster();
  void CheckNode(const FieldPath& path, const Node& node);
  void CheckNodeNamesUnique(const FieldPath& cluster);
  void CheckNetwork();
  void CheckProgram();
  void CheckFaults();
  void CheckFaultKind(const FieldPath& path, const Fault& fault);
  void CheckPartition(const FieldPath& path, const Partition& partition);
  void CheckMessageFaults(const FieldPath& path, const MessageFaults& faults);
  void CheckExpect();
  void CheckConfig();

  const Scenario& scenario_;
  Diagnostics& diagnostics_;
  FieldChecks check_;
  // Set by CheckCluster when the nodes are valid and were expanded; the
  // checks that refer to nodes are skipped otherwise.
  bool nodes_known_ = false;
  std::vector<std::string> node_names_;
  absl::flat_hash_set<std::string> node_set_;
  std::vector<Resources> node_offers_;  // One per node group.
};

void Validator::CheckNodeReference(const FieldPath& path,
                                   const std::string& name) {
  if (!nodes_known_ || node_set_.contains(name)) return;
  const int listed = std::min<int>(node_names_.size(), kNodesInHint);
  std::string hint =
      absl::StrJoin(node_names_.begin(), node_names_.begin() + listed, ", ");
  if (listed < node_names_.size()) {
    absl::StrAppend(&hint, ", ... (", node_names_.size(), " nodes)");
  }
  Error(path, absl::StrCat(name.empty() ? "must name a node"
                                        : "unknown node " + Quote(name),
                           "; the nodes are ", hint));
}

void Validator::CheckCluster() {
  const FieldPath cluster = FieldPath().Field("cluster");
  const auto& nodes = scenario_.cluster().node();
  if (nodes.empty()) {
    Error(cluster.Field("node"),
          "at least one node is required; the first one is the head");
    return;
  }
  uint64_t expanded = 0;
  const int errors_before = diagnostics_.error_count();
  for (int i = 0; i < nodes.size(); ++i) {
    CheckNode(cluster.Element("node", i), nodes[i]);
    expanded += nodes[i].has_count() ? nodes[i].count() : 1;
  }
  if (expanded > kMaxExpandedNodes) {
    Error(cluster.Field("node"),
          absl::StrCat("the cluster has ", expanded, " nodes; at most ",
                       kMaxExpandedNodes, " are supported"));
  }
  if (diagnostics_.error_count() > errors_before) return;
  CheckNodeNamesUnique(cluster);
}

void Validator::CheckNode(const FieldPath& path, const Node& node) {
  if (node.name().empty()) {
    Error(path.Field("name"), "must not be empty");
  } else if (!IsValidNodeName(node.name())) {
    Error(path.Field("name"),
          absl::StrCat("invalid node name ", Quote(node.name()),
                       ": use only letters, digits, '_', '.' and '-'"));
  }
  if (node.has_count()) check_.AtLeastOne(path.Field("count"), node.count());
  check_.ResourceAmounts(path, node.resources());
  check_.Bytes(path.Field("object_store_memory"), node.object_store_memory(),
               Sign::kPositive);
}

// Runs only on a cluster whose entries are valid, so that expansion is
// bounded; sets node_names_ for the checks that refer to nodes.
void Validator::CheckNodeNamesUnique(const FieldPath& cluster) {
  absl::flat_hash_map<std::string, int> entry_of;  // Expanded name → entry.
  bool unique = true;
  for (int i = 0; i < scenario_.cluster().node_size(); ++i) {
    const Node& node = scenario_.cluster().node(i);
    const uint32_t count = node.has_count() ? node.count() : 1;
    for (uint32_t j = 0; j < count; ++j) {
      std::string name =
          count == 1 ? node.name() : absl::StrCat(node.name(), "-", j);
      auto [it, inserted] = entry_of.emplace(name, i);
      if (!inserted) {
        Error(cluster.Element("node", i).Field("name"),
              absl::StrCat("duplicate node name ", Quote(name),
                           ", also given by cluster.node[", it->second, "]"));
        unique = false;
        break;
      }
      node_names_.push_back(std::move(name));
    }
  }
  if (!unique) return;
  node_set_.insert(node_names_.begin(), node_names_.end());
  for (const Node& node : scenario_.cluster().node()) {
    node_offers_.push_back(NodeResources(node));
  }
  nodes_known_ = true;
}

void Validator::CheckNetwork() {
  if (!scenario_.has_network()) return;
  const Network& network = scenario_.network();
  const FieldPath path = FieldPath().Field("network");
  check_.Duration(path.Field("latency"), network.latency(), Sign::kNonNegative);
  check_.Bandwidth(path.Field("bandwidth"), network.bandwidth());
  check_.Duration(path.Field("local_latency"), network.local_latency(),
                  Sign::kNonNegative);
  for (int i = 0; i < network.link_size(); ++i) {
    const Link& link = network.link(i);
    const FieldPath link_path = path.Element("link", i);
    CheckNodeReference(link_path.Field("from"), link.from());
    CheckNodeReference(link_path.Field("to"), link.to());
    if (!link.from().empty() && link.from() == link.to()) {
      Error(link_path.Field("to"),
            absl::StrCat("a link joins two different nodes, but both ends are ",
                         Quote(link.to()),
                         "; network.local_latency covers a node with itself"));
    }
    check_.Duration(link_path.Field("latency"), link.latency(),
                    Sign::kNonNegative);
    check_.Bandwidth(link_path.Field("bandwidth"), link.bandwidth());
  }
}

void Validator::CheckProgram() {
  const Program& program = scenario_.program();
  const FieldPath path = FieldPath().Field("program");
  const std::string known = absl::StrCat(
      "known programs: ", absl::StrJoin(KnownProgramNames(), ", "));
  if (program.name().empty()) {
    Error(path.Field("name"), absl::StrCat("must name a program; ", known));
    return;
  }
  if (!IsKnownProgram(program.name())) {
    Error(path.Field("name"),
          absl::StrCat("unknown program ", Quote(program.name()), "; ", known));
    return;
  }
  if (program.name() == "workload") {
    ValidateWorkload(path.Field("workload"), program.workload(),
                     nodes_known_ ? &node_offers_ : nullptr, &diagnostics_);
  } else if (program.workload().stage_size() > 0) {
    Error(path.Field("workload"),
          absl::StrCat("is only used when program.name is \"workload\", not ",
                       Quote(program.name())));
  }
}

void Validator::CheckFaults() {
  for (int i = 0; i < scenario_.fault_size(); ++i) {
    const Fault& fault = scenario_.fault(i);
    const FieldPath path = FieldPath().Element("fault", i);
    if (fault.at().empty()) {
      Error(path.Field("at"),
            "is required: the virtual time of the fault, such as \"2s\"");
    }
    check_.Duration(path.Field("at"), fault.at(), Sign::kNonNegative);
    check_.Duration(path.Field("duration"), fault.duration(),
                    Sign::kNonNegative);
    CheckFaultKind(path, fault);
  }
  const FieldPath fuzz = FieldPath().Field("fuzz");
  for (int i = 0; i < scenario_.fuzz().kinds_size(); ++i) {
    const std::string& kind = scenario_.fuzz().kinds(i);
    const std::vector<std::string>& known = FuzzFaultKinds();
    if (std::find(known.begin(), known.end(), kind) == known.end()) {
      Error(fuzz.Element("kinds", i),
            absl::StrCat("unknown fault kind ", Quote(kind), "; the kinds are ",
                         absl::StrJoin(known, ", ")));
    }
  }
}

void Validator::CheckFaultKind(const FieldPath& path, const Fault& fault) {
  const bool instant = fault.kind_case() == Fault::kKillWorker ||
                       fault.kind_case() == Fault::kKillActor ||
                       fault.kind_case() == Fault::kKillHead;
  if (instant && !fault.duration().empty()) {
    Error(path.Field("duration"),
          "does not apply: killing a worker, an actor or the head does not "
          "heal (a killed worker is replaced as needed; a restarted actor "
          "follows its max_restarts)");
  }
  switch (fault.kind_case()) {
    case Fault::kKillNode: {
      const FieldPath kill = path.Field("kill_node");
      CheckNodeReference(kill, fault.kill_node());
      if (nodes_known_ && fault.kill_node() == node_names_.front()) {
        Error(kill, absl::StrCat("cannot kill the head node ",
                                 Quote(fault.kill_node()),
                                 ": it runs the GCS and the driver; use "
                                 "kill_head to crash the GCS"));
      }
      break;
    }
    case Fault::kKillWorker:
      CheckNodeReference(path.Field("kill_worker"), fault.kill_worker());
      break;
    case Fault::kKillActor:
      if (fault.kill_actor().empty()) {
        Error(path.Field("kill_actor"), "must name an actor");
      }
      break;
    case Fault::kKillHead:
      if (!fault.kill_head()) {
        Error(path.Field("kill_head"), "must be true, or leave it out");
      }
      break;
    case Fault::kPartition:
      CheckPartition(path.Field("partition"), fault.partition());
      break;
    case Fault::kMessages:
      CheckMessageFaults(path.Field("messages"), fault.messages());
      break;
    case Fault::kSlowNode: {
      const FieldPath slow = path.Field("slow_node");
      CheckNodeReference(slow.Field("node"), fault.slow_node().node());
      const double factor = fault.slow_node().factor();
      if (!(factor >= 1) || !std::isfinite(factor)) {
        Error(slow.Field("factor"),
              absl::StrCat("must be at least 1 (how many times slower), got ",
                           factor));
      }
      break;
    }
    case Fault::kClockSkew: {
      const FieldPath skew = path.Field("clock_skew");
      CheckNodeReference(skew.Field("node"), fault.clock_skew().node());
      if (fault.clock_skew().skew().empty()) {
        Error(skew.Field("skew"), "is required, such as \"-250ms\"");
      }
      check_.Duration(skew.Field("skew"), fault.clock_skew().skew(), Sign::kAny);
      break;
    }
    case Fault::KIND_NOT_SET:
      Error(path, "says nothing to do: set one fault kind, such as kill_node");
      break;
  }
}

void Validator::CheckPartition(const FieldPath& path, const Partition& p) {
  if (p.nodes().empty()) {
    Error(path.Field("nodes"), "must list the nodes on one side");
  }
  absl::flat_hash_set<std::string> side;
  for (int i = 0; i < p.nodes_size(); ++i) {
    CheckNodeReference(path.Element("nodes", i), p.nodes(i));
    side.insert(p.nodes(i));
  }
  for (int i = 0; i < p.from_nodes_to_size(); ++i) {
    const FieldPath other = path.Element("from_nodes_to", i);
    CheckNodeReference(other, p.from_nodes_to(i));
    if (side.contains(p.from_nodes_to(i))) {
      Error(other, absl::StrCat(Quote(p.from_nodes_to(i)),
                                " is on both sides of the partition"));
    }
  }
  if (nodes_known_ && p.from_nodes_to().empty() &&
      side.size() >= node_set_.size()) {
    Error(path.Field("nodes"),
          "lists every node: nothing is left on the other side");
  }
}

void Validator::CheckMessageFaults(const FieldPath& path,
                                   const MessageFaults& m) {
  if (m.from().empty() != m.to().empty()) {
    Error(path.Field(m.from().empty() ? "from" : "to"),
          "name both ends of the link, or neither for every link");
  } else if (!m.from().empty()) {
    CheckNodeReference(path.Field("from"), m.from());
    CheckNodeReference(path.Field("to"), m.to());
  }
  check_.Fraction(path.Field("drop"), m.drop(), /*one_allowed=*/true);
  check_.Fraction(path.Field("duplicate"), m.duplicate(), /*one_allowed=*/true);
  check_.Fraction(path.Field("delay"), m.delay(), /*one_allowed=*/true);
  check_.Duration(path.Field("max_delay"), m.max_delay(), Sign::kNonNegative);
  if (m.drop() == 0 && m.duplicate() == 0 && m.delay() == 0) {
    Error(path, "does nothing: set drop, duplicate or delay");
  }
}

void Validator::CheckExpect() {
  if (!scenario_.has_expect()) return;
  const Expect& expect = scenario_.expect();
  const FieldPath path = FieldPath().Field("expect");
  if (expect.has_result_near()) {
    const NearValue& near = expect.result_near();
    const FieldPath near_path = path.Field("result_near");
    if (!std::isfinite(near.value())) {
      Error(near_path.Field("value"),
            absl::StrCat("must be finite, got ", near.value()));
    }
    if (!(near.tolerance() > 0) || !std::isfinite(near.tolerance())) {
      Error(
          near_path.Field("tolerance"),
          absl::StrCat("must be positive and finite, got ", near.tolerance()));
    }
  }
  const std::optional<absl::Duration> max_makespan = check_.Duration(
      path.Field("max_makespan"), expect.max_makespan(), Sign::kNonNegative);
  const std::optional<absl::Duration> min_makespan = check_.Duration(
      path.Field("min_makespan"), expect.min_makespan(), Sign::kNonNegative);
  if (min_makespan.has_value() && max_makespan.has_value() &&
      *min_makespan > *max_makespan) {
    Error(path.Field("min_makespan"),
          absl::StrCat(Quote(expect.min_makespan()),
                       " is more than max_makespan ",
                       Quote(expect.max_makespan())));
  }
}

void Validator::CheckConfig() {
  if (!scenario_.has_config()) return;
  const SystemConfig& config = scenario_.config();
  const FieldPath path = FieldPath().Field("config");
  // A zero period or chunk would make the runtime loop without progress.
  check_.Duration(path.Field("heartbeat_period"), config.heartbeat_period(),
                  Sign::kPositive);
  if (config.has_heartbeat_misses_max()) {
    check_.AtLeastOne(path.Field("heartbeat_misses_max"),
                      config.heartbeat_misses_max());
  }
  if (config.has_spread_threshold()) {
    check_.Fraction(path.Field("spread_threshold"), config.spread_threshold(),
                    /*one_allowed=*/true);
  }
  check_.Bytes(path.Field("max_inline_object_size"),
               config.max_inline_object_size(), Sign::kNonNegative);
  check_.Bytes(path.Field("transfer_chunk_size"), config.transfer_chunk_size(),
               Sign::kPositive);
  check_.Duration(path.Field("worker_startup_time"),
                  config.worker_startup_time(), Sign::kNonNegative);
  check_.Duration(path.Field("task_overhead"), config.task_overhead(),
                  Sign::kNonNegative);
  if (config.has_max_workers_per_node()) {
    check_.AtLeastOne(path.Field("max_workers_per_node"),
                      config.max_workers_per_node());
  }
  if (config.has_max_pending_lease_requests()) {
    check_.AtLeastOne(path.Field("max_pending_lease_requests"),
                      config.max_pending_lease_requests());
  }
}

}  // namespace

// The fault kinds `miniray fuzz` draws from (src/sim/fuzz.cc draws them).
const std::vector<std::string>& FuzzFaultKinds() {
  static const std::vector<std::string> kinds = {
      "kill_node", "restart_node", "kill_worker", "partition", "delay",
      "duplicate", "drop",         "slow_node",   "clock_skew"};
  return kinds;
}

void ValidateScenario(const Scenario& scenario, Diagnostics* diagnostics) {
  Validator(scenario, diagnostics).Run();
}

}  // namespace miniray::scenario
