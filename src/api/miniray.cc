#include "src/api/miniray.h"

#include "src/api/actor.h"

#include <cxxabi.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/rpc/convert.h"

namespace miniray {

void ThrowIfError(const rpc::ErrorInfo& error) {
  if (error.type() == rpc::ERROR_NONE) return;
  throw RayError(error.type(), error.message());
}

CoreWorker& CurrentWorker() {
  CoreWorker* worker = CoreWorker::Current();
  CHECK(worker != nullptr)
      << "miniray API called outside a program or task (no core worker)";
  return *worker;
}

void Work(absl::Duration duration) { CurrentWorker().Work(duration); }

namespace internal {
std::map<const void*, std::string>& FunctionNames() {
  static auto* names = new std::map<const void*, std::string>();
  return *names;
}
std::string Demangle(const char* mangled) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
  return name;
}

std::map<std::string, std::string>& MethodNames() {
  static auto* names = new std::map<std::string, std::string>();
  return *names;
}
}  // namespace internal

ObjectRef<Blob> SubmitSynthetic(const SyntheticTaskOptions& options,
                                const std::vector<ObjectRef<Blob>>& deps) {
  CoreWorker& worker = CurrentWorker();
  TaskOptions task;
  task.name = options.name;
  task.resources = ResourceSet::FromMap(options.resources);
  task.synthetic_duration_ns = absl::ToInt64Nanoseconds(options.duration);
  task.synthetic_output_bytes = options.output_bytes;
  std::vector<TaskArgument> args;
  for (const ObjectRef<Blob>& dep : deps) {
    TaskArgument arg;
    arg.ref = dep.id();
    arg.ref_owner = dep.owner();
    args.push_back(std::move(arg));
  }
  std::vector<ObjectId> ids = worker.SubmitTask("", std::move(args), task);
  return ObjectRef<Blob>::Adopt(ids[0], worker.address(), &worker);
}

}  // namespace miniray
