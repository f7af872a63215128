#include "src/dashboard/auth.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "src/common/constant_time.h"

namespace miniray {

std::string TokenFromHeaders(absl::string_view authorization,
                             absl::string_view cookie) {
  absl::string_view bearer = absl::StripAsciiWhitespace(authorization);
  if (absl::ConsumePrefix(&bearer, "Bearer ")) {
    return std::string(absl::StripAsciiWhitespace(bearer));
  }
  for (absl::string_view part : absl::StrSplit(cookie, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, "miniray_token=")) return std::string(part);
  }
  return "";
}

bool DashboardTokenMatches(absl::string_view given,
                           absl::string_view expected) {
  // A cluster without a token opted out of checks elsewhere; here an empty
  // token matches nothing.
  return !expected.empty() && ConstantTimeEquals(given, expected);
}

}  // namespace miniray
