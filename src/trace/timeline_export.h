// ExportTimeline: a run as a timeline in Chrome's trace-event JSON format,
// what `ray timeline` produces. Open the file in https://ui.perfetto.dev or
// chrome://tracing:
//
//   std::string json = ExportTimeline(recorder);  // write it to timeline.json
//
// How to read it
// --------------
// Each node of the cluster is a process (named after the node; pid is the
// node id + 1) and each worker on it a thread ("worker <local id>"; tid is
// the worker's id local to its node). Each task that started is one slice
// on its worker's row, from when it (last) started to when it finished; its
// category is "task", "actor_method" or "actor_creation", and its arguments
// hold the task id, state, attempts (more than 1: it was retried), whether it
// ran to rebuild a lost object, and the error of a failed task. A task still
// running when the trace ends stretches to the last time the trace knows.
// Arrows (flow events, category "dependency", named by the object id) go from
// the end of a task to the start of each task that took one of its returns
// as an argument (1ns inside each slice, so that viewers do not bind them to
// a neighbouring slice that touches it). Tasks that never started, and Put
// objects, do not appear.
//
// Times are virtual (or real) time since absl::UnixEpoch(), in microseconds
// with nanosecond decimals. Equal traces give byte-identical text.
// Thread-compatible: pure function of its argument.
#ifndef MINIRAY_TRACE_TIMELINE_EXPORT_H_
#define MINIRAY_TRACE_TIMELINE_EXPORT_H_

#include <string>

#include "src/trace/trace_recorder.h"

namespace miniray {

// Returns `{"traceEvents":[...],"displayTimeUnit":"ms"}` for `trace`.
std::string ExportTimeline(const TraceRecorder& trace);

}  // namespace miniray

#endif  // MINIRAY_TRACE_TIMELINE_EXPORT_H_
