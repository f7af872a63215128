// DashboardServer: an HTTP server (cpp-httplib, on threads of its own) that
// serves one process's view of the cluster: the dashboard page and its JSON
// API, and Prometheus /metrics. See docs/observability.md.
//
//   DashboardServer::Options options{.port = 8265, .token = token};
//   absl::StatusOr<std::unique_ptr<DashboardServer>> server =
//       DashboardServer::Start(loop, sources, options);
//   std::cerr << "dashboard at " << (*server)->url() << "\n";
//
// Routes (all need the cluster token, unless the cluster has none; see
// auth.h; 401 otherwise):
//   /                 the page (`/?token=T` sets the cookie and redirects)
//   /api/nodes        NodesJson        /api/actors      ActorsJson
//   /api/tasks        TasksJson        /api/graph.svg   `dot -Tsvg` of
//   ExportDot /api/timeline.json  ExportTimeline (Chrome trace JSON) /metrics
//   MetricsText
// Tasks: on the head, once owners reported some to the GCS's task table
// (src/gcs/task_manager.h), /api/tasks lists them all, nested ones too.
// Before that, and for the graph and the timeline, tasks are known to the
// driver's process: with
// `tasks_from` set, or else on the head (sources.gcs set, no trace) when a
// live node registered has_driver with an HTTP address (the latest such),
// /api/tasks, /api/graph.svg and /api/timeline.json are fetched from that
// server (the next latest if it does not answer). Without either, they are
// served from sources.trace (or empty).
//
// Threading: handlers run on httplib's threads and never touch components:
// they read through `sources` only inside EventLoop::RunAndWait. Destroy
// the server before stopping the loop (the destructor stops and joins the
// HTTP threads).
#ifndef MINIRAY_DASHBOARD_DASHBOARD_SERVER_H_
#define MINIRAY_DASHBOARD_DASHBOARD_SERVER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "src/dashboard/views.h"
#include "src/runtime/real/event_loop.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace miniray {

class DashboardServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    // 0 picks a free port (see port()).
    int port = 8265;
    // The cluster token. Empty: every request is refused, unless
    // insecure_no_token (a `--no-token` cluster, loopback only).
    std::string token;
    bool insecure_no_token = false;
    // host:port of another DashboardServer to take task views from; "":
    // the latest live driver the GCS knows of (on the head), else this
    // process's own trace.
    std::string tasks_from;
  };

  // Binds and starts serving. AlreadyExists if the port is taken.
  static absl::StatusOr<std::unique_ptr<DashboardServer>> Start(
      EventLoop& loop, DashboardSources sources, Options options);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  int port() const { return port_; }
  // The raylet whose store the views show, once it exists (a node binds
  // its HTTP port before its raylet registers that port). On the loop.
  void SetRaylet(Raylet* raylet) { sources_.raylet = raylet; }
  // "http://host:port/".
  std::string url() const;

 private:
  DashboardServer(EventLoop& loop, DashboardSources sources, Options options);
  void AddRoutes();
  // Answers 401 (or the cookie redirect) unless the request is authorized.
  bool Authorize(const httplib::Request& request, httplib::Response& response);
  // Runs `view(sources_)` on the loop; "" if the loop has stopped.
  std::string OnLoop(std::string (*view)(const DashboardSources&));
  // Where task views come from (see above), to be tried in order; none:
  // this process.
  std::vector<std::string> TasksSources();
  // Serves `path` from the first of TasksSources() that answers, else
  // (none) via `local`.
  void ServeTaskView(const std::string& path, httplib::Response& response,
                     const std::function<void(httplib::Response&)>& local);
  void ServeGraph(httplib::Response& response);
  void ServeTimeline(httplib::Response& response);

  EventLoop& loop_;
  DashboardSources sources_;  // read and set on the loop only
  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace miniray

#endif  // MINIRAY_DASHBOARD_DASHBOARD_SERVER_H_
