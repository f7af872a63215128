// RunSummary: what a scenario run produced, its checks and its JSON form.
#ifndef MINIRAY_SIM_RUN_SUMMARY_H_
#define MINIRAY_SIM_RUN_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "src/common/metrics.h"
#include "src/proto/scenario.pb.h"

namespace miniray {

struct RunSummary {
  std::string scenario;
  uint64_t seed = 0;
  int nodes = 0;
  // True if the program returned; `result` is then its result.
  bool finished = false;
  std::string result;
  // Why the program failed, or did not finish; empty if it succeeded.
  std::string error;
  absl::Duration makespan;  // virtual time from start to the program's end
  uint64_t fingerprint = 0;
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t network_bytes = 0;
  Metrics metrics;
  // What the injected faults did, one line each ("1.5s: killed node n2").
  std::vector<std::string> faults;
};

// Checks the scenario's `expect` block against the run. With no
// `error_contains`, a failed program fails the check.
absl::Status CheckExpectations(const scenario::Expect& expect,
                               const RunSummary& summary);

// One JSON object; see DESIGN.md for the fields.
std::string SummaryToJson(const RunSummary& summary);

// A few human-readable lines.
std::string SummaryToText(const RunSummary& summary);

}  // namespace miniray

#endif  // MINIRAY_SIM_RUN_SUMMARY_H_
