// Small helpers for drawing charts as SVG text: escaping, axis ticks, the
// unit of a time axis and a palette. Used by timeline_svg and
// utilization_svg; pure functions.
//
//   std::string label = EscapeXml("a < b");          // "a &lt; b"
//   TimeUnit unit = TimeUnitFor(0.25);              // ms: factor 1000
//   for (double t : Ticks(0.25 * unit.factor)) ...  // 0, 50, 100, ...
#ifndef MINIRAY_REPORT_SVG_UTIL_H_
#define MINIRAY_REPORT_SVG_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace miniray {

// Escapes &, <, >, " and ' for text and attribute values.
std::string EscapeXml(absl::string_view text);

// Round tick values (multiples of 1, 2 or 5 times a power of ten) from 0 to
// at least `max`, about `target` of them. `max` <= 0 gives {0, 1}.
std::vector<double> Ticks(double max, int target = 6);

// The unit to label a time axis that spans `span_s` seconds with.
struct TimeUnit {
  const char* name;  // "s", "ms" or "µs"
  double factor;     // seconds * factor = value in the unit
};
TimeUnit TimeUnitFor(double span_s);

// A tick label: "0", "2.5", "150".
std::string FormatTick(double value);

// A colour for the `index`-th category ("#4e79a7", ...), repeating after 10.
const char* PaletteColor(int index);

}  // namespace miniray

#endif  // MINIRAY_REPORT_SVG_UTIL_H_
