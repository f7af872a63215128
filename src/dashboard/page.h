// DashboardPage: the dashboard's one HTML page, self-contained (inline CSS
// and JavaScript, no network but its own /api/), that polls the JSON API
// every second and draws nodes, actors, tasks, and the task graph.
//
//   response.set_content(DashboardPage(), "text/html; charset=utf-8");
//
// The page asks with the cookie the server set (see auth.h); a 401 shows
// the server's message. Thread-safe.
#ifndef MINIRAY_DASHBOARD_PAGE_H_
#define MINIRAY_DASHBOARD_PAGE_H_

#include <string>

namespace miniray {

const std::string& DashboardPage();

}  // namespace miniray

#endif  // MINIRAY_DASHBOARD_PAGE_H_
