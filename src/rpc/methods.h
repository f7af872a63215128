// The RPCs between miniray's components, each pairing a request message with
// its reply. A method's name is what travels on the wire.
//
//   endpoint.Call<RequestWorkerLease>(raylet, request,
//       [](absl::StatusOr<rpc::LeaseReply> reply) { ... });
#ifndef MINIRAY_RPC_METHODS_H_
#define MINIRAY_RPC_METHODS_H_

#include "src/proto/miniray.pb.h"

namespace miniray {

#define MINIRAY_RPC(Service, Method, RequestType, ReplyType) \
  struct Method {                                           \
    using Request = rpc::RequestType;                       \
    using Reply = rpc::ReplyType;                           \
    static constexpr const char* kName = #Service "." #Method; \
  }

// GCS.
MINIRAY_RPC(Gcs, RegisterNode, RegisterNodeRequest, RegisterNodeReply);
MINIRAY_RPC(Gcs, Heartbeat, HeartbeatRequest, HeartbeatReply);
MINIRAY_RPC(Gcs, GetAllNodes, GetAllNodesRequest, GetAllNodesReply);
MINIRAY_RPC(Gcs, GetClusterStats, GetClusterStatsRequest,
            GetClusterStatsReply);
MINIRAY_RPC(Gcs, CreateActor, CreateActorRequest, CreateActorReply);
MINIRAY_RPC(Gcs, GetActorInfo, GetActorInfoRequest, GetActorInfoReply);
MINIRAY_RPC(Gcs, ReportWorkerFailure, ReportWorkerFailureRequest,
            ReportWorkerFailureReply);
// Owners' task snapshots for the dashboard (real runtime only).
MINIRAY_RPC(Gcs, AddTaskEvents, AddTaskEventsRequest, AddTaskEventsReply);

// Raylet: scheduler, worker pool and object manager.
MINIRAY_RPC(Raylet, RequestWorkerLease, LeaseRequest, LeaseReply);
MINIRAY_RPC(Raylet, ReturnWorker, ReturnWorkerRequest, ReturnWorkerReply);
MINIRAY_RPC(Raylet, TaskBlocked, TaskBlockedRequest, TaskBlockedReply);
MINIRAY_RPC(Raylet, WorkerReady, WorkerReadyRequest, WorkerReadyReply);
MINIRAY_RPC(Raylet, FetchObjects, FetchObjectsRequest, FetchObjectsReply);
MINIRAY_RPC(Raylet, FreeObjects, FreeObjectsRequest, FreeObjectsReply);
MINIRAY_RPC(Raylet, UpdateClusterView, ClusterViewUpdate, ClusterViewAck);
// The GCS tells every raylet that a worker died, so that leases it owned
// are released.
MINIRAY_RPC(Raylet, WorkerFailed, ReportWorkerFailureRequest,
            ReportWorkerFailureReply);
MINIRAY_RPC(ObjectManager, PullObject, PullObjectRequest, PullObjectReply);
MINIRAY_RPC(ObjectManager, PushChunk, PushChunkRequest, PushChunkReply);

// A node's store service, for the worker processes of the node.
MINIRAY_RPC(Store, PutObject, StorePutRequest, StorePutReply);
MINIRAY_RPC(Store, GetObject, StoreGetRequest, StoreGetReply);

// Core worker: owner and executor.
MINIRAY_RPC(CoreWorker, PushTask, PushTaskRequest, PushTaskReply);
MINIRAY_RPC(CoreWorker, NodeDied, NodeDiedRequest, NodeDiedReply);
MINIRAY_RPC(CoreWorker, GetObjectLocations, GetObjectLocationsRequest,
            GetObjectLocationsReply);
MINIRAY_RPC(CoreWorker, UpdateObjectLocation, UpdateObjectLocationRequest,
            UpdateObjectLocationReply);

#undef MINIRAY_RPC

}  // namespace miniray

#endif  // MINIRAY_RPC_METHODS_H_
