#include "src/report/from_trace.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace miniray {
namespace {

class BarBuilder {
 public:
  BarBuilder(const TraceRecorder& trace, RunReport& report)
      : trace_(trace), report_(report) {}

  void Add(const TraceEvent& event) {
    const double t = absl::ToDoubleSeconds(event.time - trace_.origin());
    switch (event.type) {
      case TraceEventType::kTaskStarted:
        Start(event, t);
        break;
      case TraceEventType::kTaskFinished:
        Close(*event.task, t, TaskBar::Outcome::kFinished);
        break;
      case TraceEventType::kTaskFailed:
        Close(*event.task, t, TaskBar::Outcome::kFailed);
        break;
      case TraceEventType::kReconstructionStarted:
        rebuilding_.insert(*event.task);
        break;
      case TraceEventType::kFaultInjected:
        report_.marks.push_back(
            {t, absl::StrCat(trace_.NodeName(event.node), ": ", event.detail)});
        if (event.detail == "kill_node") CutNode(NodeIndex(event.node), t);
        break;
      case TraceEventType::kNodeDied:
        report_.marks.push_back(
            {t, absl::StrCat(trace_.NodeName(event.node), " declared dead")});
        CutNode(NodeIndex(event.node), t);
        break;
      case TraceEventType::kProgramFinished:
        end_s_ = t;
        break;
      default:
        break;
    }
    last_s_ = std::max(last_s_, t);
  }

  // Closes the bars still open, at the end of the program.
  void Finish() {
    report_.end_s = end_s_ >= 0 ? end_s_ : last_s_;
    for (const auto& [task, index] : open_) {
      report_.bars[index].end_s = report_.end_s;
      report_.bars[index].outcome = TaskBar::Outcome::kRunning;
    }
    open_.clear();
  }

 private:
  int NodeIndex(NodeId id) {
    const std::string name = trace_.NodeName(id);
    for (size_t i = 0; i < report_.nodes.size(); ++i) {
      if (report_.nodes[i].name == name) return static_cast<int>(i);
    }
    report_.nodes.push_back({name, 0});
    return static_cast<int>(report_.nodes.size()) - 1;
  }

  void Start(const TraceEvent& event, double t) {
    const TaskId id = *event.task;
    Close(id, t, TaskBar::Outcome::kInterrupted);
    TaskBar bar;
    bar.task = id.ToString();
    bar.node = NodeIndex(event.node);
    bar.worker = static_cast<uint32_t>(event.worker & 0xffffffffu);
    bar.start_s = bar.end_s = t;
    bar.attempt = event.attempt;
    bar.reconstruction = rebuilding_.count(id) > 0;
    auto it = trace_.tasks().find(id);
    if (it != trace_.tasks().end()) {
      bar.name = it->second.name;
      bar.cpus = it->second.cpus;
      // An actor call keeps its worker busy even though it asks for no CPU.
      if (it->second.kind == TaskKind::kActorMethod && bar.cpus == 0) {
        bar.cpus = 1;
      }
    }
    open_[id] = report_.bars.size();
    report_.bars.push_back(std::move(bar));
  }

  void Close(TaskId id, double t, TaskBar::Outcome outcome) {
    auto it = open_.find(id);
    if (it == open_.end()) return;
    report_.bars[it->second].end_s = t;
    report_.bars[it->second].outcome = outcome;
    open_.erase(it);
  }

  void CutNode(int node, double t) {
    for (auto it = open_.begin(); it != open_.end();) {
      TaskBar& bar = report_.bars[it->second];
      if (bar.node != node) {
        ++it;
        continue;
      }
      bar.end_s = t;
      bar.outcome = TaskBar::Outcome::kInterrupted;
      it = open_.erase(it);
    }
  }

  const TraceRecorder& trace_;
  RunReport& report_;
  std::map<TaskId, size_t> open_;  // task -> index of its open bar
  std::set<TaskId> rebuilding_;
  double end_s_ = -1;
  double last_s_ = 0;
};

}  // namespace

RunReport ReportFromTrace(const TraceRecorder& trace,
                          std::vector<ReportNode> nodes) {
  RunReport report;
  report.nodes = std::move(nodes);
  BarBuilder builder(trace, report);
  for (const TraceEvent& event : trace.events()) builder.Add(event);
  builder.Finish();
  return report;
}

}  // namespace miniray
