// ObjectRef<T>: a reference to an object holding a T, and RayError.
//
// Holding an ObjectRef keeps the object alive: each copy counts as a
// reference with the core worker of the process that holds it, and the
// object is freed when the last reference anywhere is gone.
#ifndef MINIRAY_API_OBJECT_REF_H_
#define MINIRAY_API_OBJECT_REF_H_

#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/strings/string_view.h"

#include "src/common/ids.h"
#include "src/core_worker/core_worker.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

// An error the system reports to program code: a task that raised, a task
// no node can run, an object that was lost. Thrown by Get (and by Put when
// the object store is full). what() is "<TYPE>: <message>".
class RayError : public std::runtime_error {
 public:
  RayError(rpc::ErrorType type, const std::string& message)
      : std::runtime_error(rpc::ErrorType_Name(type) + ": " + message),
        type_(type) {}
  rpc::ErrorType type() const { return type_; }

 private:
  rpc::ErrorType type_;
};

// Throws the RayError that `error` describes, if any.
void ThrowIfError(const rpc::ErrorInfo& error);

template <typename T>
class ObjectRef {
  static_assert(!std::is_same_v<T, absl::string_view>,
                "an object cannot hold an absl::string_view (a view of bytes "
                "that go away): return or Put a std::string; take "
                "absl::string_view as a task parameter to read one in place");

 public:
  ObjectRef() = default;
  ~ObjectRef() { Release(); }

  ObjectRef(const ObjectRef& other)
      : id_(other.id_), owner_(other.owner_), worker_(other.worker_) {
    if (worker_ != nullptr) worker_->AddLocalReference(id_);
  }
  ObjectRef& operator=(const ObjectRef& other) {
    if (this != &other) {
      if (other.worker_ != nullptr) other.worker_->AddLocalReference(other.id_);
      Release();
      id_ = other.id_;
      owner_ = other.owner_;
      worker_ = other.worker_;
    }
    return *this;
  }
  ObjectRef(ObjectRef&& other) noexcept
      : id_(other.id_),
        owner_(std::move(other.owner_)),
        worker_(std::exchange(other.worker_, nullptr)) {}
  ObjectRef& operator=(ObjectRef&& other) noexcept {
    if (this != &other) {
      Release();
      id_ = other.id_;
      owner_ = std::move(other.owner_);
      worker_ = std::exchange(other.worker_, nullptr);
    }
    return *this;
  }

  // Wraps a reference the core worker has already counted for us.
  static ObjectRef Adopt(ObjectId id, Address owner, CoreWorker* worker) {
    ObjectRef ref;
    ref.id_ = id;
    ref.owner_ = std::move(owner);
    ref.worker_ = worker;
    return ref;
  }

  const ObjectId& id() const { return id_; }
  const Address& owner() const { return owner_; }
  bool valid() const { return worker_ != nullptr; }

 private:
  void Release() {
    if (worker_ != nullptr) worker_->RemoveLocalReference(id_);
    worker_ = nullptr;
  }

  ObjectId id_;
  Address owner_;
  CoreWorker* worker_ = nullptr;  // whose reference count we hold
};

}  // namespace miniray

#endif  // MINIRAY_API_OBJECT_REF_H_
