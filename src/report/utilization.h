// NodeUtilization: how busy each node's CPUs were over time, from the task
// bars of a run: the share of a node's CPUs held by running tasks, averaged
// over equal time buckets.
//
//   std::vector<UtilizationSeries> series =
//       NodeUtilization(report.nodes, report.bars, report.end_s, 200);
//   series[1].busy[7]   // node 1, bucket 7: 0.5 = half its CPUs busy
//
// Pure function; thread-compatible.
#ifndef MINIRAY_REPORT_UTILIZATION_H_
#define MINIRAY_REPORT_UTILIZATION_H_

#include <vector>

#include "src/report/run_report.h"

namespace miniray {

struct UtilizationSeries {
  // busy[i]: the mean fraction of CPUs in use over bucket i, i.e. over
  // [i, i+1) * bucket_s. Above 1 when tasks hold more than the capacity; 0
  // for a node without CPUs.
  std::vector<double> busy;
  double bucket_s = 0;
};

// One series per node (in `nodes` order), `buckets` buckets over [0, end_s].
std::vector<UtilizationSeries> NodeUtilization(
    const std::vector<ReportNode>& nodes, const std::vector<TaskBar>& bars,
    double end_s, int buckets);

// The whole cluster's series: CPUs in use over all CPUs.
UtilizationSeries ClusterUtilization(
    const std::vector<ReportNode>& nodes,
    const std::vector<UtilizationSeries>& per_node);

}  // namespace miniray

#endif  // MINIRAY_REPORT_UTILIZATION_H_
