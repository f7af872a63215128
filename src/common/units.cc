#include "src/common/units.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace miniray {
namespace {

// A unit's name and how many base units (nanoseconds, bytes, bytes per
// second) one of it is.
struct Unit {
  const char* name;
  long double scale;
};

constexpr Unit kDurationUnits[] = {
    {"ns", 1.0L}, {"us", 1e3L},     {"ms", 1e6L},
    {"s", 1e9L},  {"m", 60 * 1e9L}, {"h", 3600 * 1e9L},
};

constexpr long double kKi = 1024.0L;
constexpr Unit kByteUnits[] = {
    {"B", 1.0L},
    {"KB", 1e3L},
    {"kB", 1e3L},
    {"MB", 1e6L},
    {"GB", 1e9L},
    {"TB", 1e12L},
    {"PB", 1e15L},
    {"EB", 1e18L},
    {"KiB", kKi},
    {"MiB", kKi* kKi},
    {"GiB", kKi* kKi* kKi},
    {"TiB", kKi* kKi* kKi* kKi},
    {"PiB", kKi* kKi* kKi* kKi* kKi},
    {"EiB", kKi* kKi* kKi* kKi* kKi* kKi},
};

// Bits per second, expressed in bytes per second.
constexpr Unit kBitRateUnits[] = {
    {"bps", 1.0L / 8},  {"Kbps", 1e3L / 8}, {"kbps", 1e3L / 8},
    {"Mbps", 1e6L / 8}, {"Gbps", 1e9L / 8}, {"Tbps", 1e12L / 8},
};

// 2^63: the first magnitude an int64_t cannot hold.
constexpr long double kInt64Limit = 9223372036854775808.0L;

// A quantity as written: "-1.5KiB" is {value -1.5, unit "KiB"}.
struct Quantity {
  long double value;
  absl::string_view unit;  // Empty when the text is a bare number.
};

// Reads an optional sign, digits with an optional fraction, optional spaces
// and the rest as the unit. Returns false when there is no number. The value
// is computed digit by digit so that it does not depend on the C locale.
bool SplitQuantity(absl::string_view text, Quantity* out) {
  text = absl::StripAsciiWhitespace(text);
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  long double value = 0;
  int digits = 0;
  for (; i < text.size() && absl::ascii_isdigit(text[i]); ++i, ++digits) {
    value = value * 10 + (text[i] - '0');
  }
  if (i < text.size() && text[i] == '.') {
    long double place = 1;
    for (++i; i < text.size() && absl::ascii_isdigit(text[i]); ++i, ++digits) {
      place /= 10;
      value += place * (text[i] - '0');
    }
  }
  if (digits == 0) return false;
  out->value = negative ? -value : value;
  out->unit = absl::StripLeadingAsciiWhitespace(text.substr(i));
  return true;
}

// Returns the scale of `name` in `units`, or a negative number if absent.
template <size_t N>
long double FindScale(const Unit (&units)[N], absl::string_view name) {
  for (const Unit& unit : units) {
    if (name == unit.name) return unit.scale;
  }
  return -1;
}

std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CEscape(text), "\"");
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  Quantity quantity;
  long double scale = -1;
  if (SplitQuantity(text, &quantity)) {
    scale = quantity.unit.empty() && quantity.value == 0
                ? 1
                : FindScale(kDurationUnits, quantity.unit);
  }
  if (scale < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid duration ", Quote(text),
                     ": expected a number followed by ns, us, ms, s, m or h"));
  }
  const long double nanoseconds = std::roundl(quantity.value * scale);
  if (!(std::fabs(nanoseconds) < kInt64Limit)) {
    return absl::InvalidArgumentError(
        absl::StrCat("duration ", Quote(text),
                     " is out of range: durations are limited to about "
                     "292 years"));
  }
  return absl::Nanoseconds(static_cast<int64_t>(nanoseconds));
}

absl::StatusOr<int64_t> ParseBytes(absl::string_view text) {
  Quantity quantity;
  long double scale = -1;
  if (SplitQuantity(text, &quantity)) {
    scale = quantity.unit.empty() ? 1 : FindScale(kByteUnits, quantity.unit);
  }
  if (scale < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid size ", Quote(text),
        ": expected a number of bytes, optionally followed by B, KB, MB, GB, "
        "TB, PB, EB (powers of 1000) or KiB, MiB, GiB, TiB, PiB, EiB (powers "
        "of 1024)"));
  }
  const long double bytes = std::roundl(quantity.value * scale);
  if (!(std::fabs(bytes) < kInt64Limit)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "size ", Quote(text), " is out of range: sizes are limited to 8EiB"));
  }
  return static_cast<int64_t>(bytes);
}

absl::StatusOr<double> ParseBandwidth(absl::string_view text) {
  Quantity quantity;
  long double scale = -1;
  if (SplitQuantity(text, &quantity)) {
    absl::string_view unit = quantity.unit;
    if (absl::ConsumeSuffix(&unit, "/s")) {
      scale = FindScale(kByteUnits, unit);
    } else {
      scale = FindScale(kBitRateUnits, unit);
    }
  }
  if (scale < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid bandwidth ", Quote(text),
        ": expected a number followed by bps, Kbps, Mbps, Gbps or Tbps (bits "
        "per second), or by a size unit and \"/s\" such as B/s, MB/s or MiB/s "
        "(bytes per second)"));
  }
  const double bytes_per_second = static_cast<double>(quantity.value * scale);
  if (!(bytes_per_second > 0) || !std::isfinite(bytes_per_second)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bandwidth ", Quote(text), " must be positive and finite"));
  }
  return bytes_per_second;
}

std::string FormatBytes(int64_t bytes) {
  static constexpr const char* kUnitNames[] = {"B",   "KiB", "MiB", "GiB",
                                               "TiB", "PiB", "EiB"};
  constexpr int kLastUnit = 6;
  // The magnitude as a double: exact below 2^53 and, above, far more precise
  // than the three decimals printed.
  double magnitude = std::fabs(static_cast<double>(bytes));
  int unit = 0;
  while (unit < kLastUnit && magnitude >= 1024) {
    magnitude /= 1024;
    ++unit;
  }
  // Rounding to three decimals can reach the next unit: 2^30 - 1 bytes is
  // 1023.9999990MiB, which prints as "1GiB" rather than "1024MiB".
  double rounded = std::round(magnitude * 1000) / 1000;
  if (rounded >= 1024 && unit < kLastUnit) {
    rounded /= 1024;
    ++unit;
  }
  std::string number = absl::StrFormat("%.3f", rounded);
  number.erase(number.find_last_not_of('0') + 1);
  if (number.back() == '.') number.pop_back();
  return absl::StrCat(bytes < 0 ? "-" : "", number, kUnitNames[unit]);
}

}  // namespace miniray
