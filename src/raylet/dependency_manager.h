// DependencyManager: makes a lease request's arguments local, and keeps
// them there until the lease ends.
//
// A task runs only when the objects it takes as arguments are in its node's
// object store. For each queued lease request the raylet hands the
// arguments here; they are pulled, then pinned so that the store cannot
// evict them while the request waits for resources or the task runs.
//
// Pulls are admitted in arrival order only while the store has room for
// the arguments of the request (its capacity minus what is pinned or
// reserved), as Ray's pull manager admits whole bundles: without this,
// requests that together need more than the store holds would evict each
// other's arguments for ever. A request whose arguments cannot fit even in
// an empty store fails at once, and one not admitted within
// `admission_timeout` fails then: miniray does not spill objects to disk as
// Ray does, so pinned primary copies can leave no room for good.
//
//   deps.Add(seq, request.spec().dependencies());  // later: on_ready(seq, ok)
//   ...
//   deps.Remove(seq);                              // lease over: unpin
//
// Single-threaded, on the raylet's loop.
#ifndef MINIRAY_RAYLET_DEPENDENCY_MANAGER_H_
#define MINIRAY_RAYLET_DEPENDENCY_MANAGER_H_

#include <functional>
#include <map>
#include <vector>

#include "google/protobuf/repeated_field.h"
#include "src/object_manager/object_manager.h"
#include "src/object_store/object_store.h"
#include "src/proto/miniray.pb.h"
#include "src/runtime/clock.h"

namespace miniray {

class DependencyManager {
 public:
  // Called once per request: its arguments are local and pinned (error
  // type ERROR_NONE), or they cannot be made local.
  using OnReady = std::function<void(uint64_t seq, const rpc::ErrorInfo&)>;

  DependencyManager(Clock& clock, ObjectStore& store,
                    ObjectManager& object_manager, OnReady on_ready,
                    absl::Duration admission_timeout = absl::Seconds(10))
      : clock_(clock),
        store_(store),
        object_manager_(object_manager),
        on_ready_(std::move(on_ready)),
        admission_timeout_(admission_timeout) {}
  ~DependencyManager();

  // Starts making `deps` local for request `seq` (seqs increase).
  void Add(uint64_t seq,
           const google::protobuf::RepeatedPtrField<rpc::ObjectRefProto>& deps);
  // Unpins the request's arguments and forgets it (lease over, or the
  // request went elsewhere). Admits waiting requests that now fit.
  void Remove(uint64_t seq);
  // Room may have appeared in the store (objects were freed): admit more.
  void Admit();

  size_t num_waiting() const;

 private:
  struct Request {
    std::vector<rpc::ObjectRefProto> deps;
    bool admitted = false;
    int pending = 0;
    int64_t reserved_bytes = 0;  // admitted bytes still to arrive
    std::vector<ObjectId> pinned;
    TimerId admission_timer = 0;
  };

  int64_t MissingBytes(const Request& request) const;
  void Start(uint64_t seq, Request& request);
  void OnPulled(uint64_t seq, const rpc::ObjectRefProto& ref,
                const rpc::ErrorInfo& error);
  // Forgets the request and tells the raylet; does not admit others (the
  // caller may be iterating the requests).
  void Fail(uint64_t seq, const rpc::ErrorInfo& error);
  void Erase(uint64_t seq);

  void OnAdmissionTimeout(uint64_t seq);

  Clock& clock_;
  ObjectStore& store_;
  ObjectManager& object_manager_;
  OnReady on_ready_;
  const absl::Duration admission_timeout_;
  // In arrival order: admission is first come, first served.
  std::map<uint64_t, Request> requests_;
  int64_t reserved_bytes_ = 0;  // sum over admitted requests
};

}  // namespace miniray

#endif  // MINIRAY_RAYLET_DEPENDENCY_MANAGER_H_
