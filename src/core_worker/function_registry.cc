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

void FunctionRegistry::RegisterFactory(const std::string& name,
                                       std::string actor_class,
                                       ActorFactory factory) {
  CHECK(factories_
            .emplace(name, Factory{std::move(actor_class), std::move(factory)})
            .second)
      << "actor factory registered twice: " << name;
}

const FunctionRegistry::Factory* FunctionRegistry::FindFactory(absl::string_view name) const {
  auto it = factories_.find(name);
  return it == factories_.end() ? nullptr : &it->second;
}

void FunctionRegistry::RegisterMethod(const std::string& name,
                                      std::string actor_class,
                                      ActorMethod method) {
  CHECK(methods_.emplace(name, Method{std::move(actor_class), std::move(method)})
            .second)
      << "actor method registered twice: " << name;
}

const FunctionRegistry::Method* FunctionRegistry::FindMethod(absl::string_view name) const {
  auto it = methods_.find(name);
  return it == methods_.end() ? nullptr : &it->second;
}

}  // namespace miniray
