// Proves that the run report is one self-contained page (no URL, no external
// script, style or image) with the summary table, the graph or the note
// explaining its absence, a timeline with a lane per worker, a bar per task
// run and a legend, and utilisation charts; that names are escaped; and that
// utilisation is the mean share of CPUs held per time bucket.
#include "src/report/html_report.h"

#include <regex>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "src/report/svg_util.h"
#include "src/report/timeline_svg.h"
#include "src/report/utilization.h"

namespace miniray {
namespace {

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

RunReport TwoNodeReport() {
  RunReport report;
  report.title = "demo <run>";
  report.outcome = "[0, 1]";
  report.facts = {{"makespan_s", "2.000000000", "time"},
                  {"tasks_finished", "3", "tasks"}};
  report.nodes = {{"head", 2}, {"worker-0", 4}};
  report.bars = {
      {.task = "0.0.1",
       .name = "sq<uare>",
       .node = 0,
       .worker = 1,
       .start_s = 0,
       .end_s = 1},
      {.task = "0.0.2",
       .name = "sq<uare>",
       .node = 1,
       .worker = 1,
       .start_s = 0.5,
       .end_s = 1.5,
       .outcome = TaskBar::Outcome::kInterrupted},
      {.task = "0.0.2",
       .name = "sq<uare>",
       .node = 1,
       .worker = 2,
       .start_s = 1.5,
       .end_s = 2,
       .attempt = 2,
       .cpus = 2},
  };
  report.marks = {{1.5, "worker-0: kill_node"}};
  report.end_s = 2;
  report.graph_note = "No task graph: dot is missing.";
  return report;
}

TEST(HtmlReportTest, PageIsSelfContained) {
  const std::string html = RenderHtmlReport(TwoNodeReport());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>"));
  EXPECT_FALSE(absl::StrContains(html, "http:"));
  EXPECT_FALSE(absl::StrContains(html, "https:"));
  EXPECT_FALSE(absl::StrContains(html, "<script src"));
  EXPECT_FALSE(absl::StrContains(html, "<link"));
  EXPECT_FALSE(absl::StrContains(html, "<img"));
  EXPECT_EQ(Count(html, "<svg"), Count(html, "</svg>"));
}

TEST(HtmlReportTest, ShowsSummaryGraphNoteTimelineAndUtilisation) {
  const std::string html = RenderHtmlReport(TwoNodeReport());
  EXPECT_TRUE(absl::StrContains(html, "<h1>demo &lt;run&gt;</h1>"));
  EXPECT_TRUE(absl::StrContains(html, "result: [0, 1]"));
  EXPECT_TRUE(absl::StrContains(
      html,
      "<td class=\"key\">makespan_s</td><td class=\"value\">2.000000000"));
  EXPECT_TRUE(absl::StrContains(html, "No task graph: dot is missing."));
  EXPECT_TRUE(absl::StrContains(html, "<h2>Timeline</h2>"));
  EXPECT_TRUE(absl::StrContains(html, "whole cluster (6 CPUs)"));
  EXPECT_TRUE(absl::StrContains(html, "head (2 CPUs)"));
  EXPECT_TRUE(absl::StrContains(html, "worker-0 (4 CPUs)"));
  EXPECT_TRUE(absl::StrContains(html, "CPUs busy (%)"));
  EXPECT_TRUE(absl::StrContains(html, "worker-0: kill_node"));
  EXPECT_FALSE(absl::StrContains(html, "sq<uare>"));
}

TEST(HtmlReportTest, TimelineHasALanePerWorkerABarPerRunAndALegend) {
  const std::string svg = TimelineSvg(TwoNodeReport());
  EXPECT_EQ(Count(svg, "class=\"lane\">worker "), 3);  // head 1, worker-0 1, 2
  EXPECT_EQ(Count(svg, "<title>"), 3);
  EXPECT_TRUE(absl::StrContains(svg, "sq&lt;uare&gt; 0.0.2, attempt 2"));
  EXPECT_TRUE(absl::StrContains(svg, "interrupted</title>"));
  EXPECT_TRUE(absl::StrContains(svg, "failed or cut short"));
  EXPECT_TRUE(
      absl::StrContains(svg, "simulated time since the program started (s)"));
  EXPECT_EQ(svg, TimelineSvg(TwoNodeReport())) << "not deterministic";
}

TEST(UtilizationTest, IsTheMeanShareOfCpusHeldPerBucket) {
  const RunReport report = TwoNodeReport();
  const std::vector<UtilizationSeries> series =
      NodeUtilization(report.nodes, report.bars, report.end_s, 4);
  ASSERT_EQ(series.size(), 2u);
  EXPECT_DOUBLE_EQ(series[0].bucket_s, 0.5);
  // head: one 1-CPU task of 2 CPUs during [0, 1).
  EXPECT_EQ(series[0].busy, (std::vector<double>{0.5, 0.5, 0, 0}));
  // worker-0: 1 CPU of 4 over [0.5, 1.5), then 2 CPUs over [1.5, 2).
  EXPECT_EQ(series[1].busy, (std::vector<double>{0, 0.25, 0.25, 0.5}));
  const UtilizationSeries cluster = ClusterUtilization(report.nodes, series);
  EXPECT_DOUBLE_EQ(cluster.busy[0], 1.0 / 6);
  EXPECT_DOUBLE_EQ(cluster.busy[3], 2.0 / 6);
}

TEST(SvgUtilTest, TicksAreRoundAndCoverTheRange) {
  EXPECT_EQ(Ticks(2.2, 5), (std::vector<double>{0, 0.5, 1, 1.5, 2, 2.5}));
  EXPECT_EQ(Ticks(100, 5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(Ticks(0), (std::vector<double>{0, 1}));
  EXPECT_EQ(FormatTick(2.5), "2.5");
  EXPECT_EQ(FormatTick(100), "100");
  EXPECT_STREQ(TimeUnitFor(0.25).name, "ms");
  EXPECT_EQ(EscapeXml("a<\"b\">&'"), "a&lt;&quot;b&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace miniray
