// Parsing and printing of the human-readable quantities used in scenario files
// and flags: durations ("250ms"), sizes ("64MiB") and bandwidths ("10Gbps").
//
// Every parser accepts a number with an optional sign and fraction, optionally
// followed by spaces, then a unit; surrounding whitespace is ignored. Numbers
// in exponent form, "inf" and "nan" are rejected. Errors are InvalidArgument
// with a message that quotes the text and lists the accepted units, so callers
// can prefix it with where the text came from and show it as is.
//
//   ASSIGN_OR_RETURN(absl::Duration latency, ParseDuration("100us"));
//   ASSIGN_OR_RETURN(int64_t capacity_bytes, ParseBytes("1GiB"));
//   ASSIGN_OR_RETURN(double bytes_per_second, ParseBandwidth("10Gbps"));
//   std::cout << FormatBytes(capacity_bytes);  // "1GiB"
//
// All functions are pure and thread-safe.
#ifndef MINIRAY_COMMON_UNITS_H_
#define MINIRAY_COMMON_UNITS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace miniray {

// Parses a duration: a number followed by one of ns, us, ms, s, m (minutes) or
// h, e.g. "250ms", "1.5h", "-1s". The bare number 0 needs no unit. Negative
// values are returned as such so that callers can report them in context.
// The result is rounded to whole nanoseconds. Empty text, an unknown unit or a
// value beyond about 292 years is an error.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

// Parses a size in bytes: a number followed by B, KB, MB, GB, TB, PB, EB
// (powers of 1000; "kB" is accepted too) or KiB, MiB, GiB, TiB, PiB, EiB
// (powers of 1024). A bare number is a count of bytes. The result is rounded
// to whole bytes, e.g. "1.5KiB" is 1536. Negative values are returned as such.
// Empty text, an unknown unit or a value that does not fit an int64_t is an
// error.
absl::StatusOr<int64_t> ParseBytes(absl::string_view text);

// Parses a bandwidth and returns it in bytes per second. Accepts bits per
// second: bps, Kbps, Mbps, Gbps, Tbps (powers of 1000; "kbps" too), e.g.
// "10Gbps" is 1.25e9; or bytes per second: any unit of ParseBytes followed by
// "/s", e.g. "1GB/s", "500MiB/s", "100B/s". A bandwidth that is not positive
// is an error.
absl::StatusOr<double> ParseBandwidth(absl::string_view text);

// Formats a size with the largest binary unit (B, KiB, MiB, GiB, TiB, PiB,
// EiB) it reaches, with at most three decimals and no trailing zeros:
// 512 -> "512B", 1536 -> "1.5KiB", 1 << 30 -> "1GiB", -2048 -> "-2KiB".
// ParseBytes reads the result back, exactly when it has no decimals.
std::string FormatBytes(int64_t bytes);

}  // namespace miniray

#endif  // MINIRAY_COMMON_UNITS_H_
