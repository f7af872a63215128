// RenderHtmlReport: one self-contained HTML page about a run, for people
// learning how Ray runs a program. No external URL, font or script: inline
// CSS and inline SVG only, so the file can be mailed or opened offline.
//
//   RunReport report = ...;                      // see run_report.h
//   std::string html = RenderHtmlReport(report); // write it to run.html
//
// The page has, in order: the title and the program's result (or error);
// the run summary as a table (key, value, meaning); the task graph (the
// report's SVG, or the note saying why there is none); the timeline of task
// runs per worker (timeline_svg.h); and CPU utilisation over time, for the
// whole cluster and then per node (utilization_svg.h). Each section says how
// to read it. Pure function; equal reports give identical pages.
#ifndef MINIRAY_REPORT_HTML_REPORT_H_
#define MINIRAY_REPORT_HTML_REPORT_H_

#include <string>

#include "src/report/run_report.h"

namespace miniray {

struct HtmlReportOptions {
  // Nodes beyond this many get no utilisation chart of their own.
  int max_node_charts = 48;
  // Time buckets of the utilisation charts.
  int utilization_buckets = 200;
};

std::string RenderHtmlReport(const RunReport& report,
                             const HtmlReportOptions& options = {});

}  // namespace miniray

#endif  // MINIRAY_REPORT_HTML_REPORT_H_
