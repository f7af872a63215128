#include "src/cluster/fault_board.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace miniray {

struct FaultBoard::Layout {
  struct Entry {
    char from[kMaxName + 1];
    char to[kMaxName + 1];
    double drop;
    double duplicate;
    double delay;
    int64_t max_delay_ns;
  };
  // Odd while the writer changes the table.
  std::atomic<uint64_t> version;
  // Counted by every process that applies a fault.
  std::atomic<uint64_t> dropped;
  std::atomic<uint64_t> duplicated;
  std::atomic<uint64_t> delayed;
  uint32_t count;
  Entry entries[kMaxRules];
  struct Skew {
    char node[kMaxName + 1];
    int64_t skew_ns;
    double slowdown;
    uint32_t side_nodes;
    uint32_t side_others;
  };
  uint32_t skew_count;
  Skew skews[kMaxSkews];
  uint32_t cuts[kMaxCuts];
};

namespace {

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", strerror(errno)));
}

bool Matches(const FaultBoard::Rule& rule, absl::string_view from,
             absl::string_view to) {
  return rule.from == from && rule.to == to;
}

// A cut's flags.
constexpr uint32_t kCutInForce = 1;
constexpr uint32_t kCutOneWay = 2;
constexpr uint32_t kCutOthersAll = 4;  // `others` is every node not in `nodes`

}  // namespace

absl::StatusOr<std::unique_ptr<FaultBoard>> FaultBoard::Create(
    const std::string& name) {
  const int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return Errno(absl::StrCat("cannot create fault board ", name));
  void* memory = MAP_FAILED;
  if (ftruncate(fd, sizeof(Layout)) == 0) {
    memory = mmap(nullptr, sizeof(Layout), PROT_READ | PROT_WRITE, MAP_SHARED,
                  fd, 0);
  }
  close(fd);
  if (memory == MAP_FAILED) {
    shm_unlink(name.c_str());
    return Errno(absl::StrCat("cannot map fault board ", name));
  }
  auto* layout = new (memory) Layout();  // zeroed: version 0, no rules
  return std::unique_ptr<FaultBoard>(new FaultBoard(name, layout, true));
}

absl::StatusOr<std::unique_ptr<FaultBoard>> FaultBoard::Open(
    const std::string& name) {
  // Writable for the counters of applied faults only.
  const int fd = shm_open(name.c_str(), O_RDWR, 0);
  if (fd < 0) return Errno(absl::StrCat("cannot open fault board ", name));
  void* memory = mmap(nullptr, sizeof(Layout), PROT_READ | PROT_WRITE,
                      MAP_SHARED, fd, 0);
  close(fd);
  if (memory == MAP_FAILED) {
    return Errno(absl::StrCat("cannot map fault board ", name));
  }
  return std::unique_ptr<FaultBoard>(
      new FaultBoard(name, static_cast<Layout*>(memory), false));
}

FaultBoard::FaultBoard(std::string name, Layout* layout, bool writer)
    : name_(std::move(name)), layout_(layout), writer_(writer) {}

FaultBoard::~FaultBoard() {
  munmap(layout_, sizeof(Layout));
  if (writer_) shm_unlink(name_.c_str());
}

absl::Status FaultBoard::SetRule(const Rule& rule) {
  if (rule.from.size() > kMaxName || rule.to.size() > kMaxName) {
    return absl::InvalidArgumentError(
        absl::StrCat("a node name of more than ", kMaxName, " bytes"));
  }
  absl::MutexLock lock(&mu_);
  for (Rule& existing : writer_rules_) {
    if (Matches(existing, rule.from, rule.to)) {
      existing = rule;
      Publish();
      return absl::OkStatus();
    }
  }
  if (writer_rules_.size() == kMaxRules) {
    return absl::ResourceExhaustedError(
        absl::StrCat("more than ", kMaxRules, " message faults at once"));
  }
  writer_rules_.push_back(rule);
  Publish();
  return absl::OkStatus();
}

void FaultBoard::ClearRule(const std::string& from, const std::string& to) {
  absl::MutexLock lock(&mu_);
  writer_rules_.erase(
      std::remove_if(writer_rules_.begin(), writer_rules_.end(),
                     [&](const Rule& rule) { return Matches(rule, from, to); }),
      writer_rules_.end());
  Publish();
}

void FaultBoard::Publish() {
  const uint64_t version = layout_->version.load(std::memory_order_relaxed);
  layout_->version.store(version + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  layout_->count = writer_rules_.size();
  for (size_t i = 0; i < writer_rules_.size(); ++i) {
    const Rule& rule = writer_rules_[i];
    Layout::Entry& entry = layout_->entries[i];
    std::memset(&entry, 0, sizeof(entry));
    std::memcpy(entry.from, rule.from.data(), rule.from.size());
    std::memcpy(entry.to, rule.to.data(), rule.to.size());
    entry.drop = rule.drop;
    entry.duplicate = rule.duplicate;
    entry.delay = rule.delay;
    entry.max_delay_ns = absl::ToInt64Nanoseconds(rule.max_delay);
  }
  layout_->skew_count = writer_skews_.size();
  for (size_t i = 0; i < writer_skews_.size(); ++i) {
    Layout::Skew& entry = layout_->skews[i];
    std::memset(&entry, 0, sizeof(entry));
    std::memcpy(entry.node, writer_skews_[i].node.data(),
                writer_skews_[i].node.size());
    entry.skew_ns = absl::ToInt64Nanoseconds(writer_skews_[i].skew);
    entry.slowdown = writer_skews_[i].slowdown;
    entry.side_nodes = writer_skews_[i].side_nodes;
    entry.side_others = writer_skews_[i].side_others;
  }
  std::memcpy(layout_->cuts, writer_cuts_, sizeof(writer_cuts_));
  layout_->version.store(version + 2, std::memory_order_release);
}

void FaultBoard::Refresh() {
  while (true) {
    const uint64_t before = layout_->version.load(std::memory_order_acquire);
    if (before == cached_version_) return;
    if (before % 2 == 1) continue;  // the writer is at work
    Layout copy;
    std::memcpy(static_cast<void*>(&copy.entries), layout_->entries,
                sizeof(copy.entries));
    std::memcpy(static_cast<void*>(&copy.skews), layout_->skews,
                sizeof(copy.skews));
    std::memcpy(copy.cuts, layout_->cuts, sizeof(copy.cuts));
    const uint32_t count = layout_->count;
    const uint32_t skew_count = layout_->skew_count;
    std::atomic_thread_fence(std::memory_order_acquire);
    if (layout_->version.load(std::memory_order_relaxed) != before) continue;
    cached_.clear();
    for (uint32_t i = 0; i < count && i < kMaxRules; ++i) {
      const Layout::Entry& entry = copy.entries[i];
      cached_.push_back(Rule{
          .from = std::string(entry.from, strnlen(entry.from, kMaxName)),
          .to = std::string(entry.to, strnlen(entry.to, kMaxName)),
          .drop = entry.drop,
          .duplicate = entry.duplicate,
          .delay = entry.delay,
          .max_delay = absl::Nanoseconds(entry.max_delay_ns)});
    }
    cached_skews_.clear();
    for (uint32_t i = 0; i < skew_count && i < kMaxSkews; ++i) {
      const Layout::Skew& entry = copy.skews[i];
      cached_skews_.push_back(
          NodeSkew{std::string(entry.node, strnlen(entry.node, kMaxName)),
                   absl::Nanoseconds(entry.skew_ns), entry.slowdown,
                   entry.side_nodes, entry.side_others});
    }
    std::memcpy(cached_cuts_, copy.cuts, sizeof(cached_cuts_));
    cached_version_ = before;
    return;
  }
}

FaultBoard::NodeSkew* FaultBoard::RowFor(const std::string& node) {
  for (NodeSkew& row : writer_skews_) {
    if (row.node == node) return &row;
  }
  if (writer_skews_.size() == kMaxSkews) return nullptr;
  writer_skews_.push_back(NodeSkew{node, absl::ZeroDuration(), 1.0});
  return &writer_skews_.back();
}

const FaultBoard::NodeSkew* FaultBoard::Row(absl::string_view node) {
  Refresh();
  for (const NodeSkew& row : cached_skews_) {
    if (row.node == node) return &row;
  }
  return nullptr;
}

absl::Status FaultBoard::ChangeRow(
    const std::string& node, const std::function<void(NodeSkew&)>& change) {
  if (node.size() > kMaxName) {
    return absl::InvalidArgumentError(
        absl::StrCat("a node name of more than ", kMaxName, " bytes"));
  }
  absl::MutexLock lock(&mu_);
  NodeSkew* row = RowFor(node);
  if (row == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat("faults on more than ", kMaxSkews, " nodes"));
  }
  change(*row);
  Publish();
  return absl::OkStatus();
}

absl::Status FaultBoard::SetSkew(const std::string& node,
                                 absl::Duration skew) {
  return ChangeRow(node, [&](NodeSkew& row) { row.skew = skew; });
}

absl::Status FaultBoard::SetSlowdown(const std::string& node, double factor) {
  return ChangeRow(node, [&](NodeSkew& row) { row.slowdown = factor; });
}

absl::Duration FaultBoard::Skew(absl::string_view node) {
  absl::MutexLock lock(&mu_);
  const NodeSkew* row = Row(node);
  return row == nullptr ? absl::ZeroDuration() : row->skew;
}

double FaultBoard::Slowdown(absl::string_view node) {
  absl::MutexLock lock(&mu_);
  const NodeSkew* row = Row(node);
  return row == nullptr ? 1.0 : row->slowdown;
}

std::vector<FaultBoard::Rule> FaultBoard::Rules() {
  absl::MutexLock lock(&mu_);
  Refresh();
  return cached_;
}

absl::StatusOr<int> FaultBoard::AddCut(const Cut& cut) {
  for (const auto* side : {&cut.nodes, &cut.others}) {
    for (const std::string& node : *side) {
      if (node.size() > kMaxName) {
        return absl::InvalidArgumentError(
            absl::StrCat("a node name of more than ", kMaxName, " bytes"));
      }
    }
  }
  absl::MutexLock lock(&mu_);
  int id = 0;
  while (id < kMaxCuts && writer_cuts_[id] != 0) ++id;
  if (id == kMaxCuts) {
    return absl::ResourceExhaustedError(
        absl::StrCat("more than ", kMaxCuts, " partitions at once"));
  }
  // Rows first, all or none: a row table too small leaves no half cut.
  const std::vector<NodeSkew> before = writer_skews_;
  const uint32_t bit = uint32_t{1} << id;
  for (const auto& [side, field] :
       {std::make_pair(&cut.nodes, &NodeSkew::side_nodes),
        std::make_pair(&cut.others, &NodeSkew::side_others)}) {
    for (const std::string& node : *side) {
      NodeSkew* row = RowFor(node);
      if (row == nullptr) {
        writer_skews_ = before;
        return absl::ResourceExhaustedError(
            absl::StrCat("faults on more than ", kMaxSkews, " nodes"));
      }
      row->*field |= bit;
    }
  }
  writer_cuts_[id] = kCutInForce | (cut.one_way ? kCutOneWay : 0) |
                     (cut.others.empty() ? kCutOthersAll : 0);
  Publish();
  return id;
}

void FaultBoard::RemoveCut(int id) {
  if (id < 0 || id >= kMaxCuts) return;
  absl::MutexLock lock(&mu_);
  const uint32_t keep = ~(uint32_t{1} << id);
  for (NodeSkew& row : writer_skews_) {
    row.side_nodes &= keep;
    row.side_others &= keep;
  }
  writer_cuts_[id] = 0;
  Publish();
}

bool FaultBoard::CutLocked(absl::string_view from, absl::string_view to) {
  if (from == to) return false;  // within a node: never cut
  // The cached rows, as Decide refreshed them (a node without one is on no
  // side of any cut).
  const NodeSkew none;
  auto row = [&](absl::string_view node) -> const NodeSkew& {
    for (const NodeSkew& r : cached_skews_) {
      if (r.node == node) return r;
    }
    return none;
  };
  const NodeSkew& a = row(from);
  const NodeSkew& b = row(to);
  for (int id = 0; id < kMaxCuts; ++id) {
    const uint32_t flags = cached_cuts_[id];
    if ((flags & kCutInForce) == 0) continue;
    const uint32_t bit = uint32_t{1} << id;
    // On the `others` side: named there, or, for every node not in
    // `nodes`, simply not in `nodes`.
    auto other = [&](const NodeSkew& row) {
      return (flags & kCutOthersAll) != 0 ? (row.side_nodes & bit) == 0
                                          : (row.side_others & bit) != 0;
    };
    if ((a.side_nodes & bit) != 0 && other(b)) return true;
    if ((flags & kCutOneWay) == 0 && other(a) && (b.side_nodes & bit) != 0) {
      return true;
    }
  }
  return false;
}

MessageFate FaultBoard::Decide(absl::string_view from, absl::string_view to) {
  absl::MutexLock lock(&mu_);
  Refresh();
  if (CutLocked(from, to)) return MessageFate{.held = true};
  const Rule* found = nullptr;
  for (const Rule& rule : cached_) {
    if (Matches(rule, from, to)) {
      found = &rule;
      break;
    }
    if (rule.from.empty() && rule.to.empty()) found = &rule;
  }
  MessageFate fate;
  if (found == nullptr) return fate;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  fate.drop = unit(random_) < found->drop;
  if (fate.drop) {
    layout_->dropped.fetch_add(1, std::memory_order_relaxed);
    return fate;
  }
  fate.duplicate = unit(random_) < found->duplicate;
  if (fate.duplicate) layout_->duplicated.fetch_add(1, std::memory_order_relaxed);
  if (unit(random_) < found->delay) {
    fate.delay = found->max_delay * unit(random_);
    layout_->delayed.fetch_add(1, std::memory_order_relaxed);
  }
  return fate;
}

FaultBoard::Applied FaultBoard::applied() const {
  return Applied{.dropped = layout_->dropped.load(),
                 .duplicated = layout_->duplicated.load(),
                 .delayed = layout_->delayed.load()};
}

std::unique_ptr<FaultBoard> OpenFaultBoard(const std::string& name) {
  if (name.empty()) return nullptr;
  absl::StatusOr<std::unique_ptr<FaultBoard>> board = FaultBoard::Open(name);
  if (!board.ok()) {
    LOG(WARNING) << board.status().message()
                 << ": this process applies no message faults";
    return nullptr;
  }
  return *std::move(board);
}

}  // namespace miniray
