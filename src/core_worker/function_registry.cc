#include "src/core_worker/function_registry.h"

#include "glog/logging.h"

namespace miniray {

FunctionRegistry& FunctionRegistry::Global() {
  static FunctionRegistry* registry = new FunctionRegistry();
  return *registry;
}

void FunctionRegistry::Register(const std::string& name,
                                RemoteFunction function) {
  CHECK(functions_.emplace(name, std::move(function)).second)
      << "remote function registered twice: " << name;
}

const RemoteFunction* FunctionRegistry::Find(absl::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

}  // namespace miniray
