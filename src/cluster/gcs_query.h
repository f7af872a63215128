// Blocking questions to the GCS from a thread that is not the event loop's
// (the main thread of `miniray local`, `node` or `status`).
//
//   absl::StatusOr<std::vector<rpc::NodeInfo>> nodes =
//       QueryNodes(loop, transport, "127.0.0.1:6379", absl::Seconds(2));
//   RETURN_IF_ERROR(WaitForGcs(loop, transport, gcs, absl::Seconds(30)));
//
// The call is made on `loop` through `transport`, from an address nobody
// listens on (the real transport allows that). Must not be called on the
// loop's thread, nor from a fiber. Thread-safe otherwise.
#ifndef MINIRAY_CLUSTER_GCS_QUERY_H_
#define MINIRAY_CLUSTER_GCS_QUERY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"
#include "src/runtime/real/event_loop.h"
#include "src/runtime/transport.h"

namespace miniray {

// Every node the GCS knows of (alive or dead). The transport's error if the
// GCS does not answer within `timeout`.
absl::StatusOr<std::vector<rpc::NodeInfo>> QueryNodes(EventLoop& loop,
                                                      Transport& transport,
                                                      const Address& gcs,
                                                      absl::Duration timeout);

// The actor named `name`, as the GCS has it now; NotFound if it knows
// none by that name.
absl::StatusOr<rpc::ActorInfo> QueryActor(EventLoop& loop,
                                          Transport& transport,
                                          const Address& gcs,
                                          const std::string& name,
                                          absl::Duration timeout);

// Counters the GCS keeps (actor restarts; the tasks of the owners not on
// `exclude_owner_node`, kNoNode: of every owner).
absl::StatusOr<rpc::GetClusterStatsReply> QueryClusterStats(
    EventLoop& loop, Transport& transport, const Address& gcs,
    absl::Duration timeout, NodeId exclude_owner_node = kNoNode);

// Asks until the GCS answers (every 100 ms); DeadlineExceeded, with the
// last error, if it has not answered within `timeout`.
absl::Status WaitForGcs(EventLoop& loop, Transport& transport,
                        const Address& gcs, absl::Duration timeout);

}  // namespace miniray

#endif  // MINIRAY_CLUSTER_GCS_QUERY_H_
