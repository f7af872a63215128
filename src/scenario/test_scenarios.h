// Helpers for the loader's tests: parse scenario text written inline as a raw
// string literal, under the file name "test.textproto".
//
//   EXPECT_THAT(ParseError(R"(
//   cluster { node { name: "head" count: 0 } }
//   )"), HasSubstr("test.textproto:1:30: cluster.node[0].count: ..."));
#ifndef MINIRAY_SCENARIO_TEST_SCENARIOS_H_
#define MINIRAY_SCENARIO_TEST_SCENARIOS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "src/scenario/loader.h"

namespace miniray::scenario {

inline constexpr char kTestFile[] = "test.textproto";

// Parses `text` as kTestFile. One leading newline is dropped, so that the
// line after R"( is line 1 in messages.
inline absl::StatusOr<Scenario> ParseTestScenario(absl::string_view text) {
  absl::ConsumePrefix(&text, "\n");
  return ParseScenario(text, kTestFile);
}

// The message of the InvalidArgument error that parsing `text` gives; adds a
// test failure if it gives something else.
inline std::string ParseError(absl::string_view text) {
  absl::StatusOr<Scenario> scenario = ParseTestScenario(text);
  EXPECT_EQ(scenario.status().code(), absl::StatusCode::kInvalidArgument)
      << scenario.status();
  return std::string(scenario.status().message());
}

}  // namespace miniray::scenario

#endif  // MINIRAY_SCENARIO_TEST_SCENARIOS_H_
