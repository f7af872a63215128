// ReportFromTrace: the timeline part of a RunReport (task bars, fault marks,
// the end of the time axis) from a TraceRecorder's event log.
//
//   RunReport report = ReportFromTrace(*cluster.trace(),
//                                      {{"head", 4}, {"worker-0", 8}});
//   report.title = ...; report.facts = ...;   // the rest is the caller's
//
// Each task_started event opens a bar on its worker; task_finished or
// task_failed closes it; a fault injected into (or the death of) its node,
// or the task starting again, cuts it short; bars still open at the end run
// to the end of the program. Nodes are matched to `nodes` by name (nodes the
// trace names but `nodes` lacks are added, with 0 CPUs). Times are seconds
// since the program started. Pure function.
#ifndef MINIRAY_REPORT_FROM_TRACE_H_
#define MINIRAY_REPORT_FROM_TRACE_H_

#include <vector>

#include "src/report/run_report.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

RunReport ReportFromTrace(const TraceRecorder& trace,
                          std::vector<ReportNode> nodes);

}  // namespace miniray

#endif  // MINIRAY_REPORT_FROM_TRACE_H_
