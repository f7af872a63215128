// UtilizationSvg: one utilisation series (see utilization.h) as an SVG area
// chart: x is time since the program started, y the share of CPUs busy
// (0-100%, higher if tasks held more CPUs than the node has). Marks (faults)
// are dashed red vertical lines. Small charts (for one node each) keep the
// axes but fewer labels.
//
//   std::string svg = UtilizationSvg("worker-3 (16 CPUs)", series,
//                                    report.end_s, report.marks, {});
//
// Pure function; equal inputs give identical text.
#ifndef MINIRAY_REPORT_UTILIZATION_SVG_H_
#define MINIRAY_REPORT_UTILIZATION_SVG_H_

#include <string>
#include <vector>

#include "src/report/run_report.h"
#include "src/report/utilization.h"

namespace miniray {

struct UtilizationSvgOptions {
  int width = 1100;
  int height = 260;
  bool small = false;  // a small multiple: short title, two y ticks
  bool real_time = false;  // the axis says wall-clock, not simulated, time
};

std::string UtilizationSvg(const std::string& title,
                           const UtilizationSeries& series, double end_s,
                           const std::vector<TimeMark>& marks,
                           const UtilizationSvgOptions& options);

}  // namespace miniray

#endif  // MINIRAY_REPORT_UTILIZATION_SVG_H_
