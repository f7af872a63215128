// monte_carlo_pi: estimate pi by throwing random points at a square, in
// batches run as parallel tasks, as in the Pool example of Ray's
// introductions (94.6 s serial, 1.9 s on a 10-node cluster).
//
// Each batch really draws its samples (seeded, so the estimate is the same
// in every run) and charges `ns_per_sample` of simulated time per sample:
// the default is the rate of the introduction's serial Python loop, so the
// makespan shows how the job scales with the cluster.
//
// Args: num_samples (default 100000000), batch_size (default 1000000),
// ns_per_sample (default 94.6).
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "src/api/miniray.h"
#include "src/api/pool.h"
#include "src/programs/program.h"
#include "src/runtime/rng.h"

namespace miniray {
namespace {

int64_t SampleBatch(int64_t samples, int64_t batch_seed, double ns_per_sample) {
  Rng rng(static_cast<uint64_t>(batch_seed), "monte_carlo_pi");
  int64_t inside = 0;
  for (int64_t i = 0; i < samples; ++i) {
    const double x = rng.UniformDouble(), y = rng.UniformDouble();
    if (x * x + y * y <= 1.0) ++inside;
  }
  Work(absl::Nanoseconds(static_cast<int64_t>(samples * ns_per_sample)));
  return inside;
}
MINIRAY_REMOTE(SampleBatch);

std::string MonteCarloPi(const ProgramContext& context) {
  const int64_t num_samples = context.IntArg("num_samples", 100000000);
  const int64_t batch_size = context.IntArg("batch_size", 1000000);
  const double ns_per_sample = context.DoubleArg("ns_per_sample", 94.6);
  if (num_samples <= 0 || batch_size <= 0) {
    throw std::invalid_argument(
        "monte_carlo_pi: num_samples and batch_size must be positive");
  }
  std::vector<ObjectRef<int64_t>> batches;
  int64_t submitted = 0;
  for (int64_t batch = 0; submitted < num_samples; ++batch) {
    const int64_t samples = std::min(batch_size, num_samples - submitted);
    batches.push_back(Task(SampleBatch).Remote(samples, batch, ns_per_sample));
    submitted += samples;
  }
  int64_t inside = 0;
  for (int64_t count : Get(batches)) inside += count;
  return absl::StrFormat("%.4f", 4.0 * inside / num_samples);
}
MINIRAY_PROGRAM(monte_carlo_pi, MonteCarloPi);

// One batch for pool_pi: its seed is its index.
int64_t PoolBatch(int64_t batch) {
  return SampleBatch(1000000, batch, 94.6);
}
MINIRAY_REMOTE(PoolBatch);

// pool_pi: the same estimate through Pool.Map, the multiprocessing.Pool
// version of the introduction: the program does not say how many machines
// there are. Args: batches (default 100, of a million samples each).
std::string PoolPi(const ProgramContext& context) {
  const int64_t batches = context.IntArg("batches", 100);
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < batches; ++i) indices.push_back(i);
  Pool pool;
  int64_t inside = 0;
  for (int64_t count : pool.Map(PoolBatch, indices)) inside += count;
  return absl::StrFormat("%.4f", 4.0 * inside / (batches * 1000000.0));
}
MINIRAY_PROGRAM(pool_pi, PoolPi);

}  // namespace
}  // namespace miniray
