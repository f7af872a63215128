#include "src/report/utilization.h"

#include <algorithm>
#include <cmath>

namespace miniray {

std::vector<UtilizationSeries> NodeUtilization(
    const std::vector<ReportNode>& nodes, const std::vector<TaskBar>& bars,
    double end_s, int buckets) {
  buckets = std::max(1, buckets);
  const double bucket_s = end_s > 0 ? end_s / buckets : 1.0;
  // CPU-seconds used, per node and bucket.
  std::vector<std::vector<double>> used(nodes.size(),
                                        std::vector<double>(buckets, 0.0));
  for (const TaskBar& bar : bars) {
    if (bar.node < 0 || bar.node >= static_cast<int>(nodes.size())) continue;
    const double start = std::max(0.0, bar.start_s);
    const double end = std::min(end_s, bar.end_s);
    if (end <= start) continue;
    const int first = std::min(buckets - 1, static_cast<int>(start / bucket_s));
    const int last = std::min(buckets - 1, static_cast<int>(end / bucket_s));
    for (int i = first; i <= last; ++i) {
      const double overlap =
          std::min(end, (i + 1) * bucket_s) - std::max(start, i * bucket_s);
      if (overlap > 0) used[bar.node][i] += overlap * bar.cpus;
    }
  }
  std::vector<UtilizationSeries> series(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    series[n].bucket_s = bucket_s;
    series[n].busy.assign(buckets, 0.0);
    if (nodes[n].cpus <= 0) continue;
    for (int i = 0; i < buckets; ++i) {
      series[n].busy[i] = used[n][i] / (bucket_s * nodes[n].cpus);
    }
  }
  return series;
}

UtilizationSeries ClusterUtilization(
    const std::vector<ReportNode>& nodes,
    const std::vector<UtilizationSeries>& per_node) {
  UtilizationSeries total;
  double cpus = 0;
  for (const ReportNode& node : nodes) cpus += std::max(0.0, node.cpus);
  if (per_node.empty()) return total;
  total.bucket_s = per_node[0].bucket_s;
  total.busy.assign(per_node[0].busy.size(), 0.0);
  if (cpus <= 0) return total;
  for (size_t n = 0; n < per_node.size() && n < nodes.size(); ++n) {
    for (size_t i = 0; i < total.busy.size(); ++i) {
      total.busy[i] += per_node[n].busy[i] * nodes[n].cpus / cpus;
    }
  }
  return total;
}

}  // namespace miniray
