// Runs every scenario of the library (scenarios/**.textproto) in the
// simulator and checks its expect block, as `miniray sim` would.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/scenario/loader.h"
#include "src/sim/run_summary.h"
#include "src/sim/sim_cluster.h"

namespace miniray {
namespace {

std::vector<std::string> ScenarioFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator("scenarios")) {
    if (entry.path().extension() == ".textproto") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, MeetsItsExpectations) {
  absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(GetParam());
  ASSERT_TRUE(s.ok()) << s.status();
  SimCluster cluster(*s, s->has_seed() ? s->seed() : 1);
  const RunSummary summary = cluster.Run();
  absl::Status check = CheckExpectations(s->expect(), summary);
  EXPECT_TRUE(check.ok()) << GetParam() << ": " << check.message() << "\n"
                          << SummaryToText(summary);
}

TEST(ScenarioLibraryTest, HasTheIntroductionPrograms) {
  const std::vector<std::string> files = ScenarioFiles();
  for (const char* name : {"square_map", "sum_matrix", "wait_loop",
                           "monte_carlo_pi", "workload_mapreduce"}) {
    EXPECT_NE(std::find(files.begin(), files.end(),
                        std::string("scenarios/") + name + ".textproto"),
              files.end())
        << name;
  }
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(std::string("scenarios/").size());
  name = name.substr(0, name.size() - std::string(".textproto").size());
  std::replace_if(name.begin(), name.end(),
                  [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Library, ScenarioTest,
                         ::testing::ValuesIn(ScenarioFiles()), TestName);

}  // namespace
}  // namespace miniray
