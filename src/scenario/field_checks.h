// Checks of single values of a scenario (internal to the loader): that a
// duration, size or bandwidth string parses and has an acceptable sign, that a
// count is at least one, that resource amounts are valid. Each check reports
// to a Diagnostics under the field's path and lets the caller carry on.
//
//   FieldChecks check(&diagnostics);
//   check.Duration(path.Field("latency"), network.latency(),
//                  Sign::kNonNegative);
//   check.AtLeastOne(path.Field("count"), node.count());
#ifndef MINIRAY_SCENARIO_FIELD_CHECKS_H_
#define MINIRAY_SCENARIO_FIELD_CHECKS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/map.h"
#include "src/scenario/diagnostics.h"

namespace miniray::scenario {

// Resource name → amount, in name order.
using Resources = std::map<std::string, double>;

// Whether zero is acceptable for a quantity that is never negative.
enum class Sign { kNonNegative, kPositive, kAny };

// `text` in double quotes, with C escapes for quotes and unprintables.
std::string Quote(absl::string_view text);

// "{CPU: 4, GPU: 0.5}".
std::string FormatResources(const Resources& resources);

class FieldChecks {
 public:
  // `diagnostics` must outlive this object.
  explicit FieldChecks(Diagnostics* diagnostics) : diagnostics_(*diagnostics) {}

  void Error(const FieldPath& path, absl::string_view message) {
    diagnostics_.Error(path, message);
  }

  // The string checks pass an empty `text`: the field is unset. Duration
  // returns the value only when `text` is set and valid.
  std::optional<absl::Duration> Duration(const FieldPath& path,
                                         const std::string& text, Sign sign);
  void Bytes(const FieldPath& path, const std::string& text, Sign sign);
  void Bandwidth(const FieldPath& path, const std::string& text);

  void AtLeastOne(const FieldPath& path, uint64_t value);
  // `value` in [0, 1], or in [0, 1) when `one_allowed` is false.
  void Fraction(const FieldPath& path, double value, bool one_allowed);
  // Checks the map field `resources` of the message at `parent`: names are
  // non-empty and amounts finite and >= 0. Returns whether all are valid.
  bool ResourceAmounts(const FieldPath& parent,
                       const google::protobuf::Map<std::string, double>& map);

 private:
  Diagnostics& diagnostics_;
};

}  // namespace miniray::scenario

#endif  // MINIRAY_SCENARIO_FIELD_CHECKS_H_
