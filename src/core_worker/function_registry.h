// FunctionRegistry: the remote functions a worker can run, by name.
//
// A remote function as the core worker sees it takes serialized arguments
// and returns serialized return values; it throws to report an application
// error. Arguments are views: of the task's message for small values, of the
// node's object store (shared memory, in a real cluster) for the others, so
// that a worker decodes them where they lie, without copying them first. src/api/ registers typed C++ functions here (MINIRAY_REMOTE), at
// static initialisation, so every process of the binary knows them all.
#ifndef MINIRAY_CORE_WORKER_FUNCTION_REGISTRY_H_
#define MINIRAY_CORE_WORKER_FUNCTION_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace miniray {

using ArgumentViews = std::vector<absl::string_view>;
using RemoteFunction =
    std::function<std::vector<std::string>(const ArgumentViews& args)>;

// An actor class's factory builds an instance from serialized arguments;
// its methods run on an instance.
using ActorFactory =
    std::function<std::shared_ptr<void>(const ArgumentViews& args)>;
using ActorMethod = std::function<std::vector<std::string>(
    void* instance, const ArgumentViews& args)>;

class FunctionRegistry {
 public:
  // The registry of the process, filled before main.
  static FunctionRegistry& Global();

  // Registering a name twice is a programming error.
  void Register(const std::string& name, RemoteFunction function);
  // Null if no function has that name.
  const RemoteFunction* Find(absl::string_view name) const;

  // Factories and methods name the actor class they belong to (any stable
  // key, such as typeid(C).name()), so that a method is never called on an
  // instance of another class.
  struct Factory {
    std::string actor_class;
    ActorFactory create;
  };
  struct Method {
    std::string actor_class;
    ActorMethod call;
  };
  void RegisterFactory(const std::string& name, std::string actor_class,
                       ActorFactory factory);
  const Factory* FindFactory(absl::string_view name) const;
  void RegisterMethod(const std::string& name, std::string actor_class,
                      ActorMethod method);
  const Method* FindMethod(absl::string_view name) const;

 private:
  std::map<std::string, RemoteFunction, std::less<>> functions_;
  std::map<std::string, Factory, std::less<>> factories_;
  std::map<std::string, Method, std::less<>> methods_;
};

}  // namespace miniray

#endif  // MINIRAY_CORE_WORKER_FUNCTION_REGISTRY_H_
