// Swarm testing: one scenario under many seeds, each with its own random
// fault schedule, and invariants checked after every run.
//
//   FuzzReport report = Fuzz(scenario, {.seeds = 200});
//   for (const FuzzFailure& f : report.failures) ...   // replay: f.seed
//
// First the scenario runs once without faults, which gives the expected
// result. Then each seed draws (from that seed only) a subset of the fault
// kinds (swarm testing) and up to `max_faults` faults of those kinds at
// random times within the fault-free makespan, and runs. A scenario may
// narrow the kinds and set max_faults in its `fuzz` block. After each run:
//   - the run ended: the program finished or failed, it did not hang;
//   - a program that finished returned the fault-free result, unless an
//     actor was restarted (its constructor rebuilt its state);
//   - a program that failed did so for a reason the faults explain: an actor
//     that died with no restarts left, a worker that died more often than
//     its retries allow, or a Put object lost with its node; an object made
//     by a task must be rebuilt, never reported lost (so no object was freed
//     while referenced);
//   - no actor ran a caller's calls out of order (each hosted actor checks
//     the sequence numbers it runs);
//   - no task ran more often than its retry budget allows.
// The same seed always draws the same faults, so a failure replays with
// `miniray fuzz FILE --seed=S --seeds=1`.
#ifndef MINIRAY_SIM_FUZZ_H_
#define MINIRAY_SIM_FUZZ_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "src/proto/scenario.pb.h"
#include "src/sim/run_summary.h"

namespace miniray {

struct FuzzOptions {
  int seeds = 100;
  uint64_t first_seed = 1;
  // -1: the scenario's fuzz.max_faults, else 2.
  int max_faults = -1;
  // Plants a bug the invariants must catch (for testing the fuzzer).
  bool disable_reconstruction = false;
};

struct FuzzFailure {
  uint64_t seed = 0;
  std::string violation;
  std::string faults;  // the schedule, readable
};

struct FuzzReport {
  std::string baseline_result;
  int max_faults = 0;  // as resolved from the options and the scenario
  int runs = 0;
  int runs_with_faults = 0;
  int programs_failed = 0;  // failed for a reason the faults explain
  std::vector<FuzzFailure> failures;
};

// The scenario with its own faults replaced by a random schedule drawn
// from `seed`: up to `max_faults` faults within `horizon`.
scenario::Scenario WithRandomFaults(const scenario::Scenario& scenario,
                                    uint64_t seed, absl::Duration horizon,
                                    int max_faults);

// The invariant `summary` breaks, or "" if none.
std::string CheckInvariants(const RunSummary& summary,
                            const std::string& baseline_result,
                            bool had_faults);

// `on_run`, if set, is called after each seed's run with the report so far
// (for progress).
FuzzReport Fuzz(const scenario::Scenario& scenario, const FuzzOptions& options,
                const std::function<void(uint64_t seed, const FuzzReport&)>&
                    on_run = nullptr);

}  // namespace miniray

#endif  // MINIRAY_SIM_FUZZ_H_
