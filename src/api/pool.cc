#include "src/api/pool.h"

#include <algorithm>
#include <stdexcept>

#include "absl/strings/str_cat.h"

namespace miniray {
namespace {

// PoolWorker::Run: args are the function's name and its serialized
// argument; the result is the function's serialized return value, as is.
std::vector<std::string> RunInPool(void*, const ArgumentViews& args) {
  if (args.size() != 2) {
    throw std::invalid_argument("PoolWorker::Run takes two arguments");
  }
  absl::StatusOr<std::string> name = Deserialize<std::string>(args[0]);
  absl::StatusOr<std::string> argument = Deserialize<std::string>(args[1]);
  if (!name.ok() || !argument.ok()) {
    throw std::invalid_argument("PoolWorker::Run: malformed arguments");
  }
  const RemoteFunction* function = FunctionRegistry::Global().Find(*name);
  if (function == nullptr) {
    throw std::invalid_argument(
        absl::StrCat("no remote function named \"", *name, "\""));
  }
  return (*function)({*argument});
}

const bool registered = [] {
  FunctionRegistry::Global().RegisterMethod(
      "PoolWorker::Run", internal::ClassName<PoolWorker>(), &RunInPool);
  return internal::RegisterFactory("CreatePoolWorker", &CreatePoolWorker);
}();

}  // namespace

PoolWorker* CreatePoolWorker() { return new PoolWorker(); }

Pool::Pool(int processes, double cpus_per_worker) {
  if (processes <= 0) {
    const double cpus = CurrentWorker().ClusterResources().Get("CPU");
    processes = std::max(1, static_cast<int>(cpus / cpus_per_worker));
  }
  for (int i = 0; i < processes; ++i) {
    workers_.push_back(Actor(CreatePoolWorker)
                           .SetResources({{"CPU", cpus_per_worker}})
                           .Remote());
  }
}

}  // namespace miniray
