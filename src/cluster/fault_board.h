// FaultBoard: the message faults, clock skews and slow nodes in force in a `miniray
// local` cluster, in a small shared-memory table that every process of the
// cluster maps.
//
// `local` (the only writer) creates the board and changes it when a
// scenario's message fault starts or heals; each node and worker process
// opens it read-only and asks it, for every message its servers receive or
// answer, what happens to that message (GrpcListener's MessageFaultFn). A
// change is seen by the next message, without any message of its own.
//
//   auto board = FaultBoard::Create("/miniray.abc.faults");     // local
//   (*board)->SetRule({.from = "head", .to = "worker-0", .drop = 0.3});
//   auto view = FaultBoard::Open("/miniray.abc.faults");         // a node
//   MessageFate fate = (*view)->Decide("head", "worker-0");      // 30% drop
//   (*board)->ClearRule("head", "worker-0");
//
// Rules match as the simulator's: a rule with `from` and `to` applies to
// that link, one with both empty to every link (a link's own rule wins).
// A cut (a partition in force) holds every message across it until it is
// removed, as the simulator holds a cut link's messages until the heal:
//
//   int cut = *(*board)->AddCut({.nodes = {"worker-0"}});   // both ways
//   (*view)->Decide("head", "worker-0").held;                // true
//   (*board)->RemoveCut(cut);
// Decisions draw from a per-process random stream: real runs are not
// deterministic anyway. Every process counts the faults it applied in the
// board too, so that `local` can say how many messages were dropped,
// duplicated and delayed in the whole cluster (Applied). The table is a seqlock: the writer bumps a version
// around each change, readers copy it and retry if the version moved.
// Thread-safe.
#ifndef MINIRAY_CLUSTER_FAULT_BOARD_H_
#define MINIRAY_CLUSTER_FAULT_BOARD_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "src/runtime/real/grpc_listener.h"

namespace miniray {

class FaultBoard {
 public:
  struct Rule {
    std::string from;  // empty with `to` empty: every link
    std::string to;
    double drop = 0;
    double duplicate = 0;
    double delay = 0;
    absl::Duration max_delay = absl::Milliseconds(10);
  };
  // A partition: the links between `nodes` and `others` are cut.
  struct Cut {
    std::vector<std::string> nodes;
    std::vector<std::string> others;  // empty: every node not in `nodes`
    bool one_way = false;             // only from `nodes` to `others`
  };
  // At most this many rules and cuts at once, and nodes with a skew, a
  // slowdown or a side of a cut; node names up to kMaxName bytes.
  static constexpr int kMaxRules = 32;
  static constexpr int kMaxCuts = 32;
  static constexpr int kMaxSkews = 64;
  static constexpr int kMaxName = 63;

  // Creates the board `name` (a POSIX shared-memory name, "/..."), empty;
  // removed when the writer is destroyed.
  static absl::StatusOr<std::unique_ptr<FaultBoard>> Create(
      const std::string& name);
  // Opens an existing board to read it.
  static absl::StatusOr<std::unique_ptr<FaultBoard>> Open(
      const std::string& name);
  ~FaultBoard();
  FaultBoard(const FaultBoard&) = delete;
  FaultBoard& operator=(const FaultBoard&) = delete;

  // Writer only: adds or replaces the rule of `rule`'s link.
  // InvalidArgument for a name too long, ResourceExhausted past kMaxRules.
  absl::Status SetRule(const Rule& rule);
  // Writer only: removes the rule of a link, if any.
  void ClearRule(const std::string& from, const std::string& to);

  // Writer only: cuts the links of `cut`; returns the cut's id, for
  // RemoveCut. InvalidArgument for a name too long, ResourceExhausted past
  // kMaxCuts cuts or kMaxSkews nodes.
  absl::StatusOr<int> AddCut(const Cut& cut);
  // Writer only: heals cut `id`.
  void RemoveCut(int id);

  // The rules in force now.
  std::vector<Rule> Rules();
  // The faults that every process of the cluster has applied so far.
  struct Applied {
    uint64_t dropped = 0;
    uint64_t duplicated = 0;
    uint64_t delayed = 0;
  };
  Applied applied() const;
  // Writer only: skews the clocks of `node`'s processes (zero: none).
  absl::Status SetSkew(const std::string& node, absl::Duration skew);
  // Writer only: makes `node`'s tasks take `factor` times longer (1: none).
  absl::Status SetSlowdown(const std::string& node, double factor);
  // How far the clocks of `node`'s processes are skewed now.
  absl::Duration Skew(absl::string_view node);
  // How much slower `node`'s tasks run now (1: normal speed).
  double Slowdown(absl::string_view node);

  // What happens to one message from node `from` to node `to`. A message
  // across a cut is held (and nothing else is decided for it).
  MessageFate Decide(absl::string_view from, absl::string_view to);
  // Slowdown(node) as a worker's slowdown source; the board must outlive it.
  std::function<double()> SlowdownFn(std::string node) {
    return [this, node = std::move(node)] { return Slowdown(node); };
  }
  // Skew(node) as a clock's skew source; the board must outlive it.
  std::function<absl::Duration()> SkewFn(std::string node) {
    return [this, node = std::move(node)] { return Skew(node); };
  }
  // Decide as a transport's MessageFaultFn; the board must outlive it.
  MessageFaultFn AsFaultFn() {
    return [this](absl::string_view from, absl::string_view to) {
      return Decide(from, to);
    };
  }

 private:
  struct Layout;
  FaultBoard(std::string name, Layout* layout, bool writer);
  // Writes `writer_rules_` to the table, under a new version.
  void Publish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Refreshes `cached_` if the version moved.
  void Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  Layout* const layout_;
  const bool writer_;
  absl::Mutex mu_;
  // A node's row: its clock skew, its slowdown, and the cuts it is on a
  // side of (bit i: cut i).
  struct NodeSkew {
    std::string node;
    absl::Duration skew;
    double slowdown = 1.0;
    uint32_t side_nodes = 0;   // in the cut's `nodes`
    uint32_t side_others = 0;  // in the cut's `others`
  };
  // Whether the link from `from` to `to` is cut (by the cached table).
  bool CutLocked(absl::string_view from, absl::string_view to)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The writer's row for `node`, added if missing (null past kMaxSkews).
  NodeSkew* RowFor(const std::string& node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Validates `node`, applies `change` to its row and publishes.
  absl::Status ChangeRow(const std::string& node,
                         const std::function<void(NodeSkew&)>& change);
  // The reader's row for `node`, or null.
  const NodeSkew* Row(absl::string_view node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<Rule> writer_rules_ ABSL_GUARDED_BY(mu_);
  std::vector<NodeSkew> writer_skews_ ABSL_GUARDED_BY(mu_);
  std::vector<Rule> cached_ ABSL_GUARDED_BY(mu_);
  std::vector<NodeSkew> cached_skews_ ABSL_GUARDED_BY(mu_);
  // Each cut's flags (kCut* in fault_board.cc); 0: no cut of that id.
  uint32_t writer_cuts_[kMaxCuts] ABSL_GUARDED_BY(mu_) = {};
  uint32_t cached_cuts_[kMaxCuts] ABSL_GUARDED_BY(mu_) = {};
  uint64_t cached_version_ ABSL_GUARDED_BY(mu_) = 0;
  // Real runs are not reproducible anyway: seeded by the system.
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_){std::random_device()()};
};

// Opens board `name` for a node or worker process; null for "" (no board),
// or, with a warning in the log, if it cannot be opened (the run goes on
// without message faults).
std::unique_ptr<FaultBoard> OpenFaultBoard(const std::string& name);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_FAULT_BOARD_H_
