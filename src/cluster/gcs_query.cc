#include "src/cluster/gcs_query.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "src/rpc/rpc_endpoint.h"

namespace miniray {
namespace {

// What the reply callback hands back to the waiting thread. Shared, so that
// a reply arriving after the waiter gave up touches nothing freed.
template <typename Reply>
struct Pending {
  absl::Mutex mu;
  absl::StatusOr<Reply> result ABSL_GUARDED_BY(mu) =
      absl::UnknownError("no reply");
  absl::Notification done;
};

// Calls `Method` at the GCS on `loop` and waits for the reply.
template <typename Method>
absl::StatusOr<typename Method::Reply> CallGcs(
    EventLoop& loop, Transport& transport, const Address& gcs,
    const typename Method::Request& request, absl::Duration timeout) {
  using Reply = typename Method::Reply;
  CHECK(!loop.InLoopThread()) << "a GCS query blocks: not on the loop";
  auto pending = std::make_shared<Pending<Reply>>();
  const bool posted = loop.RunAndWait([&] {
    // The endpoint only calls; it never listens. The callback keeps it
    // alive until the reply, and is destroyed on the loop.
    auto endpoint = std::make_shared<RpcEndpoint>(transport, "gcs-query");
    endpoint->Call<Method>(
        gcs, request,
        [pending, endpoint](absl::StatusOr<Reply> reply) {
          {
            absl::MutexLock lock(&pending->mu);
            pending->result = std::move(reply);
          }
          pending->done.Notify();
        },
        CallOptions{.timeout = timeout});
  });
  if (!posted) return absl::CancelledError("the event loop has stopped");
  // The transport answers by the deadline; the slack covers the loop's lag.
  if (!pending->done.WaitForNotificationWithTimeout(timeout +
                                                    absl::Seconds(5))) {
    return absl::DeadlineExceededError(
        absl::StrCat(Method::kName, " to ", gcs, ": no reply"));
  }
  absl::MutexLock lock(&pending->mu);
  return pending->result;
}

}  // namespace

absl::StatusOr<std::vector<rpc::NodeInfo>> QueryNodes(EventLoop& loop,
                                                      Transport& transport,
                                                      const Address& gcs,
                                                      absl::Duration timeout) {
  absl::StatusOr<rpc::GetAllNodesReply> reply = CallGcs<GetAllNodes>(
      loop, transport, gcs, rpc::GetAllNodesRequest(), timeout);
  if (!reply.ok()) return reply.status();
  return std::vector<rpc::NodeInfo>(reply->nodes().begin(),
                                    reply->nodes().end());
}

absl::StatusOr<rpc::ActorInfo> QueryActor(EventLoop& loop,
                                          Transport& transport,
                                          const Address& gcs,
                                          const std::string& name,
                                          absl::Duration timeout) {
  rpc::GetActorInfoRequest request;
  request.set_name(name);
  absl::StatusOr<rpc::GetActorInfoReply> reply =
      CallGcs<GetActorInfo>(loop, transport, gcs, request, timeout);
  if (!reply.ok()) return reply.status();
  if (!reply->found()) {
    return absl::NotFoundError(absl::StrCat("no actor named ", name));
  }
  return reply->actor();
}

absl::StatusOr<rpc::GetClusterStatsReply> QueryClusterStats(
    EventLoop& loop, Transport& transport, const Address& gcs,
    absl::Duration timeout, NodeId exclude_owner_node) {
  rpc::GetClusterStatsRequest request;
  if (exclude_owner_node != kNoNode) {
    request.set_exclude_owner_node(exclude_owner_node);
    request.set_has_exclude_owner_node(true);
  }
  return CallGcs<GetClusterStats>(loop, transport, gcs, request, timeout);
}

absl::Status WaitForGcs(EventLoop& loop, Transport& transport,
                        const Address& gcs, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status last;
  while (true) {
    absl::StatusOr<std::vector<rpc::NodeInfo>> nodes =
        QueryNodes(loop, transport, gcs, absl::Seconds(1));
    if (nodes.ok()) return absl::OkStatus();
    last = nodes.status();
    // A wrong token will not get better by asking again.
    if (absl::IsUnauthenticated(last)) return last;
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the GCS at ", gcs, " did not answer within ",
                   absl::FormatDuration(timeout), ": ", last.message()));
}

}  // namespace miniray
