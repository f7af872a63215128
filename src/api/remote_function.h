// Remote functions: registering C++ functions by name and calling them as
// tasks.
//
//   double Sum(const std::vector<double>& xs);
//   MINIRAY_REMOTE(Sum);                       // at namespace scope
//
//   ObjectRef<double> total =
//       miniray::Task(Sum).SetResources({{"CPU", 2}}).Remote(xs_ref);
//
// Arguments are matched to the function's parameters one by one: a value is
// serialized as the parameter's type; an ObjectRef becomes a dependency whose
// value the function receives.
#ifndef MINIRAY_API_REMOTE_FUNCTION_H_
#define MINIRAY_API_REMOTE_FUNCTION_H_

#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/api/object_ref.h"
#include "src/api/serialize.h"
#include "src/core_worker/core_worker.h"
#include "src/core_worker/function_registry.h"

namespace miniray {

CoreWorker& CurrentWorker();

namespace internal {

// Names of registered functions, by address, so Task(fn) finds the name.
std::map<const void*, std::string>& FunctionNames();

template <typename T>
struct IsObjectRef : std::false_type {};
template <typename T>
struct IsObjectRef<ObjectRef<T>> : std::true_type {};

template <typename Param, typename Arg>
TaskArgument MakeArgument(Arg&& arg) {
  using A = std::decay_t<Arg>;
  TaskArgument out;
  if constexpr (IsObjectRef<A>::value) {
    out.ref = arg.id();
    out.ref_owner = arg.owner();
  } else {
    out.value = Serialize(static_cast<std::decay_t<Param>>(arg));
  }
  return out;
}

// Decodes argument I as the function's I-th parameter type.
template <typename Param>
std::decay_t<Param> DecodeArgument(absl::string_view bytes, size_t index) {
  absl::StatusOr<std::decay_t<Param>> value =
      Deserialize<std::decay_t<Param>>(bytes);
  if (!value.ok()) {
    throw std::invalid_argument(absl::StrCat(
        "argument ", index, ": ", value.status().message()));
  }
  return *std::move(value);
}

template <typename R, typename... Params, size_t... I>
std::vector<std::string> Invoke(R (*fn)(Params...),
                                const ArgumentViews& args,
                                std::index_sequence<I...>) {
  if (args.size() != sizeof...(Params)) {
    throw std::invalid_argument(absl::StrCat(
        "expected ", sizeof...(Params), " arguments, got ", args.size()));
  }
  return {Serialize(fn(DecodeArgument<Params>(args[I], I)...))};
}

template <typename R, typename... Params>
bool RegisterFunction(const std::string& name, R (*fn)(Params...)) {
  FunctionRegistry::Global().Register(
      name, [fn](const ArgumentViews& args) {
        return Invoke(fn, args, std::index_sequence_for<Params...>());
      });
  FunctionNames()[reinterpret_cast<const void*>(fn)] = name;
  return true;
}

}  // namespace internal

// A remote function ready to be called: Task(fn).SetResources(...).Remote(...).
template <typename R, typename... Params>
class TaskCaller {
 public:
  explicit TaskCaller(R (*fn)(Params...)) {
    auto it = internal::FunctionNames().find(reinterpret_cast<const void*>(fn));
    if (it == internal::FunctionNames().end()) {
      throw std::logic_error("Task() of a function not registered with MINIRAY_REMOTE");
    }
    function_ = it->second;
  }

  // Resources each call needs; default {"CPU": 1}.
  TaskCaller& SetResources(const std::map<std::string, double>& resources) {
    options_.resources = ResourceSet::FromMap(resources);
    return *this;
  }
  // A name for traces and graphs; default the function's name.
  TaskCaller& SetName(std::string name) {
    options_.name = std::move(name);
    return *this;
  }
  // Times a call runs again if its worker or node dies; default 3 (Ray's).
  TaskCaller& SetMaxRetries(int max_retries) {
    options_.max_retries = max_retries;
    return *this;
  }
  // Retry also when the function throws (Ray's retry_exceptions=True).
  TaskCaller& SetRetryExceptions(bool retry) {
    options_.retry_exceptions = retry;
    return *this;
  }

  template <typename... Args>
  ObjectRef<R> Remote(Args&&... args) {
    static_assert(sizeof...(Args) == sizeof...(Params),
                  "Remote() takes as many arguments as the function");
    return Submit(std::index_sequence_for<Params...>(),
                  std::forward<Args>(args)...);
  }

 private:
  template <size_t... I, typename... Args>
  ObjectRef<R> Submit(std::index_sequence<I...>, Args&&... args) {
    using ParamTuple = std::tuple<Params...>;
    std::vector<TaskArgument> arguments;
    (arguments.push_back(
         internal::MakeArgument<std::tuple_element_t<I, ParamTuple>>(
             std::forward<Args>(args))),
     ...);
    CoreWorker& worker = CurrentWorker();
    std::vector<ObjectId> ids =
        worker.SubmitTask(function_, std::move(arguments), options_);
    return ObjectRef<R>::Adopt(ids[0], worker.address(), &worker);
  }

  std::string function_;
  TaskOptions options_;
};

template <typename R, typename... Params>
TaskCaller<R, Params...> Task(R (*fn)(Params...)) {
  return TaskCaller<R, Params...>(fn);
}

// The contents of a synthetic object: only its size is real.
struct Blob {
  int64_t bytes = 0;
};

struct SyntheticTaskOptions {
  std::string name;
  absl::Duration duration;
  int64_t output_bytes = 0;
  std::map<std::string, double> resources = {{"CPU", 1}};
};

// Submits a synthetic task (no code: it takes `duration` and returns an
// object of `output_bytes`) that depends on `deps`.
ObjectRef<Blob> SubmitSynthetic(const SyntheticTaskOptions& options,
                                const std::vector<ObjectRef<Blob>>& deps);

}  // namespace miniray

#define MINIRAY_REMOTE_CONCAT_INNER(a, b) a##b
#define MINIRAY_REMOTE_CONCAT(a, b) MINIRAY_REMOTE_CONCAT_INNER(a, b)

// Registers `fn` as a remote function named after it.
#define MINIRAY_REMOTE(fn)                                                   \
  [[maybe_unused]] static const bool MINIRAY_REMOTE_CONCAT(                  \
      miniray_registered_, __LINE__) = ::miniray::internal::RegisterFunction( \
      #fn, &fn)

#endif  // MINIRAY_API_REMOTE_FUNCTION_H_
