#include "src/scenario/field_checks.h"

#include <cmath>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/common/units.h"

namespace miniray::scenario {

std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

std::string FormatResources(const Resources& resources) {
  return absl::StrCat(
      "{",
      absl::StrJoin(resources, ", ",
                    absl::PairFormatter(absl::AlphaNumFormatter(), ": ",
                                        absl::AlphaNumFormatter())),
      "}");
}

std::optional<absl::Duration> FieldChecks::Duration(const FieldPath& path,
                                                    const std::string& text,
                                                    Sign sign) {
  if (text.empty()) return std::nullopt;
  absl::StatusOr<absl::Duration> duration = ParseDuration(text);
  if (!duration.ok()) {
    Error(path, duration.status().message());
    return std::nullopt;
  }
  if (sign != Sign::kAny && *duration < absl::ZeroDuration()) {
    Error(path, absl::StrCat("must not be negative, got ", Quote(text)));
    return std::nullopt;
  }
  if (sign == Sign::kPositive && *duration == absl::ZeroDuration()) {
    Error(path, absl::StrCat("must be positive, got ", Quote(text)));
    return std::nullopt;
  }
  return *duration;
}

void FieldChecks::Bytes(const FieldPath& path, const std::string& text,
                        Sign sign) {
  if (text.empty()) return;
  absl::StatusOr<int64_t> bytes = ParseBytes(text);
  if (!bytes.ok()) {
    Error(path, bytes.status().message());
  } else if (*bytes < 0) {
    Error(path, absl::StrCat("must not be negative, got ", Quote(text)));
  } else if (sign == Sign::kPositive && *bytes == 0) {
    Error(path, absl::StrCat("must be positive, got ", Quote(text)));
  }
}

void FieldChecks::Bandwidth(const FieldPath& path, const std::string& text) {
  if (text.empty()) return;
  absl::StatusOr<double> bandwidth = ParseBandwidth(text);
  if (!bandwidth.ok()) Error(path, bandwidth.status().message());
}

void FieldChecks::AtLeastOne(const FieldPath& path, uint64_t value) {
  if (value < 1) Error(path, absl::StrCat("must be at least 1, got ", value));
}

void FieldChecks::Fraction(const FieldPath& path, double value,
                           bool one_allowed) {
  // Written so that NaN fails.
  const bool ok = value >= 0 && (one_allowed ? value <= 1 : value < 1);
  if (!ok) {
    Error(path, absl::StrCat("must be in [0, 1", one_allowed ? "]" : ")",
                             ", got ", value));
  }
}

bool FieldChecks::ResourceAmounts(
    const FieldPath& parent,
    const google::protobuf::Map<std::string, double>& map) {
  bool ok = true;
  // Sorted, so that errors come out in the same order on every run.
  for (const auto& [name, amount] : Resources(map.begin(), map.end())) {
    const FieldPath path = parent.MapEntry("resources", name);
    if (name.empty()) {
      Error(path, "a resource needs a name, such as \"CPU\"");
      ok = false;
    }
    if (!std::isfinite(amount) || amount < 0) {
      Error(path, absl::StrCat("must be a finite number >= 0, got ", amount));
      ok = false;
    }
  }
  return ok;
}

}  // namespace miniray::scenario
