// RunReport: everything the HTML run report shows, as plain data, so that
// the same page can be drawn for a simulated run (see from_trace.h) or,
// later, for a real one.
//
//   RunReport report;
//   report.title = "square_map, seed 1";
//   report.facts = {{"makespan_s", "0.010520525", "virtual time ..."}};
//   report.nodes = {{"head", 4}, {"worker-0", 8}};
//   report.bars = {{.task = "0.0.1", .name = "square", .node = 1,
//                   .worker = 3, .start_s = 0.001, .end_s = 0.011}};
//   report.end_s = 0.0105;
//   std::string html = RenderHtmlReport(report);   // html_report.h
//
// Times are seconds since the program started.
#ifndef MINIRAY_REPORT_RUN_REPORT_H_
#define MINIRAY_REPORT_RUN_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace miniray {

// One line of the summary table: a key (as in `miniray sim --json`), its
// value, and what it means in words.
struct ReportFact {
  std::string key;
  std::string value;
  std::string meaning;
};

struct ReportNode {
  std::string name;
  double cpus = 0;  // capacity, for utilisation
};

// One attempt of one task on one worker: a bar of the timeline.
struct TaskBar {
  enum class Outcome {
    kFinished,     // ran to the end (with a value or an application error)
    kFailed,       // ended with a system error
    kInterrupted,  // cut short: its node died, or it started again
    kRunning,      // still running when the report was made
  };
  std::string task;     // id, e.g. "0.0.12"
  std::string name;     // the function
  int node = 0;         // index into RunReport::nodes
  uint32_t worker = 0;  // the worker's number on its node: one lane each
  double start_s = 0;
  double end_s = 0;
  Outcome outcome = Outcome::kFinished;
  int attempt = 1;
  bool reconstruction = false;  // ran again to rebuild a lost object
  double cpus = 1;              // CPUs it held while running
};

// A moment worth a vertical line across the charts (a fault, a node death).
struct TimeMark {
  double time_s = 0;
  std::string label;
};

struct RunReport {
  std::string title;
  // The program's result, or why it failed.
  std::string outcome;
  bool succeeded = true;
  std::vector<ReportFact> facts;
  // The task graph as an <svg> element; when empty, `graph_note` says why.
  std::string graph_svg;
  std::string graph_note;
  std::vector<ReportNode> nodes;
  std::vector<TaskBar> bars;
  std::vector<TimeMark> marks;
  double end_s = 0;  // the end of the time axis (the makespan)
  // Times are wall-clock (a real cluster's run, `miniray local`), not
  // simulated: the axes and the footer say so.
  bool real_time = false;
};

}  // namespace miniray

#endif  // MINIRAY_REPORT_RUN_REPORT_H_
