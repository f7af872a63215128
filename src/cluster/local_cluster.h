// LocalCluster: `miniray local FILE`, a real cluster of processes on this
// machine, built as the scenario describes, that runs the scenario's
// program and is torn down after.
//
//   absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(path);
//   LocalCluster cluster(*s, LocalCluster::Options{.scenario_path = path});
//   RunSummary summary = cluster.Run();   // children are gone when it returns
//
// Shape of a run:
//  - one child OS process for the GCS (and the dashboard), as Ray's
//    gcs_server, then one per scenario node (`miniray node ...`, fork+exec
//    of this binary), on free loopback ports, with a random cluster token
//    passed in the environment (MINIRAY_TOKEN) so that it never shows in
//    `ps`;
//  - this process waits until the GCS lists every node alive, then joins
//    the cluster itself as a node with no resources ("local-driver"), whose
//    raylet holds the driver's objects, and runs the program as the driver
//    on its own loop (a fiber);
//  - faults happen at their time after the program started: kill_node
//    SIGKILLs the node's process (and starts a fresh one after `duration`,
//    if given); kill_worker SIGKILLs the node's busiest worker process;
//    kill_actor the worker process hosting the actor; kill_head SIGKILLs
//    the GCS's process. Message faults, partitions, clock skews and later
//    slow nodes go on a fault board that every process reads
//    (fault_board.h). Other fault kinds are reported on stderr and skipped
//    (local_faults.cc);
//  - every child is killed and reaped when Run returns, on SIGINT/SIGTERM
//    (see ChildProcesses), and by the kernel if this process dies.
//
// With Options::join_gcs_address set (`miniray submit`), no child is
// started: the driver node joins the running cluster at that address, with
// Options::token, and the program runs there; faults are not applied.
//
// The summary has the shape of `miniray sim`'s; what a real run cannot
// know (fingerprint, events, messages, cluster-wide counters kept in other
// processes) is zero: see docs/real-cluster.md.
// Single-threaded use, from the main thread (children are forked there).
#ifndef MINIRAY_CLUSTER_LOCAL_CLUSTER_H_
#define MINIRAY_CLUSTER_LOCAL_CLUSTER_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "src/cluster/child_processes.h"
#include "src/cluster/fault_board.h"
#include "src/cluster/node_host.h"
#include "src/proto/scenario.pb.h"
#include "src/sim/run_summary.h"

namespace miniray {

class LocalCluster {
 public:
  struct Options {
    // The scenario's file: each child loads it again.
    std::string scenario_path;
    // 0: the scenario's seed.
    uint64_t seed = 0;
    // The binary children run; empty: this one (/proc/self/exe).
    std::string binary;
    // How long the nodes have to come up.
    absl::Duration start_timeout = absl::Seconds(30);
    // `submit`: the GCS of a running cluster to join, its token (empty with
    // insecure_no_token), the address the driver node listens on, and the
    // driver node's name (unique in that cluster).
    std::string join_gcs_address;
    std::string token;
    bool insecure_no_token = false;
    std::string host = "127.0.0.1";
    std::string driver_node_name = "local-driver";
    // The dashboard (docs/observability.md): its port on the head, 0 for a
    // free one, -1 for none. With it, every node serves /metrics too.
    int dashboard_port = -1;
    // Runs when the program ended, before the cluster is torn down.
    std::function<void(const RunSummary&)> on_program_done;
    // With it, the driver records the tasks it owns as their owner sees
    // them (as with the dashboard), with the program's start and end and
    // the faults applied; this runs with that trace (node names set) when
    // the program ended, before on_program_done. For `local --report`.
    std::function<void(const RunSummary&, const TraceRecorder&)>
        on_driver_trace;
    // Then keeps the cluster up (for the dashboard) until SIGINT/SIGTERM.
    bool keep_alive = false;
  };

  LocalCluster(const scenario::Scenario& scenario, Options options);
  ~LocalCluster();

  // Starts the cluster, runs the program, applies the faults, tears down.
  RunSummary Run();

  // A marker in every child's command line ("--cluster=<marker>"), unique
  // per run: `pgrep -f <marker>` finds this run's processes.
  const std::string& marker() const { return marker_; }

 private:
  struct Child {
    std::string name;
    int index = 0;
    pid_t pid = 0;  // 0 when not running
  };
  struct PlannedFault {
    enum class Kind {
      kKillNode,
      kRestartNode,
      kKillWorker,
      kKillActor,
      kKillHead,
      kCutOn,   // a partition starts (a cut on the fault board)
      kCutOff,  // and heals
      kMessagesOn,   // a message fault starts (on the fault board)
      kMessagesOff,  // and heals
      kSkewOn,       // a clock skew starts (on the fault board)
      kSkewOff,      // and heals
      kSlowOn,       // a slow node from after 0s (on the fault board)
      kSlowOff,      // and its heal
    };
    absl::Duration at;
    Kind kind = Kind::kKillNode;
    int node = 0;       // index into children_ (kill, restart, kill_worker)
    std::string actor;  // kKillActor
    int fault = 0;  // on the board: index into the scenario's faults
  };

  absl::StatusOr<int> PickPort();
  absl::Status StartChildren();
  absl::Status StartGcsChild();
  absl::Status StartChild(Child& child);
  absl::Status WaitForNodes(const std::vector<std::string>& names);
  // Unavailable if a node's (or the GCS's) process has exited.
  absl::Status CheckChildrenAlive();
  // Each node's /metrics address, as registered with the GCS, on stderr.
  void PrintMetricsAddresses();
  // `submit`: how many nodes of the joined cluster are alive, the driver's
  // own excepted.
  int CountClusterNodes();
  absl::Status StartDriverNode();
  // Plans scenario fault `index` as `on` at its time and `off` at its heal.
  void PlanOnBoard(int index, PlannedFault::Kind on, PlannedFault::Kind off,
                   std::vector<PlannedFault>& planned);
  // Creates the fault board if the scenario has message faults or skews.
  absl::Status CreateFaultBoard();
  // The flags that give a node process the board and its name there.
  std::vector<std::string> FaultFlags(const std::string& node) const;
  // Sets or clears scenario fault `index`'s rule; says what it did.
  std::string SetMessageFaults(int index, bool on);
  // Sets or clears scenario fault `index`'s clock skew; says what it did.
  std::string SetClockSkew(int index, bool on);
  // Sets or clears scenario fault `index`'s slow node; says what it did.
  std::string SetSlowNode(int index, bool on);
  // "message faults applied ...: 3 dropped, ..." (needs the board).
  std::string AppliedMessageFaults() const;
  // After the program: the totals, in the fault log, if it had message
  // faults.
  void NoteMessageFaultTotals();
  std::vector<PlannedFault> PlanFaults();
  void RunProgram(RunSummary& summary);
  // The summary's counters: the driver's, the other owners' from the GCS.
  void CollectCounters(RunSummary& summary);
  // local_faults.cc: one fault, now; returns what it did, for the log.
  void ApplyFault(const PlannedFault& fault, absl::Duration now);
  std::string KillNode(Child& child);
  std::string RestartNode(Child& child);
  std::string KillWorker(Child& child);
  std::string KillActor(const std::string& name);
  std::string KillHead();
  // Partition fault `index` on the board (a cut), or healed.
  std::string SetPartition(int index, bool on);
  // Says on stderr which children died without being killed by a fault.
  void ReportUnexpectedExits();
  // Every node's process has exited (none restarts by itself).
  bool NoNodeLeft() const;
  // Runs `fn` on the driver's loop with its trace (node names set), if it
  // records one.
  void WithDriverTrace(const std::function<void(TraceRecorder&)>& fn);
  // Gives the trace the nodes' names and hands it to on_driver_trace.
  void HandOverDriverTrace(const RunSummary& summary);

  const scenario::Scenario scenario_;
  const Options options_;
  const uint64_t seed_;
  std::string token_;
  std::string marker_;
  std::string binary_;
  std::string gcs_address_;
  int gcs_port_ = 0;
  ChildProcesses processes_;
  std::vector<Child> children_;
  Child gcs_child_{"gcs", -1, 0};
  std::unique_ptr<NodeHost> driver_host_;
  std::vector<std::string> fault_log_;
  // The run's message faults, read by every process (fault_board.h).
  std::unique_ptr<FaultBoard> fault_board_;
  std::string fault_board_name_;
  // The board's cut of each partition in force, by fault index.
  std::map<int, int> cuts_;
  // The dashboard's port (the GCS's process serves it); 0: not yet picked.
  int dashboard_port_ = 0;
  absl::flat_hash_set<int> picked_ports_;
  absl::Status PickDashboardPorts();
};

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_LOCAL_CLUSTER_H_
