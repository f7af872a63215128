#include "src/trace/event_export.h"

#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/common/json.h"

namespace miniray {
namespace {

constexpr const char* kColumns[] = {"time_us", "event",   "task",    "name",
                                    "object",  "node",    "to_node", "worker",
                                    "bytes",   "attempt", "detail"};

// One event as (column, value, is_number) triples, leaving out the empty.
struct Field {
  const char* column;
  std::string value;
  bool number;
};

std::string FormatMicros(int64_t ns) {
  const char* sign = ns < 0 ? "-" : "";
  const uint64_t magnitude = ns < 0 ? -static_cast<uint64_t>(ns) : ns;
  return absl::StrFormat("%s%d.%03d", sign, magnitude / 1000, magnitude % 1000);
}

std::string WorkerName(WorkerId worker) {
  return absl::StrCat(NodeOfWorker(worker), ".", worker & 0xffffffffu);
}

std::vector<Field> FieldsOf(const TraceRecorder& trace,
                            const TraceEvent& event) {
  std::vector<Field> fields;
  fields.push_back(
      {"time_us",
       FormatMicros(absl::ToInt64Nanoseconds(event.time - trace.origin())),
       true});
  fields.push_back({"event", TraceEventName(event.type), false});
  if (event.task) {
    fields.push_back({"task", event.task->ToString(), false});
    auto it = trace.tasks().find(*event.task);
    if (it != trace.tasks().end() && event.name.empty()) {
      fields.push_back({"name", it->second.name, false});
    }
  }
  if (!event.name.empty()) fields.push_back({"name", event.name, false});
  if (event.object) {
    fields.push_back({"object", event.object->ToString(), false});
  }
  if (event.node != kNoNode) {
    fields.push_back({"node", trace.NodeName(event.node), false});
  }
  if (event.to_node != kNoNode) {
    fields.push_back({"to_node", trace.NodeName(event.to_node), false});
  }
  if (event.worker != 0) {
    fields.push_back({"worker", WorkerName(event.worker), false});
  }
  if (event.bytes >= 0) {
    fields.push_back({"bytes", absl::StrCat(event.bytes), true});
  }
  if (event.attempt > 0) {
    fields.push_back({"attempt", absl::StrCat(event.attempt), true});
  }
  if (!event.detail.empty()) fields.push_back({"detail", event.detail, false});
  return fields;
}

std::string CsvField(absl::string_view text) {
  if (text.find_first_of(",\"\n\r") == absl::string_view::npos) {
    return std::string(text);
  }
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void AppendJsonLine(const std::vector<Field>& fields, std::string* out) {
  out->push_back('{');
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->append(", ");
    absl::StrAppend(
        out, "\"", fields[i].column, "\": ",
        fields[i].number ? fields[i].value : JsonString(fields[i].value));
  }
  out->append("}\n");
}

void AppendCsvLine(std::vector<Field> fields, std::string* out) {
  size_t next = 0;
  for (size_t column = 0; column < std::size(kColumns); ++column) {
    if (column > 0) out->push_back(',');
    if (next < fields.size() &&
        absl::string_view(fields[next].column) == kColumns[column]) {
      out->append(CsvField(fields[next].value));
      ++next;
    }
  }
  out->push_back('\n');
}

}  // namespace

absl::StatusOr<EventFormat> EventFormatForPath(absl::string_view path) {
  if (absl::EndsWith(path, ".jsonl")) return EventFormat::kJsonLines;
  if (absl::EndsWith(path, ".csv")) return EventFormat::kCsv;
  return absl::InvalidArgumentError(
      absl::StrCat("cannot tell the event file format from \"", path,
                   "\": name it *.jsonl (JSON lines) or *.csv"));
}

std::string ExportEvents(const TraceRecorder& trace, EventFormat format) {
  std::string out;
  if (format == EventFormat::kCsv) {
    for (size_t i = 0; i < std::size(kColumns); ++i) {
      absl::StrAppend(&out, i > 0 ? "," : "", kColumns[i]);
    }
    out.push_back('\n');
  }
  for (const TraceEvent& event : trace.events()) {
    std::vector<Field> fields = FieldsOf(trace, event);
    if (format == EventFormat::kJsonLines) {
      AppendJsonLine(fields, &out);
    } else {
      AppendCsvLine(std::move(fields), &out);
    }
  }
  return out;
}

}  // namespace miniray
