// LocalCluster's faults: which of a scenario's faults a real cluster of
// processes can apply, and applying them: with SIGKILL, or on the fault
// board that every process reads.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "src/cluster/gcs_query.h"
#include "src/cluster/local_cluster.h"
#include "src/cluster/scenario_options.h"
#include "src/cluster/worker_processes.h"
#include "src/common/units.h"
#include "src/shared_store/shared_segment.h"

namespace miniray {
namespace {

// How long a kill_actor waits for the GCS to say where the actor is.
constexpr absl::Duration kActorQueryTimeout = absl::Seconds(2);

}  // namespace

std::vector<LocalCluster::PlannedFault> LocalCluster::PlanFaults() {
  using Kind = PlannedFault::Kind;
  std::vector<PlannedFault> planned;
  auto index_of = [this](const std::string& name) {
    auto child = std::find_if(children_.begin(), children_.end(),
                              [&](const Child& c) { return c.name == name; });
    return static_cast<int>(child - children_.begin());  // validated names
  };
  for (int i = 0; i < scenario_.fault_size(); ++i) {
    const scenario::Fault& fault = scenario_.fault(i);
    const absl::Duration at = ParseDuration(fault.at()).value();
    switch (fault.kind_case()) {
      case scenario::Fault::kKillWorker:
        planned.push_back({at, Kind::kKillWorker, index_of(fault.kill_worker())});
        continue;
      case scenario::Fault::kKillActor:
        planned.push_back({at, Kind::kKillActor, 0, fault.kill_actor()});
        continue;
      case scenario::Fault::kPartition:
        PlanOnBoard(i, Kind::kCutOn, Kind::kCutOff, planned);
        continue;
      case scenario::Fault::kKillHead:
        planned.push_back({at, Kind::kKillHead});
        continue;
      case scenario::Fault::kSlowNode:
        if (IsSlowFromStart(fault)) {
          // Applied already: the node starts its workers slow.
          fault_log_.push_back(absl::StrCat(
              "0: node ", fault.slow_node().node(), " is slow: its tasks take ",
              fault.slow_node().factor(), " times longer (its workers were "
              "started so)"));
        } else {
          PlanOnBoard(i, Kind::kSlowOn, Kind::kSlowOff, planned);
        }
        continue;
      case scenario::Fault::kMessages:
        PlanOnBoard(i, Kind::kMessagesOn, Kind::kMessagesOff, planned);
        continue;
      case scenario::Fault::kClockSkew:
        PlanOnBoard(i, Kind::kSkewOn, Kind::kSkewOff, planned);
        continue;
      case scenario::Fault::kKillNode:
        break;
      default: {
        const auto* field =
            fault.GetDescriptor()->FindFieldByNumber(fault.kind_case());
        std::cerr << "miniray: fault[" << i << "] ("
                  << (field != nullptr ? field->name() : "unknown") << " at "
                  << fault.at() << ") is not supported in local mode; skipped\n";
        continue;
      }
    }
    // The head is never killed: validation refuses it (kill_head is the
    // GCS's crash).
    const int index = index_of(fault.kill_node());
    planned.push_back({at, Kind::kKillNode, index});
    if (!fault.duration().empty()) {
      planned.push_back({at + ParseDuration(fault.duration()).value(),
                         Kind::kRestartNode, index});
    }
  }
  std::stable_sort(planned.begin(), planned.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
  return planned;
}

void LocalCluster::ApplyFault(const PlannedFault& fault, absl::Duration now) {
  using Kind = PlannedFault::Kind;
  std::string what;
  std::string node;
  const char* kind = "";
  switch (fault.kind) {
    case Kind::kKillNode:
      what = KillNode(children_[fault.node]);
      kind = "kill_node";
      break;
    case Kind::kRestartNode:
      what = RestartNode(children_[fault.node]);
      kind = "node_back";
      break;
    case Kind::kKillWorker:
      what = KillWorker(children_[fault.node]);
      kind = "kill_worker";
      break;
    case Kind::kKillActor:
      what = KillActor(fault.actor);
      kind = "kill_actor";
      break;
    case Kind::kKillHead:
      what = KillHead();
      kind = "kill_head";
      break;
    case Kind::kCutOn:
    case Kind::kCutOff:
      what = SetPartition(fault.fault, fault.kind == Kind::kCutOn);
      kind = fault.kind == Kind::kCutOn ? "partition" : "heal";
      if (scenario_.fault(fault.fault).partition().nodes_size() > 0) {
        node = scenario_.fault(fault.fault).partition().nodes(0);
      }
      break;
    case Kind::kMessagesOn:
    case Kind::kMessagesOff:
      what = SetMessageFaults(fault.fault, fault.kind == Kind::kMessagesOn);
      kind = fault.kind == Kind::kMessagesOn ? "messages" : "heal";
      break;
    case Kind::kSkewOn:
    case Kind::kSkewOff:
      what = SetClockSkew(fault.fault, fault.kind == Kind::kSkewOn);
      kind = fault.kind == Kind::kSkewOn ? "clock_skew" : "heal";
      node = scenario_.fault(fault.fault).clock_skew().node();
      break;
    case Kind::kSlowOn:
    case Kind::kSlowOff:
      what = SetSlowNode(fault.fault, fault.kind == Kind::kSlowOn);
      kind = fault.kind == Kind::kSlowOn ? "slow_node" : "heal";
      node = scenario_.fault(fault.fault).slow_node().node();
      break;
  }
  if (fault.kind == Kind::kKillNode || fault.kind == Kind::kRestartNode ||
      fault.kind == Kind::kKillWorker) {
    node = children_[fault.node].name;
  }
  fault_log_.push_back(absl::StrCat(absl::FormatDuration(now), ": ", what));
  WithDriverTrace([&](TraceRecorder& trace) {
    trace.FaultInjected(node, kind, absl::Now());
  });
}

std::string LocalCluster::KillNode(Child& child) {
  if (child.pid == 0) return absl::StrCat("kill_node ", child.name, ": not running");
  processes_.Kill(child.pid);
  const std::string what =
      absl::StrCat("killed node ", child.name, " (pid ", child.pid, ", SIGKILL)");
  child.pid = 0;
  return what;
}

std::string LocalCluster::KillHead() {
  if (gcs_child_.pid == 0) return "kill_head: the GCS is not running";
  processes_.Kill(gcs_child_.pid);
  const std::string what = absl::StrCat(
      "killed the GCS (pid ", gcs_child_.pid, ", SIGKILL): miniray has no GCS "
      "fault tolerance, so failure detection, actor creation and actor "
      "lookups stop; tasks already scheduled can still finish");
  gcs_child_.pid = 0;
  return what;
}

std::string LocalCluster::RestartNode(Child& child) {
  if (child.pid != 0) return absl::StrCat("node ", child.name, " still runs");
  absl::Status status = StartChild(child);
  return status.ok() ? absl::StrCat("restarted node ", child.name,
                                    " as a fresh process (pid ", child.pid, ")")
                     : absl::StrCat("cannot restart node ", child.name, ": ",
                                    status.message());
}

// The node's worker processes are its children, not ours: the node reaps
// the one killed here and tells its raylet, as for any worker that dies.
std::string LocalCluster::KillWorker(Child& child) {
  std::optional<WorkerProcess> victim =
      child.pid == 0 ? std::nullopt : BusiestOf(WorkerProcessesOf(child.pid));
  if (!victim.has_value()) {
    return absl::StrCat("kill_worker on ", child.name,
                        ": no live worker to kill");
  }
  kill(victim->pid, SIGKILL);
  return absl::StrCat("killed worker ", victim->worker_id & 0xffff, " on node ",
                      child.name, " (pid ", victim->pid, ", SIGKILL",
                      victim->running ? ", running" : "", ")");
}

std::string LocalCluster::KillActor(const std::string& name) {
  absl::StatusOr<rpc::ActorInfo> actor =
      QueryActor(driver_host_->loop(), driver_host_->transport(), gcs_address_,
                 name, kActorQueryTimeout);
  if (!actor.ok() || actor->state() != rpc::ACTOR_ALIVE) {
    return absl::StrCat("kill_actor ", name, ": ",
                        actor.ok() ? "not alive" : actor.status().message());
  }
  absl::StatusOr<std::vector<rpc::NodeInfo>> nodes =
      QueryNodes(driver_host_->loop(), driver_host_->transport(),
                 gcs_address_, kActorQueryTimeout);
  for (const rpc::NodeInfo& info : nodes.ok() ? *nodes : std::vector<rpc::NodeInfo>()) {
    if (info.node_id() != actor->node_id()) continue;
    for (const Child& child : children_) {
      if (child.name != info.name() || child.pid == 0) continue;
      for (const WorkerProcess& worker : WorkerProcessesOf(child.pid)) {
        if (worker.worker_id != actor->worker_id()) continue;
        kill(worker.pid, SIGKILL);
        return absl::StrCat("killed actor ", name, ": its worker ",
                            worker.worker_id & 0xffff, " on node ", child.name,
                            " (pid ", worker.pid, ", SIGKILL)");
      }
    }
  }
  return absl::StrCat("kill_actor ", name, ": its worker process not found");
}

// A fault on the board: on at its time, off at its heal, if it heals.
void LocalCluster::PlanOnBoard(int index, PlannedFault::Kind on,
                               PlannedFault::Kind off,
                               std::vector<PlannedFault>& planned) {
  const scenario::Fault& fault = scenario_.fault(index);
  const absl::Duration at = ParseDuration(fault.at()).value();
  planned.push_back({.at = at, .kind = on, .fault = index});
  if (!fault.duration().empty()) {
    planned.push_back({.at = at + ParseDuration(fault.duration()).value(),
                       .kind = off,
                       .fault = index});
  }
}

// Message faults are exact, not approximated: every process of the cluster
// maps the fault board, and its transport applies the rules in force to
// each request it receives and each reply it sends (GrpcListener).
absl::Status LocalCluster::CreateFaultBoard() {
  const bool any = std::any_of(
      scenario_.fault().begin(), scenario_.fault().end(),
      [](const scenario::Fault& f) {
        return f.has_messages() || f.has_clock_skew() || f.has_partition() ||
               (f.has_slow_node() && !IsSlowFromStart(f));
      });
  if (!any) return absl::OkStatus();
  // Named as this process's store segments are ("/miniray.<pid>."), so
  // that if this process is killed the next node to start on the machine
  // removes the board with them (SharedSegment::UnlinkOrphans).
  fault_board_name_ =
      absl::StrCat(SharedSegment::PrefixOfProcess(getpid()), "faults");
  absl::StatusOr<std::unique_ptr<FaultBoard>> board =
      FaultBoard::Create(fault_board_name_);
  if (!board.ok()) return board.status();
  fault_board_ = *std::move(board);
  return absl::OkStatus();
}

std::vector<std::string> LocalCluster::FaultFlags(
    const std::string& node) const {
  if (fault_board_name_.empty()) return {};
  return {absl::StrCat("--fault_board=", fault_board_name_),
          absl::StrCat("--fault_node=", node)};
}

std::string LocalCluster::SetMessageFaults(int index, bool on) {
  const scenario::MessageFaults& m = scenario_.fault(index).messages();
  const std::string link =
      m.from().empty() && m.to().empty()
          ? std::string("every link")
          : absl::StrCat(m.from().empty() ? "*" : m.from(), " -> ",
                         m.to().empty() ? "*" : m.to());
  if (!on) {
    fault_board_->ClearRule(m.from(), m.to());
    return absl::StrCat("messages on ", link, " back to normal (",
                        AppliedMessageFaults(), ")");
  }
  FaultBoard::Rule rule{.from = m.from(),
                        .to = m.to(),
                        .drop = m.drop(),
                        .duplicate = m.duplicate(),
                        .delay = m.delay()};
  if (!m.max_delay().empty()) {
    rule.max_delay = ParseDuration(m.max_delay()).value();
  }
  if (absl::Status set = fault_board_->SetRule(rule); !set.ok()) {
    return absl::StrCat("message faults on ", link, " not applied: ",
                        set.message());
  }
  return absl::StrCat("messages on ", link, ": drop ", m.drop() * 100,
                      "%, duplicate ", m.duplicate() * 100, "%, delay ",
                      m.delay() * 100, "% (up to ",
                      absl::FormatDuration(rule.max_delay), ")");
}

// Every process of the node reads its clock's skew from the board
// (RealClock), as the simulator skews every process of a node.
std::string LocalCluster::SetClockSkew(int index, bool on) {
  const scenario::ClockSkew& c = scenario_.fault(index).clock_skew();
  const absl::Duration skew =
      on ? ParseDuration(c.skew()).value() : absl::ZeroDuration();
  if (absl::Status set = fault_board_->SetSkew(c.node(), skew); !set.ok()) {
    return absl::StrCat("clock skew of ", c.node(), " not applied: ",
                        set.message());
  }
  return on ? absl::StrCat("clocks of node ", c.node(), " skewed by ",
                           absl::FormatDuration(skew))
            : absl::StrCat("clocks of node ", c.node(), " back to true time");
}

void LocalCluster::NoteMessageFaultTotals() {
  const bool any = std::any_of(
      scenario_.fault().begin(), scenario_.fault().end(),
      [](const scenario::Fault& f) { return f.has_messages(); });
  if (fault_board_ == nullptr || !any) return;
  fault_log_.push_back(absl::StrCat("end: ", AppliedMessageFaults()));
}

// A slow node from the start is the node's own (its workers start slow);
// a later one, or one that heals, goes on the board, which the node's
// workers read at each task.
std::string LocalCluster::SetSlowNode(int index, bool on) {
  const scenario::SlowNode& slow = scenario_.fault(index).slow_node();
  const double factor = on ? slow.factor() : 1.0;
  if (absl::Status set = fault_board_->SetSlowdown(slow.node(), factor);
      !set.ok()) {
    return absl::StrCat("slow node ", slow.node(), " not applied: ",
                        set.message());
  }
  return on ? absl::StrCat("node ", slow.node(), " is slow: its tasks take ",
                           factor, " times longer")
            : absl::StrCat("node ", slow.node(), " back to normal speed");
}

std::string LocalCluster::AppliedMessageFaults() const {
  const FaultBoard::Applied applied = fault_board_->applied();
  return absl::StrCat("message faults applied in all processes so far: ",
                      applied.dropped, " dropped, ", applied.duplicated,
                      " duplicated, ", applied.delayed, " delayed");
}

// A partition is exact: every process's transport holds the messages that
// cross the cut (GrpcListener), until the heal delivers them, as the
// simulator's network holds a cut link's messages.
std::string LocalCluster::SetPartition(int index, bool on) {
  const scenario::Partition& p = scenario_.fault(index).partition();
  std::string sides = absl::StrJoin(p.nodes(), ",");
  absl::StrAppend(&sides, p.one_way() ? " -> " : " <-> ",
                  p.from_nodes_to().empty()
                      ? std::string("every other node")
                      : absl::StrJoin(p.from_nodes_to(), ","));
  if (!on) {
    auto it = cuts_.find(index);
    if (it == cuts_.end()) return absl::StrCat("partition ", sides, " healed");
    fault_board_->RemoveCut(it->second);
    cuts_.erase(it);
    return absl::StrCat("partition ", sides,
                        " healed: the held messages go on");
  }
  absl::StatusOr<int> cut = fault_board_->AddCut(FaultBoard::Cut{
      .nodes = {p.nodes().begin(), p.nodes().end()},
      .others = {p.from_nodes_to().begin(), p.from_nodes_to().end()},
      .one_way = p.one_way()});
  if (!cut.ok()) {
    return absl::StrCat("partition ", sides, " not applied: ",
                        cut.status().message());
  }
  cuts_[index] = *cut;
  return absl::StrCat("partition ", sides,
                      ": messages across it are held until the heal");
}

}  // namespace miniray
