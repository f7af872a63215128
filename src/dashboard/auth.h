// Dashboard authentication: every request must carry the cluster token,
// either as `Authorization: Bearer <token>` or as the cookie
// `miniray_token=<token>` (which the page sets from a one-time `?token=`).
//
//   std::string given =
//   TokenFromHeaders(request.get_header_value("Authorization"),
//                                        request.get_header_value("Cookie"));
//   if (!DashboardTokenMatches(given, cluster_token)) ... answer 401
// (Unlike TokensEqual in grpc_listener.h, an empty token matches nothing.)
//
// Pure functions; thread-safe.
#ifndef MINIRAY_DASHBOARD_AUTH_H_
#define MINIRAY_DASHBOARD_AUTH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace miniray {

// The token a request offers: the Bearer token of `authorization` if there
// is one, else the value of the `miniray_token` cookie in `cookie`, else "".
std::string TokenFromHeaders(absl::string_view authorization,
                             absl::string_view cookie);

// Whether `given` equals `expected`, in time that depends only on their
// lengths (not on where they first differ). An empty `expected` matches
// nothing: a server without a token accepts no one.
bool DashboardTokenMatches(absl::string_view given, absl::string_view expected);

}  // namespace miniray

#endif  // MINIRAY_DASHBOARD_AUTH_H_
