#include "src/report/timeline_svg.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/report/svg_util.h"

namespace miniray {
namespace {

constexpr int kLeft = 150;   // room for lane labels
constexpr int kTop = 44;     // room for the legend and mark labels
constexpr int kBottom = 50;  // room for the axis and its title
constexpr int kNamedColors = 8;
constexpr char kOtherColor[] = "#bab0ac";

const char* OutcomeName(TaskBar::Outcome outcome) {
  switch (outcome) {
    case TaskBar::Outcome::kFinished:
      return "finished";
    case TaskBar::Outcome::kFailed:
      return "failed";
    case TaskBar::Outcome::kInterrupted:
      return "interrupted";
    case TaskBar::Outcome::kRunning:
      return "still running";
  }
  return "";
}

// Function names in order of first appearance, the first eight coloured.
std::map<std::string, std::string> ColorsByName(
    const RunReport& report, std::vector<std::string>* named) {
  std::map<std::string, std::string> colors;
  for (const TaskBar& bar : report.bars) {
    if (colors.count(bar.name) > 0) continue;
    const int index = static_cast<int>(named->size());
    if (index < kNamedColors) {
      colors[bar.name] = PaletteColor(index);
      named->push_back(bar.name);
    } else {
      colors[bar.name] = kOtherColor;
    }
  }
  return colors;
}

struct Layout {
  std::map<std::pair<int, uint32_t>, int> lane_of;  // (node, worker) -> lane
  double lane_height = 18;
  double scale = 1;  // pixels per second
  TimeUnit unit{"s", 1};
  int plot_width = 0;
  int plot_height = 0;
};

Layout MakeLayout(const RunReport& report, const TimelineSvgOptions& options) {
  Layout layout;
  for (const TaskBar& bar : report.bars) layout.lane_of[{bar.node, bar.worker}];
  int lane = 0;
  for (auto& [key, index] : layout.lane_of) index = lane++;
  const int lanes = std::max(1, lane);
  layout.lane_height =
      std::clamp(static_cast<double>(options.max_height) / lanes, 3.0, 18.0);
  layout.plot_width = options.width - kLeft - 20;
  layout.plot_height = static_cast<int>(lanes * layout.lane_height);
  layout.unit = TimeUnitFor(report.end_s);
  layout.scale = report.end_s > 0 ? layout.plot_width / report.end_s : 1;
  return layout;
}

void DrawLanes(const RunReport& report, const Layout& layout,
               std::string* svg) {
  // A shaded band and a label per node; a label per lane when there is room.
  std::map<int, std::pair<int, int>> node_lanes;  // node -> [first, last]
  for (const auto& [key, lane] : layout.lane_of) {
    auto [it, inserted] = node_lanes.try_emplace(key.first, lane, lane);
    it->second.second = std::max(it->second.second, lane);
  }
  int band = 0;
  for (const auto& [node, range] : node_lanes) {
    const double y = kTop + range.first * layout.lane_height;
    const double h = (range.second - range.first + 1) * layout.lane_height;
    absl::StrAppendFormat(
        svg,
        "<rect x=\"0\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
        "fill=\"%s\"/>\n",
        y, kLeft + layout.plot_width, h,
        band++ % 2 == 0 ? "#f4f4f4" : "#ffffff");
    const std::string name = node < static_cast<int>(report.nodes.size())
                                 ? report.nodes[node].name
                                 : absl::StrCat("node ", node);
    absl::StrAppendFormat(svg,
                          "<text x=\"4\" y=\"%.1f\" class=\"node\">%s</text>\n",
                          y + std::min(h, 14.0) - 2, EscapeXml(name));
  }
  if (layout.lane_height < 12) return;
  for (const auto& [key, lane] : layout.lane_of) {
    absl::StrAppendFormat(
        svg, "<text x=\"%d\" y=\"%.1f\" class=\"lane\">worker %d</text>\n",
        kLeft - 6, kTop + (lane + 1) * layout.lane_height - 4, key.second);
  }
}

void DrawBars(const RunReport& report, const Layout& layout,
              const std::map<std::string, std::string>& colors, int max_bars,
              std::string* svg) {
  int drawn = 0;
  for (const TaskBar& bar : report.bars) {
    if (drawn++ >= max_bars) break;
    const int lane = layout.lane_of.at({bar.node, bar.worker});
    const double x = kLeft + bar.start_s * layout.scale;
    const double w = std::max(0.5, (bar.end_s - bar.start_s) * layout.scale);
    const double y = kTop + lane * layout.lane_height + 1;
    const double h = std::max(1.0, layout.lane_height - 2);
    std::string stroke;
    if (bar.outcome == TaskBar::Outcome::kFailed ||
        bar.outcome == TaskBar::Outcome::kInterrupted) {
      stroke = " stroke=\"#d62728\" stroke-width=\"2\"";
    } else if (bar.reconstruction) {
      stroke = " stroke=\"#7b2fbe\" stroke-width=\"2\"";
    }
    absl::StrAppendFormat(
        svg,
        "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
        "fill=\"%s\"%s><title>%s %s, attempt %d%s: %s to %s %s, %s</title>"
        "</rect>\n",
        x, y, w, h, colors.at(bar.name), stroke, EscapeXml(bar.name), bar.task,
        bar.attempt, bar.reconstruction ? " (rebuilding a lost object)" : "",
        FormatTick(bar.start_s * layout.unit.factor),
        FormatTick(bar.end_s * layout.unit.factor), layout.unit.name,
        OutcomeName(bar.outcome));
  }
}

void DrawAxisAndMarks(const RunReport& report, const Layout& layout,
                      std::string* svg) {
  const int axis_y = kTop + layout.plot_height;
  absl::StrAppendFormat(svg,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
                        "stroke=\"#333\"/>\n",
                        kLeft, axis_y, kLeft + layout.plot_width, axis_y);
  for (double tick : Ticks(report.end_s * layout.unit.factor)) {
    const double x = kLeft + tick / layout.unit.factor * layout.scale;
    if (x > kLeft + layout.plot_width + 1) break;
    absl::StrAppendFormat(svg,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                          "stroke=\"#ccc\"/><text x=\"%.1f\" y=\"%d\" "
                          "class=\"tick\">%s</text>\n",
                          x, kTop, x, axis_y + 4, x, axis_y + 16,
                          FormatTick(tick));
  }
  absl::StrAppendFormat(svg,
                        "<text x=\"%d\" y=\"%d\" class=\"axis\">%s time "
                        "since the program started (%s)</text>\n",
                        kLeft + layout.plot_width / 2, axis_y + 38,
                        report.real_time ? "wall-clock" : "simulated",
                        layout.unit.name);
  for (const TimeMark& mark : report.marks) {
    const double x = kLeft + mark.time_s * layout.scale;
    absl::StrAppendFormat(svg,
                          "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
                          "class=\"mark\"/><text x=\"%.1f\" y=\"%d\" "
                          "class=\"marklabel\">%s</text>\n",
                          x, kTop - 12, x, axis_y, x + 3, kTop - 4,
                          EscapeXml(mark.label));
  }
}

void DrawLegend(const std::vector<std::string>& named, bool has_other,
                std::string* svg) {
  double x = kLeft;
  auto item = [&](const std::string& fill, const std::string& stroke,
                  const std::string& label) {
    absl::StrAppendFormat(svg,
                          "<rect x=\"%.0f\" y=\"8\" width=\"12\" height=\"12\" "
                          "fill=\"%s\"%s/><text x=\"%.0f\" y=\"18\" "
                          "class=\"legend\">%s</text>\n",
                          x, fill, stroke, x + 16, EscapeXml(label));
    x += 28 + 7 * label.size();
  };
  for (size_t i = 0; i < named.size(); ++i) {
    item(PaletteColor(static_cast<int>(i)), "", named[i]);
  }
  if (has_other) item(kOtherColor, "", "other functions");
  item("#ffffff", " stroke=\"#d62728\" stroke-width=\"2\"",
       "failed or cut short");
  item("#ffffff", " stroke=\"#7b2fbe\" stroke-width=\"2\"", "rebuilding");
}

}  // namespace

std::string TimelineSvg(const RunReport& report,
                        const TimelineSvgOptions& options) {
  const Layout layout = MakeLayout(report, options);
  std::vector<std::string> named;
  const std::map<std::string, std::string> colors =
      ColorsByName(report, &named);
  const int height = kTop + layout.plot_height + kBottom;
  std::string svg = absl::StrFormat(
      "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
      "role=\"img\" aria-label=\"timeline of tasks per worker\">\n",
      options.width, height, options.width, height);
  DrawLanes(report, layout, &svg);
  DrawAxisAndMarks(report, layout, &svg);
  DrawBars(report, layout, colors, options.max_bars, &svg);
  DrawLegend(named, colors.size() > named.size(), &svg);
  if (static_cast<int>(report.bars.size()) > options.max_bars) {
    absl::StrAppendFormat(&svg,
                          "<text x=\"%d\" y=\"%d\" class=\"note\">only the "
                          "first %d of %d task runs are drawn</text>\n",
                          kLeft, height - 4, options.max_bars,
                          report.bars.size());
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace miniray
