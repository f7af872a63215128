// PrometheusText: builds a page in Prometheus's text exposition format
// (version 0.0.4), what a `/metrics` endpoint serves.
//
//   PrometheusText text;
//   text.Add("miniray_tasks", "gauge", "Tasks by state.", {{"state",
//   "running"}}, 3); text.Add("miniray_tasks", "gauge", "Tasks by state.",
//   {{"state", "finished"}}, 9); std::string page = text.str();
//   // # HELP miniray_tasks Tasks by state.
//   // # TYPE miniray_tasks gauge
//   // miniray_tasks{state="running"} 3
//   // miniray_tasks{state="finished"} 9
//
// Samples of one family must be added together (Prometheus wants a family's
// lines in one block); HELP and TYPE are written before its first sample.
// Not thread-safe.
#ifndef MINIRAY_DASHBOARD_PROMETHEUS_H_
#define MINIRAY_DASHBOARD_PROMETHEUS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace miniray {

class PrometheusText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  // Adds one sample `name{labels} value`. `type` is counter, gauge,
  // histogram or summary. For a histogram, add `name_bucket` (with an "le"
  // label), `name_sum` and `name_count` samples, giving `name` as `family`.
  void Add(absl::string_view name, absl::string_view type,
           absl::string_view help, const Labels& labels, double value,
           absl::string_view family = "");

  const std::string& str() const { return text_; }

 private:
  std::string text_;
  std::string family_;  // of the last sample
};

// A label value with backslash, double quote and newline escaped.
std::string EscapeLabelValue(absl::string_view value);

}  // namespace miniray

#endif  // MINIRAY_DASHBOARD_PROMETHEUS_H_
