#include "src/dashboard/auth.h"

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

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
  if (expected.empty()) return false;
  // Touch every byte of `given` whatever its contents; the length is not a
  // secret worth hiding (tokens have a fixed length).
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i]) ^
                  static_cast<unsigned char>(expected[i % expected.size()]);
  }
  return difference == 0;
}

}  // namespace miniray
