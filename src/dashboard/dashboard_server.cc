#include "src/dashboard/dashboard_server.h"

#include <httplib.h>

#include <sys/socket.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/dashboard/auth.h"
#include "src/dashboard/page.h"
#include "src/report/graphviz.h"
#include "src/trace/dot_export.h"
#include "src/trace/timeline_export.h"

namespace miniray {
namespace {

constexpr char kUnauthorized[] =
    "401 Unauthorized: this miniray dashboard needs the cluster token, as the "
    "header \"Authorization: Bearer <token>\", the cookie miniray_token, or "
    "once as /?token=<token> (miniray local prints the URL with the token).\n";
constexpr int kProxyTimeoutSeconds = 3;
// How many live drivers the head asks for tasks, newest first.
constexpr size_t kDriversTriedMax = 3;

std::string DotOf(const DashboardSources& sources) {
  if (sources.trace == nullptr) return "";
  return ExportDot(*sources.trace,
                   DotOptions{.legend = false, .max_tasks = 500});
}

// The tasks in the GCS's table ("0" when this process has no GCS, or a
// trace of its own, which it serves instead).
std::string GcsTaskCount(const DashboardSources& sources) {
  if (sources.gcs == nullptr || sources.trace != nullptr) return "0";
  return std::to_string(sources.gcs->task_manager().size());
}

std::string TimelineOf(const DashboardSources& sources) {
  if (sources.trace == nullptr) return "{\"traceEvents\":[]}";
  return ExportTimeline(*sources.trace);
}

}  // namespace

DashboardServer::DashboardServer(EventLoop& loop, DashboardSources sources,
                                 Options options)
    : loop_(loop),
      sources_(sources),
      options_(std::move(options)),
      server_(std::make_unique<httplib::Server>()) {}

absl::StatusOr<std::unique_ptr<DashboardServer>> DashboardServer::Start(
    EventLoop& loop, DashboardSources sources, Options options) {
  std::unique_ptr<DashboardServer> server(
      new DashboardServer(loop, sources, std::move(options)));
  // httplib's default also sets SO_REUSEPORT, with which a second process
  // binds a port already taken and the kernel shares the requests out.
  server->server_->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->AddRoutes();
  const std::string& host = server->options_.host;
  if (server->options_.port == 0) {
    server->port_ = server->server_->bind_to_any_port(host);
  } else if (server->server_->bind_to_port(host, server->options_.port)) {
    server->port_ = server->options_.port;
  }
  if (server->port_ <= 0) {
    return absl::AlreadyExistsError(absl::StrCat(
        "the dashboard cannot listen on ", host, ":", server->options_.port));
  }
  httplib::Server* http = server->server_.get();
  server->thread_ = std::thread([http] { http->listen_after_bind(); });
  return server;
}

DashboardServer::~DashboardServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string DashboardServer::url() const {
  return absl::StrCat("http://", options_.host, ":", port_, "/");
}

bool DashboardServer::Authorize(const httplib::Request& request,
                                httplib::Response& response) {
  if (options_.insecure_no_token) return true;
  if (request.path == "/" && request.has_param("token")) {
    if (DashboardTokenMatches(request.get_param_value("token"),
                              options_.token)) {
      response.set_header("Set-Cookie",
                          absl::StrCat("miniray_token=", options_.token,
                                       "; Path=/; HttpOnly; SameSite=Strict"));
      response.set_redirect("/");
      return false;  // the redirect is the answer
    }
  }
  const std::string given =
      TokenFromHeaders(request.get_header_value("Authorization"),
                       request.get_header_value("Cookie"));
  if (DashboardTokenMatches(given, options_.token)) return true;
  response.status = 401;
  response.set_header("WWW-Authenticate", "Bearer realm=\"miniray\"");
  response.set_content(kUnauthorized, "text/plain; charset=utf-8");
  return false;
}

std::string DashboardServer::OnLoop(
    std::string (*view)(const DashboardSources&)) {
  std::string out;
  loop_.RunAndWait([&] {
    if (sources_.before_read) sources_.before_read();
    out = view(sources_);
  });
  return out;
}

void DashboardServer::AddRoutes() {
  server_->set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        return Authorize(request, response)
                   ? httplib::Server::HandlerResponse::Unhandled
                   : httplib::Server::HandlerResponse::Handled;
      });
  server_->Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(DashboardPage(), "text/html; charset=utf-8");
  });
  auto json = [this](std::string (*view)(const DashboardSources&)) {
    return [this, view](const httplib::Request&, httplib::Response& response) {
      response.set_content(OnLoop(view), "application/json");
    };
  };
  server_->Get("/api/nodes", json(&NodesJson));
  server_->Get("/api/actors", json(&ActorsJson));
  server_->Get("/api/tasks", [this](const httplib::Request&,
                                    httplib::Response& response) {
    // The head's GCS knows every owner's tasks once they reported some;
    // the driver's process knows its own before that.
    if (OnLoop(&GcsTaskCount) != "0") {
      response.set_content(OnLoop(&TasksJson), "application/json");
      return;
    }
    ServeTaskView("/api/tasks", response, [this](httplib::Response& r) {
      r.set_content(OnLoop(&TasksJson), "application/json");
    });
  });
  server_->Get("/api/graph.svg",
               [this](const httplib::Request&, httplib::Response& response) {
                 ServeTaskView("/api/graph.svg", response,
                               [this](httplib::Response& r) { ServeGraph(r); });
               });
  server_->Get("/api/timeline.json", [this](const httplib::Request&,
                                            httplib::Response& response) {
    ServeTaskView("/api/timeline.json", response,
                  [this](httplib::Response& r) { ServeTimeline(r); });
  });
  server_->Get(
      "/metrics", [this](const httplib::Request&, httplib::Response& response) {
        // This process's own metrics only: the driver's (tasks, scheduling
        // latency) are on its own port, as each node's are; a scraper takes
        // every target, as with Ray's per-node metrics agents.
        response.set_content(OnLoop(&MetricsText),
                             "text/plain; version=0.0.4; charset=utf-8");
      });
}

std::vector<std::string> DashboardServer::TasksSources() {
  if (!options_.tasks_from.empty()) return {options_.tasks_from};
  std::vector<std::string> addresses;
  if (sources_.gcs == nullptr || sources_.trace != nullptr) return addresses;
  loop_.RunAndWait([&] {
    // Node ids grow with registration: the last match is the latest driver.
    const std::vector<rpc::NodeInfo>& nodes = sources_.gcs->nodes();
    for (auto node = nodes.rbegin(); node != nodes.rend(); ++node) {
      if (node->alive() && node->has_driver() &&
          !node->http_address().empty() &&
          addresses.size() < kDriversTriedMax) {
        addresses.push_back(node->http_address());
      }
    }
  });
  return addresses;
}

void DashboardServer::ServeTaskView(
    const std::string& path, httplib::Response& response,
    const std::function<void(httplib::Response&)>& local) {
  const std::vector<std::string> drivers = TasksSources();
  if (drivers.empty()) {
    local(response);
    return;
  }
  // A driver that just ended stays "alive" until the GCS misses its
  // heartbeats: the next latest one is asked then.
  std::string errors;
  for (const std::string& driver : drivers) {
    std::pair<std::string, std::string> host_port =
        absl::StrSplit(driver, absl::MaxSplits(':', 1));
    int port = 0;
    if (!absl::SimpleAtoi(host_port.second, &port)) port = 0;
    httplib::Client client(host_port.first, port);
    client.set_connection_timeout(kProxyTimeoutSeconds, 0);
    client.set_read_timeout(kProxyTimeoutSeconds * 4, 0);
    httplib::Result result = client.Get(
        path.c_str(), {{"Authorization", "Bearer " + options_.token}});
    if (result) {
      response.status = result->status;
      response.set_content(result->body,
                           result->get_header_value("Content-Type").c_str());
      return;
    }
    absl::StrAppend(&errors, errors.empty() ? "" : ", ", driver, " (",
                    httplib::to_string(result.error()), ")");
  }
  response.status = 503;
  response.set_content(
      absl::StrCat("503: tasks are known to the driver, whose dashboard "
                   "endpoint does not answer: ",
                   errors, "\n"),
      "text/plain");
}

void DashboardServer::ServeGraph(httplib::Response& response) {
  const std::string dot = OnLoop(&DotOf);
  if (dot.empty()) {
    response.set_content("<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                         "image/svg+xml");
    return;
  }
  // Graphviz runs here, on the HTTP thread: the loop is not held up.
  absl::StatusOr<std::string> svg = RenderDotToSvg(dot);
  if (!svg.ok()) {
    response.status = 503;
    response.set_content(std::string(svg.status().message()), "text/plain");
    return;
  }
  // Inline SVG lacks the namespace a standalone document needs.
  std::string document = *svg;
  if (document.rfind("<svg", 0) == 0 &&
      document.find("xmlns") == std::string::npos) {
    document.insert(4, " xmlns=\"http://www.w3.org/2000/svg\"");
  }
  response.set_content(document, "image/svg+xml");
}

void DashboardServer::ServeTimeline(httplib::Response& response) {
  response.set_content(OnLoop(&TimelineOf), "application/json");
  response.set_header("Content-Disposition",
                      "attachment; filename=\"timeline.json\"");
}

}  // namespace miniray
