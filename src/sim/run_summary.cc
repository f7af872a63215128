#include "src/sim/run_summary.h"

#include <cmath>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/common/json.h"
#include "src/common/units.h"

namespace miniray {
namespace {

absl::Status CheckResult(const scenario::Expect& expect,
                         const RunSummary& summary) {
  if (expect.has_result() && summary.result != expect.result()) {
    return absl::FailedPreconditionError(
        absl::StrCat("expected result \"", expect.result(), "\", got \"",
                     summary.result, "\""));
  }
  if (expect.has_result_near()) {
    double value;
    if (!absl::SimpleAtod(summary.result, &value)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "expected a number near ", expect.result_near().value(), ", got \"",
          summary.result, "\""));
    }
    if (std::fabs(value - expect.result_near().value()) >
        expect.result_near().tolerance()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "expected ", expect.result_near().value(), " +/- ",
          expect.result_near().tolerance(), ", got ", value));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckExpectations(const scenario::Expect& expect,
                               const RunSummary& summary) {
  if (!expect.error_contains().empty()) {
    if (summary.error.find(expect.error_contains()) == std::string::npos) {
      return absl::FailedPreconditionError(absl::StrCat(
          "expected an error containing \"", expect.error_contains(),
          "\", got ",
          summary.error.empty() ? "success" : "\"" + summary.error + "\""));
    }
    return absl::OkStatus();
  }
  if (!summary.error.empty()) {
    return absl::FailedPreconditionError(summary.error);
  }
  if (absl::Status status = CheckResult(expect, summary); !status.ok()) {
    return status;
  }
  if (!expect.max_makespan().empty() &&
      summary.makespan > ParseDuration(expect.max_makespan()).value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("makespan ", absl::FormatDuration(summary.makespan),
                     " exceeds max_makespan ", expect.max_makespan()));
  }
  if (!expect.min_makespan().empty() &&
      summary.makespan < ParseDuration(expect.min_makespan()).value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("makespan ", absl::FormatDuration(summary.makespan),
                     " is below min_makespan ", expect.min_makespan()));
  }
  const Metrics& m = summary.metrics;
  const struct {
    const char* what;
    uint64_t got, want;
  } minimums[] = {
      {"tasks finished", m.tasks_finished, expect.min_tasks_finished()},
      {"objects transferred", m.objects_transferred,
       expect.min_objects_transferred()},
      {"objects evicted", m.objects_evicted, expect.min_objects_evicted()},
      {"tasks retried", m.tasks_retried, expect.min_tasks_retried()},
      {"objects reconstructed", m.objects_reconstructed,
       expect.min_objects_reconstructed()},
      {"actors restarted", m.actors_restarted, expect.min_actors_restarted()},
  };
  for (const auto& minimum : minimums) {
    if (minimum.got < minimum.want) {
      return absl::FailedPreconditionError(
          absl::StrCat(minimum.got, " ", minimum.what, ", expected at least ",
                       minimum.want));
    }
  }
  return absl::OkStatus();
}

std::string SummaryToJson(const RunSummary& s) {
  const Metrics& m = s.metrics;
  std::vector<std::string> fields = {
      absl::StrCat("\"scenario\": ", JsonString(s.scenario)),
      absl::StrCat("\"seed\": ", s.seed),
      absl::StrCat("\"nodes\": ", s.nodes),
      absl::StrCat("\"finished\": ", s.finished ? "true" : "false"),
      absl::StrCat("\"result\": ", JsonString(s.result)),
      absl::StrCat("\"error\": ", JsonString(s.error)),
      absl::StrFormat("\"makespan_s\": %.9f", absl::ToDoubleSeconds(s.makespan)),
      absl::StrFormat("\"fingerprint\": \"%016x\"", s.fingerprint),
      absl::StrCat("\"tasks_submitted\": ", m.tasks_submitted),
      absl::StrCat("\"tasks_finished\": ", m.tasks_finished),
      absl::StrCat("\"tasks_failed\": ", m.tasks_failed),
      absl::StrCat("\"tasks_retried\": ", m.tasks_retried),
      absl::StrCat("\"objects_reconstructed\": ", m.objects_reconstructed),
      absl::StrCat("\"actors_restarted\": ", m.actors_restarted),
      absl::StrCat("\"objects_transferred\": ", m.objects_transferred),
      absl::StrCat("\"bytes_transferred\": ", m.bytes_transferred),
      absl::StrCat("\"leases_granted\": ", m.leases_granted),
      absl::StrCat("\"spillbacks\": ", m.spillbacks),
      absl::StrCat("\"workers_started\": ", m.workers_started),
      absl::StrCat("\"objects_evicted\": ", m.objects_evicted),
      absl::StrCat("\"actor_order_violations\": ", m.actor_order_violations),
      absl::StrCat("\"messages\": ", s.messages),
      absl::StrCat("\"network_bytes\": ", s.network_bytes),
      absl::StrCat("\"events\": ", s.events),
  };
  std::vector<std::string> faults;
  for (const std::string& line : s.faults) faults.push_back(JsonString(line));
  fields.push_back(absl::StrCat("\"faults\": [", absl::StrJoin(faults, ", "), "]"));
  return absl::StrCat("{", absl::StrJoin(fields, ", "), "}");
}

std::string SummaryToText(const RunSummary& s) {
  std::string text;
  if (s.error.empty()) {
    absl::StrAppend(&text, "result: ", s.result, "\n");
  } else {
    absl::StrAppend(&text, "error: ", s.error, "\n");
  }
  absl::StrAppendFormat(
      &text,
      "scenario %s, seed %d, %d nodes: makespan %s (virtual), %d tasks "
      "finished, %d retried, %s moved between nodes\n"
      "fingerprint %016x after %d events (%d messages)\n",
      s.scenario, s.seed, s.nodes, absl::FormatDuration(s.makespan),
      s.metrics.tasks_finished, s.metrics.tasks_retried,
      FormatBytes(s.metrics.bytes_transferred), s.fingerprint, s.events,
      s.messages);
  for (const std::string& line : s.faults) {
    absl::StrAppend(&text, "fault at ", line, "\n");
  }
  return text;
}

}  // namespace miniray
