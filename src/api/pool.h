// Pool: Ray's multiprocessing.Pool, backed by actors.
//
// The same program runs on a laptop or a cluster: a Pool starts one
// PoolWorker actor per CPU of the cluster (or as many as asked) and spreads
// the items of Map over them:
//
//   int64_t Square(int64_t x) { return x * x; }
//   MINIRAY_REMOTE(Square);
//
//   miniray::Pool pool;                                    // one per CPU
//   std::vector<int64_t> squares = pool.Map(Square, {1, 2, 3});   // {1, 4, 9}
//
// The function must be registered with MINIRAY_REMOTE and take one argument.
// Map returns results in the order of the inputs; MapUnordered in the order
// they finish.
#ifndef MINIRAY_API_POOL_H_
#define MINIRAY_API_POOL_H_

#include <cmath>
#include <string>
#include <vector>

#include "src/api/actor.h"
#include "src/api/miniray.h"

namespace miniray {

// The actor behind a Pool. Its one method, "PoolWorker::Run" (registered in
// pool.cc), takes a function name and a serialized argument, runs the
// registered function and returns the function's serialized result as the
// method's own, so the caller reads it as the function's return type.
class PoolWorker {};

PoolWorker* CreatePoolWorker();

class Pool {
 public:
  // `processes` actors, each holding `cpus_per_worker` CPUs; 0 processes
  // means one per available CPU of the cluster, as Ray's Pool does.
  explicit Pool(int processes = 0, double cpus_per_worker = 1);

  template <typename R, typename A>
  std::vector<R> Map(R (*fn)(A), const std::vector<std::decay_t<A>>& inputs) {
    return Get(Submit(fn, inputs));
  }

  template <typename R, typename A>
  std::vector<R> MapUnordered(R (*fn)(A),
                              const std::vector<std::decay_t<A>>& inputs) {
    std::vector<ObjectRef<R>> pending = Submit(fn, inputs);
    std::vector<R> results;
    while (!pending.empty()) {
      WaitResult<R> ready = Wait(pending, 1);
      results.push_back(Get(ready.ready[0]));
      pending = std::move(ready.not_ready);
    }
    return results;
  }

  int size() const { return workers_.size(); }

 private:
  template <typename R, typename A>
  std::vector<ObjectRef<R>> Submit(R (*fn)(A),
                                   const std::vector<std::decay_t<A>>& inputs);

  std::vector<ActorHandle<PoolWorker>> workers_;
  size_t next_ = 0;  // round-robin position
};

template <typename R, typename A>
std::vector<ObjectRef<R>> Pool::Submit(
    R (*fn)(A), const std::vector<std::decay_t<A>>& inputs) {
  const std::string name =
      internal::FunctionNames().at(reinterpret_cast<const void*>(fn));
  std::vector<ObjectRef<R>> refs;
  refs.reserve(inputs.size());
  for (const auto& input : inputs) {
    const ActorHandle<PoolWorker>& worker = workers_[next_++ % workers_.size()];
    refs.push_back(
        ActorTaskCaller<R, std::string, std::string>(worker.id(),
                                                     "PoolWorker::Run")
            .Remote(name, Serialize(static_cast<std::decay_t<A>>(input))));
  }
  return refs;
}

}  // namespace miniray

#endif  // MINIRAY_API_POOL_H_
