// Proves that the report of a simulated run carries exactly the facts of
// `miniray sim --json`, in order; inlines the Graphviz task graph without
// URLs (or says that dot is missing); and draws a bar for every task run.
#include "src/report/sim_report.h"

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "src/report/graphviz.h"
#include "src/report/html_report.h"
#include "src/scenario/loader.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

class SimReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<scenario::Scenario> loaded =
        scenario::LoadScenarioFile("scenarios/square_map.textproto");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    scenario_ = *loaded;
    cluster_ = std::make_unique<SimCluster>(scenario_, 1, /*trace=*/true);
    summary_ = cluster_->Run();
  }
  scenario::Scenario scenario_;
  std::unique_ptr<SimCluster> cluster_;
  RunSummary summary_;
};

TEST_F(SimReportTest, FactsAreTheJsonSummary) {
  const RunReport report = MakeSimReport(
      scenario_, summary_, *cluster_->trace(), {.draw_graph = false});
  const auto fields = FlatJsonFields(SummaryToJson(summary_));
  ASSERT_EQ(report.facts.size(), fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    EXPECT_EQ(report.facts[i].key, fields[i].first);
    EXPECT_EQ(report.facts[i].value, fields[i].second);
    EXPECT_FALSE(report.facts[i].meaning.empty()) << fields[i].first;
  }
  EXPECT_EQ(report.outcome, "[0, 1, 4, 9]");
  EXPECT_EQ(report.bars.size(), 4u);
  EXPECT_EQ(report.nodes.size(), 3u);
  EXPECT_NEAR(report.end_s, absl::ToDoubleSeconds(summary_.makespan), 1e-9);
}

TEST_F(SimReportTest, GraphIsInlinedWithoutUrls) {
  const RunReport report =
      MakeSimReport(scenario_, summary_, *cluster_->trace());
  ASSERT_TRUE(absl::StartsWith(report.graph_svg, "<svg")) << report.graph_note;
  EXPECT_FALSE(absl::StrContains(report.graph_svg, "http"));
  const std::string html = RenderHtmlReport(report);
  EXPECT_FALSE(absl::StrContains(html, "http"));
}

TEST_F(SimReportTest, SaysSoWhenDotIsMissing) {
  const std::string path = std::getenv("PATH");
  setenv("PATH", "/nonexistent", 1);
  const RunReport report =
      MakeSimReport(scenario_, summary_, *cluster_->trace());
  setenv("PATH", path.c_str(), 1);
  EXPECT_TRUE(report.graph_svg.empty());
  EXPECT_TRUE(absl::StrContains(report.graph_note, "not installed"))
      << report.graph_note;
}

TEST(FlatJsonFieldsTest, ReadsStringsNumbersAndEscapes) {
  const auto fields =
      FlatJsonFields(R"({"a": "x, \"y\"\n", "b": 1.5, "c": true})");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].second, "x, \"y\"\n");
  EXPECT_EQ(fields[1].second, "1.5");
  EXPECT_EQ(fields[2].second, "true");
  EXPECT_TRUE(FlatJsonFields("[1]").empty());
}

// A real run's fault lines hold commas ("(pid 7, SIGKILL)"): the summary
// table of `local --report` was empty.
TEST(FlatJsonFieldsTest, KeepsArraysOfStringsWithCommasWhole) {
  const auto fields = FlatJsonFields(
      R"j({"faults": ["1s: killed node w (pid 7, SIGKILL)", "x]"], "n": 2})j");
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].second,
            R"j(["1s: killed node w (pid 7, SIGKILL)", "x]"])j");
  EXPECT_EQ(fields[1].second, "2");
  EXPECT_TRUE(FlatJsonFields(R"({"a": ["unclosed})").empty());
}

TEST(InlineSvgTest, DropsPrologAndNamespaces) {
  EXPECT_EQ(InlineSvg("<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"x\" "
                      "\"http://x\">\n<svg width=\"8\" xmlns=\"http://a\" "
                      "xmlns:xlink=\"http://b\">\n<g/></svg>\n"),
            "<svg width=\"8\">\n<g/></svg>\n");
}

}  // namespace
}  // namespace miniray
