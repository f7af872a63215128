// The exit statuses of the `miniray` command, shared by its subcommands:
// 0 when a run met its scenario's `expect` block, 1 when it did not (or a
// command failed), 2 for bad input.
//
//   const RunSummary summary = cluster.Run();
//   return ExitStatusFor(path, scenario.expect(), summary);
#ifndef MINIRAY_CLI_EXIT_STATUS_H_
#define MINIRAY_CLI_EXIT_STATUS_H_

#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "src/proto/scenario.pb.h"
#include "src/sim/run_summary.h"

namespace miniray {

constexpr int kExitExpectationFailed = 1;
constexpr int kExitBadInput = 2;

// Checks `summary` against `expect`; says why on stderr when it fails.
inline int ExitStatusFor(const std::string& path,
                         const scenario::Expect& expect,
                         const RunSummary& summary) {
  const absl::Status check = CheckExpectations(expect, summary);
  if (check.ok()) return 0;
  std::cerr << "miniray: " << path << ": expectation failed: "
            << check.message() << "\n";
  return kExitExpectationFailed;
}

}  // namespace miniray

#endif  // MINIRAY_CLI_EXIT_STATUS_H_
