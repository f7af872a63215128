// Actor calls per simulated second and per wall-clock second, for one
// caller (1:1) and for many callers sharing one actor (n:1).
//
//   bazel run -c opt //bench:actor_bench
//   bazel run -c opt //bench:actor_bench -- --calls=100000 --callers=16
//
// The actor's method does no simulated work, so the simulated rate shows
// what the message path costs in the model (latencies, one call at a time
// on the actor), and the wall rate what the simulator costs per call.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/api/miniray.h"
#include "src/programs/program.h"
#include "bench/bench_util.h"

DEFINE_int64(calls, 20000, "Actor calls per run.");
DEFINE_int32(callers, 8, "Caller tasks in the n:1 run.");

namespace miniray {
namespace {

class Sink {
 public:
  int64_t Call(int64_t x) { return ++calls_ + x * 0; }

 private:
  int64_t calls_ = 0;
};
Sink* CreateSink() { return new Sink(); }
MINIRAY_ACTOR_FACTORY(CreateSink);
MINIRAY_ACTOR_METHOD(Sink, Call);

int64_t CallMany(ActorHandle<Sink> sink, int64_t calls) {
  std::vector<ObjectRef<int64_t>> refs;
  refs.reserve(calls);
  for (int64_t i = 0; i < calls; ++i) {
    refs.push_back(sink.Task(&Sink::Call).Remote(i));
  }
  Get(refs);
  return calls;
}
MINIRAY_REMOTE(CallMany);

std::string OneToOne(const ProgramContext& context) {
  ActorHandle<Sink> sink = Actor(CreateSink).Remote();
  Get(sink.Task(&Sink::Call).Remote(int64_t{0}));  // wait until it is up
  return absl::StrCat(CallMany(sink, context.IntArg("calls", 1000)));
}
MINIRAY_PROGRAM(bench_actor_1to1, OneToOne);

std::string ManyToOne(const ProgramContext& context) {
  ActorHandle<Sink> sink = Actor(CreateSink).Remote();
  Get(sink.Task(&Sink::Call).Remote(int64_t{0}));
  const int64_t callers = context.IntArg("callers", 8);
  std::vector<ObjectRef<int64_t>> tasks;
  for (int64_t c = 0; c < callers; ++c) {
    tasks.push_back(
        Task(CallMany).Remote(sink, context.IntArg("calls", 1000) / callers));
  }
  int64_t total = 0;
  for (int64_t n : Get(tasks)) total += n;
  return absl::StrCat(total);
}
MINIRAY_PROGRAM(bench_actor_nto1, ManyToOne);

void RunOne(const std::string& program, const std::string& label) {
  const std::string text = absl::StrCat(R"(
    cluster {
      node { name: "head" resources { key: "CPU" value: 4 } }
      node { name: "worker" count: 4 resources { key: "CPU" value: 8 } }
    }
    program { name: ")", program, R"(" arg { key: "calls" value: ")",
                                        FLAGS_calls, R"(" }
              arg { key: "callers" value: ")", FLAGS_callers, R"(" } }
  )");
  const TimedRun run = RunScenarioText(text, label);
  const RunSummary& summary = run.summary;
  const double wall_s = run.wall_s;
  const double calls = std::stod(summary.result);
  const double sim_s = absl::ToDoubleSeconds(summary.makespan);
  std::printf(
      "actor_bench %s: %.0f calls, %.3f s virtual (%.0f calls per simulated "
      "second), %.2f s wall (%.0f calls per wall second)\n",
      label.c_str(), calls, sim_s, calls / sim_s, wall_s, calls / wall_s);
  std::fflush(stdout);
}

}  // namespace
}  // namespace miniray

int main(int argc, char** argv) {
  miniray::InitBench(&argc, &argv);
  miniray::RunOne("bench_actor_1to1", "1:1");
  miniray::RunOne("bench_actor_nto1",
                  absl::StrCat(FLAGS_callers, ":1"));
  return 0;
}
