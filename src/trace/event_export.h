// ExportEvents: a run's event log as a file that pandas, a spreadsheet or
// `grep` reads: one line per event, in the order they happened.
//
//   absl::StatusOr<EventFormat> format = EventFormatForPath("events.jsonl");
//   if (!format.ok()) ...                      // neither .jsonl nor .csv
//   std::string text = ExportEvents(recorder, *format);
//
// Fields (docs/observability.md has the full table):
//   time_us  virtual microseconds since the program started (nanosecond
//            decimals; a fault's time matches the scenario's `at`)
//   event    the event's name (see TraceEventName in trace_event.h)
//   task     task id "node.worker.seq";  name   the task's function
//   object   object id "node.worker.seq.index"
//   node     where it happened (a transfer's source, a spillback's sender)
//   to_node  a transfer's destination, a spillback's target
//   worker   "node.local" worker id;  bytes, attempt (from 1), detail
// JSON lines leave out the fields an event does not have; CSV has every
// column on every line, empty where the event has no value.
//
// Equal traces give byte-identical text. Thread-compatible.
#ifndef MINIRAY_TRACE_EVENT_EXPORT_H_
#define MINIRAY_TRACE_EVENT_EXPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

enum class EventFormat { kJsonLines, kCsv };

// ".jsonl" -> kJsonLines, ".csv" -> kCsv; anything else is InvalidArgument.
absl::StatusOr<EventFormat> EventFormatForPath(absl::string_view path);

// The event log of `trace` in `format`, ending with a newline.
std::string ExportEvents(const TraceRecorder& trace, EventFormat format);

}  // namespace miniray

#endif  // MINIRAY_TRACE_EVENT_EXPORT_H_
