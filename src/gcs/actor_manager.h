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
// When the actor's worker dies (its raylet reports it, or its node is
// declared dead) the GCS restarts it, as Ray does, while its max_restarts
// allows: a new lease, the constructor run again, a new address; callers
// that wait for the restart hear of it. An actor whose owner's node died
// dies with its owner (fate sharing). A lease request waiting on a node
// that dies, or a spillback to a node the GCS knows is dead (the owner's
// raylet may not know yet), is asked of the owner's raylet again after
// kLeaseRetryDelay, up to kLeaseAttemptsMax times.
//
// Single-threaded, on the GCS's loop.
#ifndef MINIRAY_GCS_ACTOR_MANAGER_H_
#define MINIRAY_GCS_ACTOR_MANAGER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"

namespace miniray {

class GcsActorManager {
 public:
  // Registers CreateActor and GetActorInfo on `endpoint` (before Start).
  GcsActorManager(Clock& clock, RpcEndpoint& endpoint);

  // All actors, by id.
  std::vector<rpc::ActorInfo> actors() const;
  // Restarts so far, of all actors.
  uint64_t restarts() const { return restarts_; }

  // The actors that lived on `node` lost their worker; those owned by a
  // process of `node` die with their owner.
  void OnNodeDied(uint32_t node);
  // A worker died: the actor it hosted (if any) lost its worker; the
  // actors it owned die with it.
  void OnWorkerFailure(const rpc::ReportWorkerFailureRequest& failure);

  // How long a caller waiting for a restart (min_num_restarts) waits before
  // it is told the actor's current state.
  static constexpr absl::Duration kRestartPatience = absl::Seconds(2);
  static constexpr absl::Duration kLeaseRetryDelay = absl::Milliseconds(100);
  static constexpr int kLeaseAttemptsMax = 100;

 private:
  struct Waiter {
    Respond<GetActorInfo> respond;
    uint32_t min_num_restarts = 0;
    TimerId timer = 0;
  };
  struct Actor {
    rpc::ActorInfo info;
    rpc::TaskSpec spec;
    Address owner_raylet;  // where the GCS asks for a worker
    // The lease request under way: its number (a reply to an older one is
    // stale), the node asked (kNoNode: the owner's raylet, whose node is
    // not looked up), and how many were sent for this incarnation.
    uint64_t lease_request = 0;
    uint32_t lease_node = kNoNode;
    int lease_attempts = 0;
    std::vector<Respond<CreateActor>> creators;
    std::map<uint64_t, Waiter> waiters;  // by arrival
  };

  void HandleCreateActor(rpc::CreateActorRequest request,
                         Respond<CreateActor> respond);
  void HandleGetActorInfo(rpc::GetActorInfoRequest request,
                          Respond<GetActorInfo> respond);
  void RequestLease(TaskId id, const Address& raylet, bool grant_or_reject,
                    uint32_t node = kNoNode);
  // Asks the owner's raylet again, later: the node asked died.
  void RetryLease(TaskId id, const std::string& why);
  void OnLease(TaskId id, absl::StatusOr<rpc::LeaseReply> reply);
  void PushCreation(TaskId id, const rpc::LeaseGranted& granted);
  void Settle(TaskId id, rpc::ActorState state, const rpc::ErrorInfo& death);
  // The actor's worker is gone: restart it if it may, else it is dead.
  void OnWorkerLost(TaskId id, const std::string& why);
  // Answers the waiters of `id` that the actor's state now satisfies (all
  // of them with `all`).
  void AnswerWaiters(TaskId id, bool all);
  void AnswerWaiter(TaskId id, uint64_t waiter);

  Clock& clock_;
  RpcEndpoint& endpoint_;
  std::map<TaskId, Actor> actors_;
  uint64_t restarts_ = 0;
  uint64_t next_waiter_ = 1;
  uint64_t next_lease_request_ = 1;
  std::map<std::string, TaskId> names_;  // live and pending named actors
  std::vector<uint32_t> dead_nodes_;     // as declared by the GCS
};

}  // namespace miniray

#endif  // MINIRAY_GCS_ACTOR_MANAGER_H_
