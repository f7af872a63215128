// Dashboard views: what the dashboard shows, as JSON for its page and as
// Prometheus text for /metrics, built from the components of one process.
//
//   DashboardSources sources{.gcs = gcs, .raylet = raylet, .trace = trace,
//                            .metrics = &metrics, .clock = &clock};
//   loop.RunAndWait([&] { json = NodesJson(sources); });
//
// Which process knows what: the GCS (on the head) knows nodes, heartbeats
// and actors; a raylet knows its own object store; a driver's owner-side
// trace knows the tasks it submitted. A null source is left out (its JSON
// list is empty, its metrics are absent).
//
// Threading: every function reads component state, so it must run on the
// components' event loop (never on the HTTP server's threads).
#ifndef MINIRAY_DASHBOARD_VIEWS_H_
#define MINIRAY_DASHBOARD_VIEWS_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "src/common/metrics.h"
#include "src/gcs/gcs_server.h"
#include "src/raylet/raylet.h"
#include "src/runtime/clock.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

struct DashboardSources {
  const GcsServer* gcs = nullptr;
  Raylet* raylet = nullptr;
  const TraceRecorder* trace = nullptr;
  const Metrics* metrics = nullptr;
  Clock* clock = nullptr;  // for heartbeat ages; required with gcs
  // Runs on the loop before each read (e.g. to name the trace's nodes).
  std::function<void()> before_read;
};

// {"nodes":[{"id","name","address","alive","heartbeat_age_s","total":{..},
//  "available":{..},"store_capacity_bytes","store_used_bytes","cpu_percent",
//  "rss_bytes","host_cpu_percent","host_memory_total_bytes",
//  "host_memory_available_bytes" (-1: unknown),"http_address"}]}
std::string NodesJson(const DashboardSources& sources);
// {"actors":[{"id","class","name","state","node","address","restarts",
//  "death"}]}
std::string ActorsJson(const DashboardSources& sources);
// {"counts":{"pending","running","finished","failed","retried"},
//  "tasks":[{"id","name","kind","state","node","attempts","error",
//  "submitted_s","started_s","finished_s","parent"}]} (times since the first
// task). From the trace if there is one, else from the GCS's task table
// (every owner's tasks; the head of a real cluster), else empty.
std::string TasksJson(const DashboardSources& sources);
// The Prometheus page (see docs/observability.md for the list).
std::string MetricsText(const DashboardSources& sources);

// `value` as a JSON string literal, quotes included.
std::string JsonQuote(absl::string_view value);

}  // namespace miniray

#endif  // MINIRAY_DASHBOARD_VIEWS_H_
