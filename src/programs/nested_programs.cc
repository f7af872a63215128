// Programs whose tasks submit tasks: the task graph grows while it runs
// (Ray's dynamic task graph). A task waiting in Get lends its CPU back, so
// recursion deeper than the cluster's CPUs still finishes.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/api/miniray.h"
#include "src/programs/program.h"

namespace miniray {
namespace {

// The sum of lo..hi, split in halves down to `leaf` numbers.
int64_t SumRange(int64_t lo, int64_t hi, int64_t leaf) {
  if (hi - lo + 1 <= leaf) {
    int64_t sum = 0;
    for (int64_t i = lo; i <= hi; ++i) sum += i;
    Work(absl::Milliseconds(10));
    return sum;
  }
  const int64_t mid = lo + (hi - lo) / 2;
  ObjectRef<int64_t> left = Task(SumRange).Remote(lo, mid, leaf);
  ObjectRef<int64_t> right = Task(SumRange).Remote(mid + 1, hi, leaf);
  return Get(left) + Get(right);
}
MINIRAY_REMOTE(SumRange);

// tree_reduce: the sum of 1..n by recursive splitting into nested tasks.
// Args: n (default 1000), leaf (default 125).
std::string TreeReduce(const ProgramContext& context) {
  const int64_t n = context.IntArg("n", 1000);
  const int64_t leaf = context.IntArg("leaf", 125);
  return absl::StrCat(Get(Task(SumRange).Remote(int64_t{1}, n, leaf)));
}
MINIRAY_PROGRAM(tree_reduce, TreeReduce);

int64_t Fib(int64_t n) {
  if (n < 2) {
    Work(absl::Milliseconds(1));
    return n;
  }
  ObjectRef<int64_t> a = Task(Fib).Remote(n - 1);
  ObjectRef<int64_t> b = Task(Fib).Remote(n - 2);
  return Get(a) + Get(b);
}
MINIRAY_REMOTE(Fib);

// fib: Fibonacci by recursive nested tasks (exponentially many; keep n
// small). Args: n (default 10).
std::string FibProgram(const ProgramContext& context) {
  return absl::StrCat(Get(Task(Fib).Remote(context.IntArg("n", 10))));
}
MINIRAY_PROGRAM(fib, FibProgram);

}  // namespace
}  // namespace miniray
