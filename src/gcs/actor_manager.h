// GcsActorManager: the GCS's actor directory and actor scheduler.
//
// An owner asks the GCS to create an actor (CreateActor). The GCS records
// it, leases a worker for it from the owner's raylet (following spillbacks,
// so the raylets' scheduling policy places the actor and its resources are
// respected), pushes the creation task to that worker and, once the
// constructor has run, marks the actor alive. The lease is never returned:
// the worker and its resources belong to the actor for its lifetime.
// Anyone holding a handle asks where the actor lives (GetActorInfo), by id or
// by name; a request may wait until the actor is created.
//
// Single-threaded, on the GCS's loop.
#ifndef MINIRAY_GCS_ACTOR_MANAGER_H_
#define MINIRAY_GCS_ACTOR_MANAGER_H_

#include <map>
#include <string>
#include <vector>

#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"
#include "src/rpc/rpc_endpoint.h"

namespace miniray {

class GcsActorManager {
 public:
  // Registers CreateActor and GetActorInfo on `endpoint` (before Start).
  explicit GcsActorManager(RpcEndpoint& endpoint);

  // All actors, by id.
  std::vector<rpc::ActorInfo> actors() const;

  // The actors that lived on `node` are dead (miniray does not restart
  // actors yet).
  void OnNodeDied(uint32_t node);

 private:
  struct Actor {
    rpc::ActorInfo info;
    rpc::TaskSpec spec;
    std::vector<Respond<CreateActor>> creators;
    std::vector<Respond<GetActorInfo>> waiters;
  };

  void HandleCreateActor(rpc::CreateActorRequest request,
                         Respond<CreateActor> respond);
  void HandleGetActorInfo(rpc::GetActorInfoRequest request,
                          Respond<GetActorInfo> respond);
  void RequestLease(TaskId id, const Address& raylet, bool grant_or_reject);
  void OnLease(TaskId id, absl::StatusOr<rpc::LeaseReply> reply);
  void PushCreation(TaskId id, const rpc::LeaseGranted& granted);
  void Settle(TaskId id, rpc::ActorState state, const rpc::ErrorInfo& death);

  RpcEndpoint& endpoint_;
  std::map<TaskId, Actor> actors_;
  std::map<std::string, TaskId> names_;  // live and pending named actors
};

}  // namespace miniray

#endif  // MINIRAY_GCS_ACTOR_MANAGER_H_
