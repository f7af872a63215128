#include "src/report/html_report.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/report/svg_util.h"
#include "src/report/timeline_svg.h"
#include "src/report/utilization.h"
#include "src/report/utilization_svg.h"

namespace miniray {
namespace {

constexpr char kStyle[] = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
       margin: 24px auto; max-width: 1160px; color: #222; padding: 0 12px; }
h1 { font-size: 1.6em; margin-bottom: 4px; }
h2 { font-size: 1.25em; margin-top: 32px; border-bottom: 1px solid #ddd; }
p.how { color: #555; max-width: 60em; }
.outcome { padding: 8px 12px; border-radius: 4px; font-family: monospace; }
.ok { background: #e8f5e9; border: 1px solid #59a14f; }
.bad { background: #fdecea; border: 1px solid #e15759; }
table.facts { border-collapse: collapse; }
table.facts td { padding: 3px 12px 3px 0; border-bottom: 1px solid #eee; }
table.facts td.key { font-family: monospace; }
table.facts td.value { font-family: monospace; text-align: right; }
table.facts td.meaning { color: #555; }
.scroll { overflow: auto; max-height: 800px; border: 1px solid #ddd; }
.note { color: #8a5a00; background: #fff8e1; padding: 8px 12px; }
.grid { display: flex; flex-wrap: wrap; gap: 8px; }
svg.chart text { font-size: 11px; fill: #333; }
svg.chart text.tick { text-anchor: middle; }
svg.chart text.ytick { text-anchor: end; }
svg.chart text.lane { text-anchor: end; fill: #777; }
svg.chart text.node { font-weight: bold; }
svg.chart text.axis { text-anchor: middle; font-size: 12px; }
svg.chart text.title { font-size: 13px; font-weight: bold; }
svg.chart text.smalltitle { font-size: 12px; font-weight: bold; }
svg.chart text.marklabel { fill: #d62728; }
svg.chart text.note { fill: #8a5a00; }
svg.chart line.mark { stroke: #d62728; stroke-dasharray: 4 3; stroke-width: 1.5; }
footer { margin-top: 40px; color: #888; font-size: 0.9em; }
)css";

std::string CpuCount(double cpus) {
  return absl::StrCat(FormatTick(cpus), cpus == 1 ? " CPU" : " CPUs");
}

void AppendFacts(const RunReport& report, std::string* html) {
  absl::StrAppend(html, "<h2>Summary</h2>\n<table class=\"facts\">\n");
  for (const ReportFact& fact : report.facts) {
    absl::StrAppend(html, "<tr><td class=\"key\">", EscapeXml(fact.key),
                    "</td><td class=\"value\">", EscapeXml(fact.value),
                    "</td><td class=\"meaning\">", EscapeXml(fact.meaning),
                    "</td></tr>\n");
  }
  absl::StrAppend(html, "</table>\n");
}

void AppendGraph(const RunReport& report, std::string* html) {
  absl::StrAppend(
      html,
      "<h2>Task graph</h2>\n<p class=\"how\">Boxes are tasks (green: "
      "finished, red: failed), small ellipses the objects they return; "
      "an arrow from an object to a task means the task took it as an "
      "argument. Frames group what ran on the same node. Hover over a "
      "box for details. <code>docs/task-graphs.md</code> explains every "
      "shape.</p>\n");
  if (!report.graph_note.empty()) {
    absl::StrAppend(html, "<p class=\"note\">", EscapeXml(report.graph_note),
                    "</p>\n");
  }
  if (!report.graph_svg.empty()) {
    absl::StrAppend(html, "<div class=\"scroll\">\n", report.graph_svg,
                    "</div>\n");
  }
}

void AppendTimeline(const RunReport& report, std::string* html) {
  absl::StrAppend(
      html,
      "<h2>Timeline</h2>\n<p class=\"how\">Each row is one worker "
      "process, grouped by node; each bar is one run of a task on it, "
      "from when it started to when it ended, coloured by function. "
      "Gaps are time the worker waited: for a lease, for arguments to "
      "arrive, or for work. Hover over a bar for its task id and "
      "times.</p>\n");
  if (report.bars.empty()) {
    absl::StrAppend(html, "<p class=\"note\">No task ran.</p>\n");
    return;
  }
  absl::StrAppend(html, "<div class=\"scroll\">\n", TimelineSvg(report),
                  "</div>\n");
}

void AppendUtilization(const RunReport& report,
                       const HtmlReportOptions& options, std::string* html) {
  absl::StrAppend(
      html,
      "<h2>CPU utilisation</h2>\n<p class=\"how\">The share of CPUs "
      "held by running tasks over time (each task holds the CPUs it "
      "asked for; an actor call counts as one), averaged over short "
      "intervals. A low curve means idle CPUs: too few tasks, tasks "
      "waiting for data, or a slow start.</p>\n");
  const std::vector<UtilizationSeries> per_node = NodeUtilization(
      report.nodes, report.bars, report.end_s, options.utilization_buckets);
  double cpus = 0;
  for (const ReportNode& node : report.nodes) cpus += node.cpus;
  absl::StrAppend(
      html,
      UtilizationSvg(absl::StrCat("whole cluster (", CpuCount(cpus), ")"),
                     ClusterUtilization(report.nodes, per_node), report.end_s,
                     report.marks, {.real_time = report.real_time}));
  absl::StrAppend(html, "<div class=\"grid\">\n");
  for (size_t n = 0; n < report.nodes.size(); ++n) {
    if (static_cast<int>(n) >= options.max_node_charts) {
      absl::StrAppendFormat(html,
                            "<p class=\"note\">%d more nodes not drawn.</p>\n",
                            report.nodes.size() - n);
      break;
    }
    const ReportNode& node = report.nodes[n];
    absl::StrAppend(
        html,
        UtilizationSvg(absl::StrCat(node.name, " (", CpuCount(node.cpus), ")"),
                       per_node[n], report.end_s, report.marks,
                       {.width = 360,
                        .height = 150,
                        .small = true,
                        .real_time = report.real_time}));
  }
  absl::StrAppend(html, "</div>\n");
}

}  // namespace

std::string RenderHtmlReport(const RunReport& report,
                             const HtmlReportOptions& options) {
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>",
      EscapeXml(report.title), "</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n<h1>", EscapeXml(report.title), "</h1>\n");
  absl::StrAppend(&html, "<p class=\"outcome ", report.succeeded ? "ok" : "bad",
                  "\">", report.succeeded ? "result: " : "error: ",
                  EscapeXml(report.outcome), "</p>\n");
  for (const TimeMark& mark : report.marks) {
    absl::StrAppendFormat(&html, "<p class=\"note\">at %s s: %s</p>\n",
                          FormatTick(mark.time_s), EscapeXml(mark.label));
  }
  AppendFacts(report, &html);
  AppendGraph(report, &html);
  AppendTimeline(report, &html);
  AppendUtilization(report, options, &html);
  absl::StrAppend(&html, "<footer>Made by miniray. Times are ",
                  report.real_time ? "wall-clock" : "simulated (virtual)",
                  " time since the program started. This page is "
                  "self-contained: it loads nothing from anywhere.</footer>\n"
                  "</body>\n</html>\n");
  return html;
}

}  // namespace miniray
