// miniray's C++ API: remote functions, object references, Get, Put, Wait.
//
// In the spirit of Ray's C++ API. A remote function is an ordinary function
// registered by name; calling it remotely returns an ObjectRef at once, and
// Get blocks until the value exists:
//
//   int Square(int x) { return x * x; }
//   MINIRAY_REMOTE(Square);
//
//   std::vector<miniray::ObjectRef<int>> refs;
//   for (int i = 0; i < 4; ++i) refs.push_back(miniray::Task(Square).Remote(i));
//   std::vector<int> squares = miniray::Get(refs);        // {0, 1, 4, 9}
//
// An ObjectRef passed as an argument is a dependency: the system runs the
// task once the object exists and hands the function its value, as Ray does.
// Errors (a function that threw, a task no node can run, a lost object)
// reach the caller as a RayError thrown by Get.
//
// These calls are made from program or task code, which runs on a fiber in
// the simulator; they act on the calling process's core worker.
#ifndef MINIRAY_API_MINIRAY_H_
#define MINIRAY_API_MINIRAY_H_

#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "src/api/actor.h"
#include "src/api/object_ref.h"
#include "src/api/remote_function.h"
#include "src/api/serialize.h"
#include "src/core_worker/core_worker.h"

namespace miniray {

// The core worker of the calling program or task; fails loudly outside one.
CoreWorker& CurrentWorker();

// Blocks until the object exists; returns its value or throws RayError.
template <typename T>
T Get(const ObjectRef<T>& ref);
template <typename T>
std::vector<T> Get(const std::vector<ObjectRef<T>>& refs);

// Stores `value` in the local object store and returns a reference to it.
template <typename T>
ObjectRef<T> Put(const T& value);

template <typename T>
struct WaitResult {
  std::vector<ObjectRef<T>> ready;
  std::vector<ObjectRef<T>> not_ready;
};
// Returns once `num_returns` of `refs` exist or `timeout` passed; `ready`
// holds at most `num_returns` references, in the order of `refs`.
template <typename T>
WaitResult<T> Wait(const std::vector<ObjectRef<T>>& refs, int num_returns,
                   absl::Duration timeout = absl::InfiniteDuration());

// Spends `duration` of simulated compute time (a task's cost model). The
// real runtime does nothing: there, real work takes real time.
void Work(absl::Duration duration);

// ------------------------------------------------------- implementation ---

namespace internal {
// Decodes a value fetched from the system, or throws RayError.
template <typename T>
T Decode(const rpc::ObjectValue& value) {
  ThrowIfError(value.error());
  absl::StatusOr<T> decoded = Deserialize<T>(value.data());
  if (!decoded.ok()) {
    throw RayError(rpc::TASK_FAILED, std::string(decoded.status().message()));
  }
  return *std::move(decoded);
}
}  // namespace internal

template <typename T>
T Get(const ObjectRef<T>& ref) {
  return internal::Decode<T>(CurrentWorker().Get({ref.id()})[0]);
}

template <typename T>
std::vector<T> Get(const std::vector<ObjectRef<T>>& refs) {
  std::vector<ObjectId> ids;
  for (const ObjectRef<T>& ref : refs) ids.push_back(ref.id());
  std::vector<rpc::ObjectValue> values = CurrentWorker().Get(ids);
  std::vector<T> out;
  out.reserve(values.size());
  for (const rpc::ObjectValue& value : values) {
    out.push_back(internal::Decode<T>(value));
  }
  return out;
}

template <typename T>
ObjectRef<T> Put(const T& value) {
  CoreWorker& worker = CurrentWorker();
  rpc::ObjectValue object;
  object.set_data(Serialize(value));
  absl::StatusOr<ObjectId> id = worker.Put(std::move(object));
  if (!id.ok()) {
    throw RayError(rpc::OBJECT_STORE_FULL, std::string(id.status().message()));
  }
  return ObjectRef<T>::Adopt(*id, worker.address(), &worker);
}

template <typename T>
WaitResult<T> Wait(const std::vector<ObjectRef<T>>& refs, int num_returns,
                   absl::Duration timeout) {
  std::vector<ObjectId> ids;
  for (const ObjectRef<T>& ref : refs) ids.push_back(ref.id());
  WaitOutcome ready = CurrentWorker().Wait(ids, num_returns, timeout);
  WaitResult<T> result;
  size_t next_ready = 0;
  for (const ObjectRef<T>& ref : refs) {
    const bool is_ready = next_ready < ready.ready.size() &&
                          ready.ready[next_ready] == ref.id();
    if (is_ready) ++next_ready;
    (is_ready ? result.ready : result.not_ready).push_back(ref);
  }
  return result;
}

}  // namespace miniray

#endif  // MINIRAY_API_MINIRAY_H_
