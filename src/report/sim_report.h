// MakeSimReport: the whole RunReport of a simulated run: the summary facts
// (exactly the fields of `miniray sim --json`, with what each means), the
// task graph rendered by Graphviz, and the timeline and utilisation data
// from the trace.
//
//   SimCluster cluster(scenario, seed, /*trace=*/true);
//   RunSummary summary = cluster.Run();
//   RunReport report = MakeSimReport(scenario, summary, *cluster.trace());
//   std::string html = RenderHtmlReport(report);
//
// When Graphviz is missing the report says so instead of drawing the graph.
#ifndef MINIRAY_REPORT_SIM_REPORT_H_
#define MINIRAY_REPORT_SIM_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/proto/scenario.pb.h"
#include "src/report/run_report.h"
#include "src/sim/run_summary.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

struct SimReportOptions {
  bool draw_graph = true;
  // A real cluster's run (`miniray local --report`): wall-clock times, and
  // the summary's simulator-only fields (fingerprint, messages,
  // network_bytes, events) are left out.
  bool real_cluster = false;
  // Bigger graphs are cut to this many tasks (see DotOptions::max_tasks).
  int graph_max_tasks = 300;
};

RunReport MakeSimReport(const scenario::Scenario& scenario,
                        const RunSummary& summary, const TraceRecorder& trace,
                        const SimReportOptions& options = {});

// The (key, value) pairs of a flat JSON object such as SummaryToJson's, in
// order, strings unquoted and unescaped. Empty if `json` is not one.
std::vector<std::pair<std::string, std::string>> FlatJsonFields(
    absl::string_view json);

}  // namespace miniray

#endif  // MINIRAY_REPORT_SIM_REPORT_H_
