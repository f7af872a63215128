#include "src/report/svg_util.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace miniray {

std::string EscapeXml(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<double> Ticks(double max, int target) {
  if (!(max > 0) || !std::isfinite(max)) return {0, 1};
  const double rough = max / std::max(1, target);
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  double step = power;
  for (double multiple : {1.0, 2.0, 5.0, 10.0}) {
    step = multiple * power;
    if (step >= rough) break;
  }
  std::vector<double> ticks;
  for (int i = 0; i <= target * 3; ++i) {
    ticks.push_back(i * step);
    if (i * step >= max * (1 - 1e-9)) break;
  }
  return ticks;
}

TimeUnit TimeUnitFor(double span_s) {
  if (span_s >= 2) return {"s", 1};
  if (span_s >= 0.002) return {"ms", 1e3};
  return {"µs", 1e6};
}

std::string FormatTick(double value) {
  std::string text = absl::StrFormat("%.4f", value);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

const char* PaletteColor(int index) {
  // Tableau 10: distinct, and readable by most colour-blind people.
  static const char* const kColors[] = {
      "#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948",
      "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#e15759"};
  return kColors[((index % 10) + 10) % 10];
}

}  // namespace miniray
