// Actors: stateful workers whose methods run one at a time.
//
//   class Counter {
//    public:
//     explicit Counter(int64_t start) : count_(start) {}
//     int64_t Increment() { return ++count_; }
//    private:
//     int64_t count_;
//   };
//   Counter* CreateCounter(int64_t start) { return new Counter(start); }
//   MINIRAY_ACTOR_FACTORY(CreateCounter);
//   MINIRAY_ACTOR_METHOD(Counter, Increment);
//
//   ActorHandle<Counter> counter = miniray::Actor(CreateCounter).Remote(0);
//   ObjectRef<int64_t> one = counter.Task(&Counter::Increment).Remote();
//
// The GCS places the actor on a node with the resources it asks for
// (default {"CPU": 1}, held for the actor's lifetime). Calls made by one
// process run in the order they were made. A handle can be passed to tasks
// and other actors; a named actor can be found with GetActor.
#ifndef MINIRAY_API_ACTOR_H_
#define MINIRAY_API_ACTOR_H_

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include "src/api/object_ref.h"
#include "src/api/remote_function.h"
#include "src/api/serialize.h"
#include "src/core_worker/core_worker.h"
#include "src/core_worker/function_registry.h"

namespace miniray {

// A reference to an actor of class C. Cheap to copy; serializable, so it can
// be an argument of tasks and actor methods.
template <typename C>
class ActorHandle {
 public:
  ActorHandle() = default;
  explicit ActorHandle(TaskId id) : worker_(id.worker), seq_(id.seq) {}

  TaskId id() const { return TaskId{worker_, seq_}; }

  // A method call ready to be made: handle.Task(&C::Method).Remote(args...).
  template <typename R, typename... Params>
  auto Task(R (C::*method)(Params...)) const;
  template <typename R, typename... Params>
  auto Task(R (C::*method)(Params...) const) const;

  template <typename Archive>
  void Serialize(Archive& archive) {
    archive(worker_, seq_);
  }

 private:
  uint64_t worker_ = 0;
  uint64_t seq_ = 0;
};

namespace internal {

// The readable name of class C (demangled), the key that ties an actor
// class's factory to its methods.
std::string Demangle(const char* mangled);
template <typename C>
std::string ClassName() {
  return Demangle(typeid(C).name());
}

// Method names by the bytes of their member pointers.
std::map<std::string, std::string>& MethodNames();

template <typename M>
std::string MethodKey(M method) {
  std::string key(sizeof(M), '\0');
  std::memcpy(key.data(), &method, sizeof(M));
  return key;
}

template <typename M>
std::string MethodName(M method) {
  auto it = MethodNames().find(MethodKey(method));
  if (it == MethodNames().end()) {
    throw std::logic_error(
        "Task() of an actor method not registered with MINIRAY_ACTOR_METHOD");
  }
  return it->second;
}

template <typename C, typename M, typename R, typename... Params, size_t... I>
std::vector<std::string> InvokeMethod(C* instance, M method,
                                      const ArgumentViews& args,
                                      std::index_sequence<I...>) {
  if (args.size() != sizeof...(Params)) {
    throw std::invalid_argument(absl::StrCat(
        "expected ", sizeof...(Params), " arguments, got ", args.size()));
  }
  if constexpr (std::is_void_v<R>) {
    (instance->*method)(DecodeArgument<Params>(args[I], I)...);
    return {Serialize(true)};
  } else {
    return {Serialize((instance->*method)(DecodeArgument<Params>(args[I], I)...))};
  }
}

template <typename C, typename M, typename R, typename... Params>
bool RegisterMethod(const std::string& name, M method) {
  FunctionRegistry::Global().RegisterMethod(
      name, ClassName<C>(), [method](void* instance, const ArgumentViews& args) {
        return InvokeMethod<C, M, R, Params...>(
            static_cast<C*>(instance), method, args,
            std::index_sequence_for<Params...>());
      });
  MethodNames()[MethodKey(method)] = name;
  return true;
}

template <typename C, typename R, typename... Params>
bool RegisterActorMethod(const std::string& name, R (C::*method)(Params...)) {
  return RegisterMethod<C, decltype(method), R, Params...>(name, method);
}
template <typename C, typename R, typename... Params>
bool RegisterActorMethod(const std::string& name,
                         R (C::*method)(Params...) const) {
  return RegisterMethod<C, decltype(method), R, Params...>(name, method);
}

template <typename C, typename... Params, size_t... I>
std::shared_ptr<void> InvokeFactory(C* (*factory)(Params...),
                                    const ArgumentViews& args,
                                    std::index_sequence<I...>) {
  if (args.size() != sizeof...(Params)) {
    throw std::invalid_argument(absl::StrCat(
        "expected ", sizeof...(Params), " arguments, got ", args.size()));
  }
  return std::shared_ptr<C>(factory(DecodeArgument<Params>(args[I], I)...));
}

template <typename C, typename... Params>
bool RegisterFactory(const std::string& name, C* (*factory)(Params...)) {
  FunctionRegistry::Global().RegisterFactory(
      name, ClassName<C>(), [factory](const ArgumentViews& args) {
        return InvokeFactory(factory, args,
                             std::index_sequence_for<Params...>());
      });
  FunctionNames()[reinterpret_cast<const void*>(factory)] = name;
  return true;
}

template <typename Params, size_t... I, typename... Args>
std::vector<TaskArgument> MakeArguments(std::index_sequence<I...>,
                                        Args&&... args) {
  std::vector<TaskArgument> arguments;
  (arguments.push_back(MakeArgument<std::tuple_element_t<I, Params>>(
       std::forward<Args>(args))),
   ...);
  return arguments;
}

}  // namespace internal

// Actor(factory).SetResources(...).SetName(...).Remote(args...).
template <typename C, typename... Params>
class ActorCreator {
 public:
  explicit ActorCreator(C* (*factory)(Params...)) {
    auto it = internal::FunctionNames().find(
        reinterpret_cast<const void*>(factory));
    if (it == internal::FunctionNames().end()) {
      throw std::logic_error(
          "Actor() of a factory not registered with MINIRAY_ACTOR_FACTORY");
    }
    factory_ = it->second;
  }
  ActorCreator& SetResources(const std::map<std::string, double>& resources) {
    options_.resources = ResourceSet::FromMap(resources);
    return *this;
  }
  ActorCreator& SetName(std::string name) {
    options_.name = std::move(name);
    return *this;
  }
  // Times the GCS restarts the actor after its worker dies (-1: always;
  // default 0, as Ray's max_restarts). The constructor rebuilds its state.
  ActorCreator& SetMaxRestarts(int max_restarts) {
    options_.max_restarts = max_restarts;
    return *this;
  }
  // Times a method call is sent again after the actor's worker died (-1:
  // always; default 0, as Ray's max_task_retries).
  ActorCreator& SetMaxTaskRetries(int max_task_retries) {
    options_.max_task_retries = max_task_retries;
    return *this;
  }
  template <typename... Args>
  ActorHandle<C> Remote(Args&&... args) {
    static_assert(sizeof...(Args) == sizeof...(Params),
                  "Remote() takes as many arguments as the factory");
    std::vector<TaskArgument> arguments =
        internal::MakeArguments<std::tuple<Params...>>(
            std::index_sequence_for<Params...>(), std::forward<Args>(args)...);
    return ActorHandle<C>(
        CurrentWorker().CreateActor(factory_, std::move(arguments), options_));
  }

 private:
  std::string factory_;
  ActorOptions options_;
};

template <typename C, typename... Params>
ActorCreator<C, Params...> Actor(C* (*factory)(Params...)) {
  return ActorCreator<C, Params...>(factory);
}

// A call of one method of one actor.
template <typename R, typename... Params>
class ActorTaskCaller {
 public:
  ActorTaskCaller(TaskId actor, std::string method)
      : actor_(actor), method_(std::move(method)) {
    options_.resources = ResourceSet();  // the actor holds its resources
    options_.name = method_;
  }
  template <typename... Args>
  ObjectRef<std::conditional_t<std::is_void_v<R>, bool, R>> Remote(
      Args&&... args) {
    static_assert(sizeof...(Args) == sizeof...(Params),
                  "Remote() takes as many arguments as the method");
    std::vector<TaskArgument> arguments =
        internal::MakeArguments<std::tuple<Params...>>(
            std::index_sequence_for<Params...>(), std::forward<Args>(args)...);
    CoreWorker& worker = CurrentWorker();
    std::vector<ObjectId> ids = worker.SubmitActorTask(
        actor_, method_, std::move(arguments), options_);
    return ObjectRef<std::conditional_t<std::is_void_v<R>, bool, R>>::Adopt(
        ids[0], worker.address(), &worker);
  }

 private:
  TaskId actor_;
  std::string method_;
  TaskOptions options_;
};

template <typename C>
template <typename R, typename... Params>
auto ActorHandle<C>::Task(R (C::*method)(Params...)) const {
  return ActorTaskCaller<R, Params...>(id(), internal::MethodName(method));
}

template <typename C>
template <typename R, typename... Params>
auto ActorHandle<C>::Task(R (C::*method)(Params...) const) const {
  return ActorTaskCaller<R, Params...>(id(), internal::MethodName(method));
}

// The actor named `name`; throws RayError (ACTOR_DIED) if there is none.
template <typename C>
ActorHandle<C> GetActor(const std::string& name) {
  std::optional<TaskId> id = CurrentWorker().GetNamedActor(name);
  if (!id) {
    throw RayError(rpc::ACTOR_DIED, "no actor named \"" + name + "\"");
  }
  return ActorHandle<C>(*id);
}

}  // namespace miniray

// Registers an actor factory `C* fn(args...)`, named after it.
#define MINIRAY_ACTOR_FACTORY(fn)                                   \
  [[maybe_unused]] static const bool MINIRAY_REMOTE_CONCAT(          \
      miniray_factory_, __LINE__) =                                  \
      ::miniray::internal::RegisterFactory(#fn, &fn)

// Registers method `method` of actor class `C`, named "C::method".
#define MINIRAY_ACTOR_METHOD(C, method)                              \
  [[maybe_unused]] static const bool MINIRAY_REMOTE_CONCAT(          \
      miniray_method_, __LINE__) =                                   \
      ::miniray::internal::RegisterActorMethod(#C "::" #method, &C::method)

#endif  // MINIRAY_API_ACTOR_H_
