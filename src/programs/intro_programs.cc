// The programs of Ray's introductions: parallel squares, the sum of a big
// matrix put in the object store, and processing results as they finish.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/api/miniray.h"
#include "src/programs/program.h"

namespace miniray {
namespace {

int64_t Square(int64_t x) {
  Work(absl::Milliseconds(10));
  return x * x;
}
MINIRAY_REMOTE(Square);

// square_map: four squares in parallel. Args: n (default 4), cpus (CPUs
// each task asks for, default 1).
std::string SquareMap(const ProgramContext& context) {
  const int64_t n = context.IntArg("n", 4);
  const double cpus = context.DoubleArg("cpus", 1);
  std::vector<ObjectRef<int64_t>> refs;
  for (int64_t i = 0; i < n; ++i) {
    refs.push_back(
        Task(Square).SetResources({{"CPU", cpus}}).Remote(i));
  }
  return FormatList(Get(refs));
}
MINIRAY_PROGRAM(square_map, SquareMap);

// A row-major matrix of doubles.
struct Matrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<double> values;

  template <typename Archive>
  void Serialize(Archive& archive) {
    archive(rows, cols, values);
  }
};

double SumMatrix(const Matrix& matrix) {
  double sum = 0;
  for (double v : matrix.values) sum += v;
  // About a nanosecond per element, as numpy would take.
  Work(absl::Nanoseconds(matrix.values.size()));
  return sum;
}
MINIRAY_REMOTE(SumMatrix);

// sum_matrix: put a matrix of ones in the object store once, then sum it in
// a task that receives it by reference. Args: size (default 1000).
std::string SumMatrixProgram(const ProgramContext& context) {
  const int64_t size = context.IntArg("size", 1000);
  Matrix ones{size, size, std::vector<double>(size * size, 1.0)};
  ObjectRef<Matrix> matrix = Put(ones);
  const double sum = Get(Task(SumMatrix).Remote(matrix));
  return absl::StrCat(static_cast<int64_t>(sum));
}
MINIRAY_PROGRAM(sum_matrix, SumMatrixProgram);

// Sleeps `seconds` (simulated) and returns its argument.
int64_t Slow(int64_t value, double seconds) {
  Work(absl::Seconds(seconds));
  return value;
}
MINIRAY_REMOTE(Slow);

// wait_loop: tasks of different durations, handled in the order they
// finish with Wait, as in Ray's "process results as they come" pattern.
// The result lists the values in completion order. Args: n (default 6).
std::string WaitLoop(const ProgramContext& context) {
  const int64_t n = context.IntArg("n", 6);
  std::vector<ObjectRef<int64_t>> pending;
  for (int64_t i = 0; i < n; ++i) {
    // Later tasks are shorter: completion order is the reverse.
    pending.push_back(Task(Slow).Remote(i, 0.1 * (n - i)));
  }
  std::vector<int64_t> order;
  while (!pending.empty()) {
    WaitResult<int64_t> ready = Wait(pending, 1);
    order.push_back(Get(ready.ready[0]));
    pending = std::move(ready.not_ready);
  }
  return FormatList(order);
}
MINIRAY_PROGRAM(wait_loop, WaitLoop);

}  // namespace
}  // namespace miniray
