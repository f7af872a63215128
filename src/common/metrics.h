// Metrics: counters of what the system did, for summaries and tests.
//
// Components add to the counters of the Metrics they were given. In the
// simulator all components of a cluster share one Metrics, so the counters
// are cluster-wide; in the real runtime each process has its own.
// Not thread-safe: one event loop updates it.
#ifndef MINIRAY_COMMON_METRICS_H_
#define MINIRAY_COMMON_METRICS_H_

#include <cstdint>

namespace miniray {

struct Metrics {
  uint64_t tasks_submitted = 0;
  uint64_t tasks_finished = 0;   // ran to the end, with a value or an error
  uint64_t tasks_failed = 0;     // ended with an error (application or system)
  uint64_t tasks_retried = 0;
  uint64_t objects_reconstructed = 0;
  uint64_t actors_restarted = 0;
  uint64_t objects_transferred = 0;  // copies pulled between nodes
  uint64_t bytes_transferred = 0;    // object bytes pulled between nodes
  uint64_t leases_granted = 0;
  uint64_t spillbacks = 0;
  uint64_t workers_started = 0;
  uint64_t objects_evicted = 0;
  // Actor method calls that ran before an earlier call of the same caller
  // (a bug if ever non-zero; the fuzzer checks it).
  uint64_t actor_order_violations = 0;
};

}  // namespace miniray

#endif  // MINIRAY_COMMON_METRICS_H_
