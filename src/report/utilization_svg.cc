#include "src/report/utilization_svg.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/report/svg_util.h"

namespace miniray {
namespace {

struct Frame {
  int left, top, width, height;
  double end_s, max_percent;
  double X(double t) const {
    return left + (end_s > 0 ? t / end_s : 0) * width;
  }
  double Y(double percent) const {
    return top + height - percent / max_percent * height;
  }
};

void DrawAxes(const Frame& f, const UtilizationSvgOptions& options,
              std::string* svg) {
  const TimeUnit unit = TimeUnitFor(f.end_s);
  const std::vector<double> x_ticks =
      Ticks(f.end_s * unit.factor, options.small ? 3 : 8);
  for (double tick : x_ticks) {
    const double x = f.X(tick / unit.factor);
    if (x > f.left + f.width + 1) break;
    absl::StrAppendFormat(svg,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                          "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%d\" "
                          "class=\"tick\">%s</text>\n",
                          x, f.top, x, f.top + f.height + 4, x,
                          f.top + f.height + 16, FormatTick(tick));
  }
  const std::vector<double> y_ticks =
      options.small ? std::vector<double>{0, 100} : Ticks(f.max_percent, 5);
  for (double tick : y_ticks) {
    if (tick > f.max_percent + 1e-9) break;
    absl::StrAppendFormat(svg,
                          "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
                          "stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" "
                          "class=\"ytick\">%s%%</text>\n",
                          f.left - 4, f.Y(tick), f.left + f.width, f.Y(tick),
                          f.left - 6, f.Y(tick) + 4, FormatTick(tick));
  }
  absl::StrAppendFormat(svg,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                        "fill=\"none\" stroke=\"#333\"/>\n",
                        f.left, f.top, f.width, f.height);
  absl::StrAppendFormat(svg,
                        "<text x=\"%d\" y=\"%d\" class=\"axis\">%s time "
                        "(%s)</text>\n",
                        f.left + f.width / 2, f.top + f.height + 32,
                        options.real_time ? "wall-clock" : "simulated",
                        unit.name);
  if (!options.small) {
    absl::StrAppendFormat(svg,
                          "<text x=\"14\" y=\"%d\" class=\"axis\" "
                          "transform=\"rotate(-90 14 %d)\">CPUs busy (%%)"
                          "</text>\n",
                          f.top + f.height / 2, f.top + f.height / 2);
  }
}

}  // namespace

std::string UtilizationSvg(const std::string& title,
                           const UtilizationSeries& series, double end_s,
                           const std::vector<TimeMark>& marks,
                           const UtilizationSvgOptions& options) {
  double peak = 0;
  for (double busy : series.busy) peak = std::max(peak, busy * 100);
  Frame f;
  f.left = options.small ? 44 : 70;
  f.top = 26;
  f.width = options.width - f.left - 16;
  f.height = options.height - f.top - 40;
  f.end_s = end_s;
  f.max_percent = std::max(100.0, peak);
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "role=\"img\" aria-label=\"%s\">\n",
      options.width, options.height, options.width, options.height,
      EscapeXml(title));
  absl::StrAppendFormat(
      &svg, "<text x=\"%d\" y=\"16\" class=\"%s\">%s</text>\n", f.left,
      options.small ? "smalltitle" : "title", EscapeXml(title));
  DrawAxes(f, options, &svg);
  // A step-shaped area: each bucket is flat at its mean.
  std::string points = absl::StrFormat("%.1f,%.1f", f.X(0), f.Y(0));
  for (size_t i = 0; i < series.busy.size(); ++i) {
    const double y = f.Y(series.busy[i] * 100);
    absl::StrAppendFormat(&points, " %.1f,%.1f %.1f,%.1f",
                          f.X(i * series.bucket_s), y,
                          f.X((i + 1) * series.bucket_s), y);
  }
  absl::StrAppendFormat(&points, " %.1f,%.1f", f.X(end_s), f.Y(0));
  absl::StrAppendFormat(&svg,
                        "<polygon points=\"%s\" fill=\"#4e79a7\" "
                        "fill-opacity=\"0.35\" stroke=\"#4e79a7\" "
                        "stroke-width=\"1.5\"/>\n",
                        points);
  for (const TimeMark& mark : marks) {
    absl::StrAppendFormat(&svg,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                          "class=\"mark\"><title>%s</title></line>\n",
                          f.X(mark.time_s), f.top, f.X(mark.time_s),
                          f.top + f.height, EscapeXml(mark.label));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace miniray
