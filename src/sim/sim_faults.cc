// The faults a scenario injects into a SimCluster (the `fault` entries), and
// how each is carried out: killing processes as an operating system would,
// cutting and faulting the network, slowing nodes and skewing their clocks.
// See docs/fault-tolerance.md for what each fault shows.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "src/common/units.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

absl::Duration DurationOr(const std::string& text, absl::Duration fallback) {
  return text.empty() ? fallback : ParseDuration(text).value();
}

// Faults that happen once, with nothing to heal.
bool IsInstant(const scenario::Fault& fault) {
  switch (fault.kind_case()) {
    case scenario::Fault::kKillWorker:
    case scenario::Fault::kKillActor:
    case scenario::Fault::kKillHead:
      return true;
    default:
      return false;
  }
}

}  // namespace

void SimCluster::ScheduleFaults() {
  faults_start_ = loop_.Now();
  for (const scenario::Fault& fault : scenario_.fault()) {
    const absl::Duration at = ParseDuration(fault.at()).value();
    loop_.RunAfter(at, [this, &fault] { ApplyFault(fault, /*heal=*/false); });
    if (!fault.duration().empty() && !IsInstant(fault)) {
      loop_.RunAfter(at + ParseDuration(fault.duration()).value(),
                     [this, &fault] { ApplyFault(fault, /*heal=*/true); });
    }
  }
}

void SimCluster::NoteFault(std::string what, const std::string& node) {
  const std::string line =
      absl::StrCat(absl::FormatDuration(loop_.Now() - faults_start_), ": ", what);
  LOG(INFO) << "fault: " << line;
  fault_log_.push_back(line);
  if (trace_ != nullptr) trace_->FaultInjected(node, std::move(what), loop_.Now());
}

int SimCluster::NodeIndex(const std::string& name) const {
  for (const auto& node : nodes_) {
    if (node->name == name) return node->index;
  }
  LOG(FATAL) << "validated scenario names an unknown node " << name;
}

void SimCluster::ApplyFault(const scenario::Fault& fault, bool heal) {
  switch (fault.kind_case()) {
    case scenario::Fault::kKillNode:
      if (heal) {
        RestartNode(NodeIndex(fault.kill_node()));
      } else {
        KillNode(NodeIndex(fault.kill_node()));
      }
      return;
    case scenario::Fault::kKillWorker:
      KillWorkerOn(NodeIndex(fault.kill_worker()));
      return;
    case scenario::Fault::kKillActor:
      KillActorNamed(fault.kill_actor());
      return;
    case scenario::Fault::kKillHead:
      KillHead();
      return;
    case scenario::Fault::kPartition: {
      const scenario::Partition& p = fault.partition();
      std::vector<std::string> side(p.nodes().begin(), p.nodes().end());
      std::vector<std::string> other(p.from_nodes_to().begin(),
                                     p.from_nodes_to().end());
      if (other.empty()) {
        for (const auto& node : nodes_) {
          if (std::find(side.begin(), side.end(), node->name) == side.end()) {
            other.push_back(node->name);
          }
        }
      }
      for (const std::string& a : side) {
        for (const std::string& b : other) {
          network_->SetCut(a, b, !heal);
          if (!p.one_way()) network_->SetCut(b, a, !heal);
        }
      }
      NoteFault(absl::StrCat(heal ? "healed the partition between {"
                                  : "partitioned {",
                             absl::StrJoin(side, ","), "} ",
                             p.one_way() ? "->" : "and", " {",
                             absl::StrJoin(other, ","), "}"));
      return;
    }
    case scenario::Fault::kMessages: {
      const scenario::MessageFaults& m = fault.messages();
      SimNetwork::MessageFaults faults;
      if (!heal) {
        faults.drop = m.drop();
        faults.duplicate = m.duplicate();
        faults.delay = m.delay();
        faults.max_delay = DurationOr(m.max_delay(), absl::Milliseconds(10));
      }
      network_->SetMessageFaults(m.from(), m.to(), faults);
      const std::string link = m.from().empty() && m.to().empty()
                                   ? "every link"
                                   : absl::StrCat(m.from(), "->", m.to());
      NoteFault(heal ? absl::StrCat("message faults on ", link, " ended")
                     : absl::StrCat("message faults on ", link, ": drop ",
                                    m.drop(), ", duplicate ", m.duplicate(),
                                    ", delay ", m.delay()));
      return;
    }
    case scenario::Fault::kSlowNode: {
      const double factor = heal ? 1.0 : fault.slow_node().factor();
      SetSlowdown(NodeIndex(fault.slow_node().node()), factor);
      NoteFault(absl::StrCat("node ", fault.slow_node().node(), " runs ",
                             factor, "x slower"),
                fault.slow_node().node());
      return;
    }
    case scenario::Fault::kClockSkew: {
      const absl::Duration skew =
          heal ? absl::ZeroDuration()
               : ParseDuration(fault.clock_skew().skew()).value();
      SetSkew(NodeIndex(fault.clock_skew().node()), skew);
      NoteFault(absl::StrCat("clocks of node ", fault.clock_skew().node(),
                             " skewed by ", absl::FormatDuration(skew)),
                fault.clock_skew().node());
      return;
    }
    case scenario::Fault::KIND_NOT_SET:
      return;
  }
}

// The machine dies: every process on it, without a word to anyone (its
// connections are not reset; others find out through the GCS's health
// checks).
void SimCluster::KillNode(int index, absl::string_view why) {
  SimNode& node = *nodes_[index];
  if (!node.raylet_process->alive()) return;
  node.raylet_process->Kill(/*reset_connections=*/false);
  for (SimWorker& worker : node.workers) {
    worker.process->Kill(/*reset_connections=*/false);
  }
  network_->SetHostUp(node.name, false);
  NoteFault(why.empty()
                ? absl::StrCat("killed node ", node.name, " (node id ",
                               node.raylet->node_id(), ")")
                : absl::StrCat("node ", node.name, " (node id ",
                               node.raylet->node_id(), ") ", why),
            node.name);
}

// The machine comes back as a fresh node: new processes, a new node id, an
// empty object store.
void SimCluster::RestartNode(int index) {
  if (nodes_[index]->raylet_process->alive()) KillNode(index);
  const int incarnation = nodes_[index]->incarnation + 1;
  const double slowdown = nodes_[index]->slowdown;
  const absl::Duration skew = nodes_[index]->skew;
  dead_nodes_.push_back(std::move(nodes_[index]));
  network_->SetHostUp(dead_nodes_.back()->name, true);
  // The new node's rng stream and ports differ from the old one's.
  nodes_[index] = MakeNode(index, incarnation);
  SetSlowdown(index, slowdown);
  SetSkew(index, skew);
  NoteFault(absl::StrCat("restarted node ", nodes_[index]->name,
                         " as a fresh node"),
            nodes_[index]->name);
}

void SimCluster::KillWorker(SimNode& node, SimWorker& worker) {
  const WorkerId id = worker.core->worker_id();
  worker.process->Kill(/*reset_connections=*/true);
  // The raylet sees its child exit, as a raylet sees SIGCHLD.
  node.raylet->OnWorkerExit(id);
}

void SimCluster::KillWorkerOn(int index) {
  SimNode& node = *nodes_[index];
  SimWorker* victim = nullptr;
  for (SimWorker& worker : node.workers) {
    if (!worker.process->alive()) continue;
    const bool better =
        victim == nullptr ||
        (worker.core->running_task() && !victim->core->running_task()) ||
        (worker.core->running_task() == victim->core->running_task() &&
         worker.core->worker_id() < victim->core->worker_id());
    if (better) victim = &worker;
  }
  if (victim == nullptr || !node.raylet_process->alive()) {
    NoteFault(absl::StrCat("kill_worker on ", node.name,
                           ": no live worker to kill"));
    return;
  }
  NoteFault(absl::StrCat("killed worker ", victim->core->worker_id() & 0xffff,
                         " on node ", node.name,
                         victim->core->running_task() ? " (running a task)"
                                                      : " (idle)"),
            node.name);
  KillWorker(node, *victim);
}

void SimCluster::KillActorNamed(const std::string& name) {
  for (const rpc::ActorInfo& actor : gcs_->actor_manager().actors()) {
    if (actor.name() != name || actor.state() != rpc::ACTOR_ALIVE) continue;
    for (auto& node : nodes_) {
      for (SimWorker& worker : node->workers) {
        if (worker.process->alive() &&
            worker.core->address() == actor.address()) {
          NoteFault(absl::StrCat("killed actor \"", name, "\" (its worker on ",
                                 node->name, ")"),
                    node->name);
          KillWorker(*node, worker);
          return;
        }
      }
    }
  }
  NoteFault(absl::StrCat("kill_actor: no live actor named \"", name, "\""));
}

void SimCluster::KillHead() {
  gcs_process_->Kill(/*reset_connections=*/true);
  NoteFault(
      "killed the GCS: miniray has no GCS fault tolerance (nor has Ray "
      "without an external Redis), so failure detection, actor creation and "
      "actor lookups stop; tasks already scheduled can still finish");
}

void SimCluster::SetSlowdown(int index, double factor) {
  SimNode& node = *nodes_[index];
  node.slowdown = factor;
  node.raylet_process->SetSlowdown(factor);
  for (SimWorker& worker : node.workers) {
    worker.process->SetSlowdown(factor);
    worker.core->set_compute_slowdown(factor);
  }
}

void SimCluster::SetSkew(int index, absl::Duration skew) {
  SimNode& node = *nodes_[index];
  node.skew = skew;
  node.raylet_process->SetSkew(skew);
  for (SimWorker& worker : node.workers) worker.process->SetSkew(skew);
}

}  // namespace miniray
