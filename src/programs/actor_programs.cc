// Programs with actors, from Ray's introductions: a counter, an actor that
// counts the records it processes, and a parameter server.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/api/miniray.h"
#include "src/programs/program.h"

namespace miniray {
namespace {

class Counter {
 public:
  explicit Counter(int64_t start) : count_(start) {}
  int64_t Increment() { return ++count_; }
  int64_t Count() const { return count_; }

 private:
  int64_t count_;
};

Counter* CreateCounter(int64_t start) { return new Counter(start); }
MINIRAY_ACTOR_FACTORY(CreateCounter);
MINIRAY_ACTOR_METHOD(Counter, Increment);
MINIRAY_ACTOR_METHOD(Counter, Count);

// counter_actor: ten increments of one actor; the calls run in order, so
// the results are 1..10 and the final count is 10. Args: n (default 10).
std::string CounterActor(const ProgramContext& context) {
  const int64_t n = context.IntArg("n", 10);
  ActorHandle<Counter> counter = Actor(CreateCounter).Remote(0);
  std::vector<ObjectRef<int64_t>> refs;
  for (int64_t i = 0; i < n; ++i) {
    refs.push_back(counter.Task(&Counter::Increment).Remote());
  }
  const std::vector<int64_t> values = Get(refs);
  const int64_t final_count = Get(counter.Task(&Counter::Count).Remote());
  return absl::StrCat(FormatList(values), " count=", final_count);
}
MINIRAY_PROGRAM(counter_actor, CounterActor);

// CountedSlows from the introduction: processes records slowly and counts
// how many it processed.
class CountedSlows {
 public:
  explicit CountedSlows(int64_t initial) : count_(initial) {}
  std::string Slow(const std::string& record) {
    ++count_;
    Work(absl::Milliseconds(100));  // expensive_process(record)
    return absl::StrCat(record, "!");
  }
  int64_t GetCount() const { return count_; }

 private:
  int64_t count_;
};

CountedSlows* CreateCountedSlows(int64_t initial) {
  return new CountedSlows(initial);
}
MINIRAY_ACTOR_FACTORY(CreateCountedSlows);
MINIRAY_ACTOR_METHOD(CountedSlows, Slow);
MINIRAY_ACTOR_METHOD(CountedSlows, GetCount);

// counted_slows: feed records to the actor, handle results as they finish
// with Wait, then ask the actor how many it processed. The result is the
// processed records, then the count. Args: records (default 5); for fault
// scenarios max_restarts and max_task_retries (default 0, as in Ray). The
// actor is named "counted_slows". A restarted actor's count starts again
// from 0: its constructor rebuilds its state.
std::string CountedSlowsProgram(const ProgramContext& context) {
  const int64_t n = context.IntArg("records", 5);
  ActorHandle<CountedSlows> cs =
      Actor(CreateCountedSlows)
          .SetName("counted_slows")
          .SetMaxRestarts(context.IntArg("max_restarts", 0))
          .SetMaxTaskRetries(context.IntArg("max_task_retries", 0))
          .Remote(0);
  std::vector<ObjectRef<std::string>> futures;
  for (int64_t i = 0; i < n; ++i) {
    futures.push_back(
        cs.Task(&CountedSlows::Slow).Remote(absl::StrCat("record", i)));
  }
  std::vector<std::string> done;
  while (!futures.empty()) {
    WaitResult<std::string> ready = Wait(futures, 1);
    done.push_back(Get(ready.ready[0]));
    futures = std::move(ready.not_ready);
  }
  const int64_t count = Get(cs.Task(&CountedSlows::GetCount).Remote());
  return absl::StrCat(absl::StrJoin(done, " "), " count=", count);
}
MINIRAY_PROGRAM(counted_slows, CountedSlowsProgram);

// Multiplies by a factor given at creation, so its answers do not depend on
// how often it was restarted; tells which node it runs on.
class Scaler {
 public:
  explicit Scaler(int64_t factor) : factor_(factor) {}
  int64_t Scale(int64_t x) {
    Work(absl::Milliseconds(50));
    return x * factor_;
  }
  int64_t Node() const { return CurrentWorker().node_id(); }

 private:
  int64_t factor_;
};

Scaler* CreateScaler(int64_t factor) { return new Scaler(factor); }
MINIRAY_ACTOR_FACTORY(CreateScaler);
MINIRAY_ACTOR_METHOD(Scaler, Scale);
MINIRAY_ACTOR_METHOD(Scaler, Node);

// actor_failover: an actor that may restart (max_restarts 1, calls retried)
// needs one unit of the custom resource "pin"; `calls` sequential calls of
// 50 ms each (default 30). A scenario kills the actor's node meanwhile: the
// calls must still return the right values, from the actor restarted on
// another node. The result is the sum of the answers and whether the actor's
// node changed. First, an "anchor" actor takes one "pin" on the node with
// the resource "anchor": the scheduler prefers the least used node, so the
// actor goes to a node other than the anchor's (which a scenario kills),
// and can restart on the anchor's if that has a "pin" to spare.
std::string ActorFailoverProgram(const ProgramContext& context) {
  const int64_t calls = context.IntArg("calls", 30);
  ActorHandle<Scaler> anchor =
      Actor(CreateScaler).SetResources({{"pin", 1}, {"anchor", 1}}).Remote(1);
  Get(anchor.Task(&Scaler::Node).Remote());  // placed before the actor
  ActorHandle<Scaler> scaler = Actor(CreateScaler)
                                   .SetResources({{"pin", 1}})
                                   .SetMaxRestarts(1)
                                   .SetMaxTaskRetries(-1)
                                   .Remote(3);
  const int64_t first_node = Get(scaler.Task(&Scaler::Node).Remote());
  int64_t sum = 0;
  for (int64_t i = 1; i <= calls; ++i) {
    sum += Get(scaler.Task(&Scaler::Scale).Remote(i));
  }
  const int64_t last_node = Get(scaler.Task(&Scaler::Node).Remote());
  return absl::StrCat(
      "sum=", sum, " (want ", 3 * calls * (calls + 1) / 2,
      "), moved to another node: ", first_node != last_node ? "yes" : "no");
}
MINIRAY_PROGRAM(actor_failover, ActorFailoverProgram);

// A task that fails its first `failures` attempts: it counts its attempts
// on the actor named "attempts".
int64_t Flaky(int64_t failures) {
  ActorHandle<Counter> attempts = GetActor<Counter>("attempts");
  const int64_t attempt = Get(attempts.Task(&Counter::Increment).Remote());
  Work(absl::Milliseconds(10));
  if (attempt <= failures) {
    throw std::runtime_error(absl::StrCat("flaky failure on attempt ", attempt));
  }
  return attempt;
}
MINIRAY_REMOTE(Flaky);

// flaky_task: one task whose code throws on its first attempts. With
// retry_exceptions it is run again (up to max_retries) and succeeds; without,
// the program gets the task's error. Args: failures (default 2),
// retry_exceptions (0 or 1, default 1), max_retries (default 3).
std::string FlakyTaskProgram(const ProgramContext& context) {
  ActorHandle<Counter> attempts =
      Actor(CreateCounter).SetName("attempts").SetResources({}).Remote(0);
  Get(attempts.Task(&Counter::Count).Remote());  // created before the task
  ObjectRef<int64_t> result =
      Task(Flaky)
          .SetRetryExceptions(context.IntArg("retry_exceptions", 1) != 0)
          .SetMaxRetries(context.IntArg("max_retries", 3))
          .Remote(context.IntArg("failures", 2));
  return absl::StrCat("succeeded on attempt ", Get(result));
}
MINIRAY_PROGRAM(flaky_task, FlakyTaskProgram);

// A parameter server: one actor holds the model's parameters; workers pull
// them, compute a gradient and push it back.
class ParameterServer {
 public:
  explicit ParameterServer(int64_t dim) : params_(dim, 0.0) {}
  std::vector<double> Pull() const { return params_; }
  int64_t Push(const std::vector<double>& gradient) {
    for (size_t i = 0; i < params_.size() && i < gradient.size(); ++i) {
      params_[i] -= 0.5 * gradient[i];
    }
    return ++updates_;
  }

 private:
  std::vector<double> params_;
  int64_t updates_ = 0;
};

ParameterServer* CreateParameterServer(int64_t dim) {
  return new ParameterServer(dim);
}
MINIRAY_ACTOR_FACTORY(CreateParameterServer);
MINIRAY_ACTOR_METHOD(ParameterServer, Pull);
MINIRAY_ACTOR_METHOD(ParameterServer, Push);

// One training step of a worker: the gradient of the loss
// sum((p - target)^2) / 2 at the current parameters, pushed to the server.
int64_t TrainStep(ActorHandle<ParameterServer> server, double target) {
  std::vector<double> params = Get(server.Task(&ParameterServer::Pull).Remote());
  for (double& p : params) p -= target;  // the gradient
  Work(absl::Milliseconds(20));
  return Get(server.Task(&ParameterServer::Push).Remote(params));
}
MINIRAY_REMOTE(TrainStep);

// parameter_server: `workers` tasks per round for `rounds` rounds, each
// pulling the parameters and pushing a gradient toward 1.0. The parameters
// converge to 1; the result is the first parameter, rounded, and the number
// of updates. Args: workers (default 4), rounds (default 10), dim (8).
std::string ParameterServerProgram(const ProgramContext& context) {
  const int64_t workers = context.IntArg("workers", 4);
  const int64_t rounds = context.IntArg("rounds", 10);
  ActorHandle<ParameterServer> server =
      Actor(CreateParameterServer).Remote(context.IntArg("dim", 8));
  int64_t updates = 0;
  for (int64_t round = 0; round < rounds; ++round) {
    std::vector<ObjectRef<int64_t>> steps;
    for (int64_t w = 0; w < workers; ++w) {
      steps.push_back(Task(TrainStep).Remote(server, 1.0));
    }
    for (int64_t n : Get(steps)) updates = std::max(updates, n);
  }
  const std::vector<double> params =
      Get(server.Task(&ParameterServer::Pull).Remote());
  return absl::StrFormat("param=%.3f updates=%d", params[0], updates);
}
MINIRAY_PROGRAM(parameter_server, ParameterServerProgram);

}  // namespace
}  // namespace miniray
