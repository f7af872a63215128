// TimelineSvg: a run's task bars as an SVG Gantt chart. One lane per worker,
// lanes grouped by node (shaded alternately, the node's name on the left);
// x is time since the program started. A bar's colour is its function (the
// legend names the first eight; the rest share grey); a red outline marks an
// attempt that failed or was cut short, a purple one a run that rebuilt a
// lost object; hovering shows the task's id, times and outcome. Faults and
// other marks are dashed red vertical lines.
//
//   std::string svg = TimelineSvg(report);   // an <svg> element
//
// Pure function of the report; equal reports give identical text.
#ifndef MINIRAY_REPORT_TIMELINE_SVG_H_
#define MINIRAY_REPORT_TIMELINE_SVG_H_

#include <string>

#include "src/report/run_report.h"

namespace miniray {

struct TimelineSvgOptions {
  int width = 1100;
  // Lanes get thinner as there are more of them, to keep the chart at most
  // about this tall.
  int max_height = 900;
  // Beyond this many bars only the first ones (by start time) are drawn,
  // with a note; browsers slow down on huge SVGs.
  int max_bars = 20000;
};

std::string TimelineSvg(const RunReport& report,
                        const TimelineSvgOptions& options = {});

}  // namespace miniray

#endif  // MINIRAY_REPORT_TIMELINE_SVG_H_
