// Benchmark programs for the real cluster (bench/vs_dask.sh runs them with
// `miniray local --json`). Each measures with the driver's clock, so in real
// mode the figures are real seconds; in the simulator they are simulated
// time and mean little. Each returns its figure as the result string.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "src/api/miniray.h"
#include "src/programs/program.h"

namespace miniray {
namespace {

absl::Time Now() { return CurrentWorker().clock().Now(); }

int64_t Noop(int64_t value) { return value; }
MINIRAY_REMOTE(Noop);

// The size of a blob, computed where the task runs: reading it there makes
// the blob travel from the store it is in to that node's. The task reads it
// in place, as Ray's zero-copy reads do (an absl::string_view parameter: a
// view of the node's store copy, mapped into the worker, not a copy of it),
// and touches one byte per 4 KiB page, so that all of it is mapped and seen
// (-1 if a byte is not the 'x' MakeBlob and put_get write).
int64_t BlobSize(absl::string_view blob) {
  for (size_t i = 0; i < blob.size(); i += 4096) {
    if (blob[i] != 'x') return -1;
  }
  return static_cast<int64_t>(blob.size());
}
MINIRAY_REMOTE(BlobSize);

// The length of a blob, where the task runs, without reading its bytes
// (Dask's transfer benchmark takes len() of the blob): the blob has come
// whole into that node's store and is mapped into the worker.
int64_t BlobLength(absl::string_view blob) {
  return static_cast<int64_t>(blob.size());
}
MINIRAY_REMOTE(BlobLength);

// A blob of `bytes` bytes, made where the task runs.
std::string MakeBlob(int64_t bytes) { return std::string(bytes, 'x'); }
MINIRAY_REMOTE(MakeBlob);

class BenchCounter {
 public:
  int64_t Increment() { return ++count_; }

 private:
  int64_t count_ = 0;
};

BenchCounter* CreateBenchCounter() { return new BenchCounter(); }
MINIRAY_ACTOR_FACTORY(CreateBenchCounter);
MINIRAY_ACTOR_METHOD(BenchCounter, Increment);

// "n <what> in X s: Y <what>/s".
std::string Rate(int64_t n, const std::string& what, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return absl::StrFormat("%d %s in %.3f s: %.0f %s/s", n, what, seconds,
                         n / seconds, what);
}

// noop_tasks: submit n no-op tasks without waiting, then Get them all.
// Args: n (default 10000). One warm-up task first, so that the workers'
// start is not counted.
std::string NoopTasks(const ProgramContext& context) {
  const int64_t n = context.IntArg("n", 10000);
  Get(Task(Noop).Remote(int64_t{0}));
  const absl::Time start = Now();
  std::vector<ObjectRef<int64_t>> refs;
  refs.reserve(n);
  for (int64_t i = 0; i < n; ++i) refs.push_back(Task(Noop).Remote(i));
  Get(refs);
  return Rate(n, "tasks", Now() - start);
}
MINIRAY_PROGRAM(noop_tasks, NoopTasks);

// task_latency: n sequential round trips of one no-op task (submit, Get).
// Args: n (default 1000). Result: p50 and p99 in microseconds.
std::string TaskLatency(const ProgramContext& context) {
  const int64_t n = std::max<int64_t>(1, context.IntArg("n", 1000));
  for (int i = 0; i < 10; ++i) Get(Task(Noop).Remote(int64_t{0}));  // warm-up
  std::vector<double> round_trips_us;
  round_trips_us.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    const absl::Time start = Now();
    Get(Task(Noop).Remote(i));
    round_trips_us.push_back(absl::ToDoubleMicroseconds(Now() - start));
  }
  std::sort(round_trips_us.begin(), round_trips_us.end());
  const auto percentile = [&](double p) {
    return round_trips_us[static_cast<size_t>(p * (n - 1))];
  };
  return absl::StrFormat("%d round trips: p50 %.0f us, p99 %.0f us", n,
                         percentile(0.50), percentile(0.99));
}
MINIRAY_PROGRAM(task_latency, TaskLatency);

// actor_calls: n calls on one actor without waiting, then Get them all.
// Args: n (default 10000). The actor is created and called once first.
std::string ActorCalls(const ProgramContext& context) {
  const int64_t n = context.IntArg("n", 10000);
  ActorHandle<BenchCounter> counter = Actor(CreateBenchCounter).Remote();
  Get(counter.Task(&BenchCounter::Increment).Remote());
  const absl::Time start = Now();
  std::vector<ObjectRef<int64_t>> refs;
  refs.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    refs.push_back(counter.Task(&BenchCounter::Increment).Remote());
  }
  Get(refs);
  return Rate(n, "calls", Now() - start);
}
MINIRAY_PROGRAM(actor_calls, ActorCalls);

// put_get: Put a blob of `mib` MiB in the driver's store and Get it back;
// with remote=1, also read it in a task on another node (a transfer between
// two processes). Args: mib (default 100), remote (0 or 1, default 0).
// Rates are in GB/s (1e9 bytes per second) of the blob's bytes.
std::string PutGet(const ProgramContext& context) {
  const int64_t bytes = context.IntArg("mib", 100) << 20;
  const std::string blob(bytes, 'x');
  const absl::Time start = Now();
  ObjectRef<std::string> ref = Put(blob);
  const absl::Time put_done = Now();
  const std::string back = Get(ref);
  const absl::Time get_done = Now();
  const auto gbps = [&](absl::Duration d) {
    return bytes / absl::ToDoubleSeconds(d) / 1e9;
  };
  std::string result = absl::StrFormat(
      "%d MiB: put %.3f s (%.2f GB/s), get %.3f s (%.2f GB/s), "
      "put+get %.2f GB/s",
      bytes >> 20, absl::ToDoubleSeconds(put_done - start),
      gbps(put_done - start), absl::ToDoubleSeconds(get_done - put_done),
      gbps(get_done - put_done), gbps(get_done - start));
  if (back.size() != blob.size()) result += " (size mismatch!)";
  if (context.IntArg("remote", 0) != 0) {
    const absl::Time remote_start = Now();
    const int64_t size = Get(Task(BlobSize).Remote(ref));
    const absl::Duration remote = Now() - remote_start;
    absl::StrAppendFormat(&result, "; remote read %.3f s (%.2f GB/s)%s",
                          absl::ToDoubleSeconds(remote), gbps(remote),
                          size == bytes ? "" : " (size mismatch!)");
  }
  return result;
}
MINIRAY_PROGRAM(put_get, PutGet);

// transfer: a task on one node makes a blob of `mib` MiB; once it exists, a
// task on another node takes it and returns its length, so the blob travels
// between the two nodes' stores (as Dask's benchmark, which takes len()).
// The nodes are chosen by custom resources: the maker needs "from", the
// reader "to" (give one node each in the scenario). Args: mib (default
// 1024). The transfer's time runs from the blob's existence to the
// reader's reply: the pull, one task's round trip and the mapping of the
// blob into the reader. Then a second task there reads a byte of every
// page where the blob lies, timed apart: that is the reader's work, which
// costs on a VM whatever the transfer did (docs/real-cluster.md, section
// 9.5). The making (the task, its worker's start, and storing the blob) is
// reported apart too, so that a change moving work out of the transfer
// into the making shows.
std::string Transfer(const ProgramContext& context) {
  const int64_t bytes = context.IntArg("mib", 1024) << 20;
  const absl::Time make_start = Now();
  ObjectRef<std::string> blob =
      Task(MakeBlob).SetResources({{"CPU", 1}, {"from", 1}}).Remote(bytes);
  Wait(std::vector<ObjectRef<std::string>>{blob}, 1);
  const absl::Duration making = Now() - make_start;
  const absl::Time start = Now();
  const int64_t size =
      Get(Task(BlobLength).SetResources({{"CPU", 1}, {"to", 1}}).Remote(blob));
  const absl::Duration elapsed = Now() - start;
  const absl::Time read_start = Now();
  const int64_t read =
      Get(Task(BlobSize).SetResources({{"CPU", 1}, {"to", 1}}).Remote(blob));
  const absl::Duration reading = Now() - read_start;
  const auto gbps = [&](absl::Duration d) {
    return bytes / absl::ToDoubleSeconds(d) / 1e9;
  };
  return absl::StrFormat(
      "%d MiB between two nodes: %.3f s, %.2f GB/s; every page read there "
      "%.3f s, %.2f GB/s (made in %.3f s)%s",
      bytes >> 20, absl::ToDoubleSeconds(elapsed), gbps(elapsed),
      absl::ToDoubleSeconds(reading), gbps(reading),
      absl::ToDoubleSeconds(making),
      size == bytes && read == bytes ? "" : " (size mismatch!)");
}
MINIRAY_PROGRAM(transfer, Transfer);

}  // namespace
}  // namespace miniray
