// GrpcTransport: the Transport of the real runtime, over gRPC.
//
// Every message is one unary call of gRPC's generic (untyped) API: method M
// is the gRPC method "/miniray/M" and the payload travels as it is, handed
// to gRPC without a copy (no envelope message to serialize around it).
// Listening starts a gRPC server per address (GrpcListener); calling uses
// one cached channel per destination and gRPC's asynchronous API on the
// event loop's completion queue, so no thread blocks on a call and no gRPC
// thread stands between the socket and the loop (event_loop.h):
//
//   EventLoop loop("raylet");
//   GrpcTransport transport(loop, {.token = "s3cret"});
//   absl::StatusOr<Address> bound =
//       transport.ListenAndGetAddress("0.0.0.0:0", handler);  // port 0: any
//   transport.Call(*bound, "10.0.0.5:6379", "Gcs.Heartbeat", bytes,
//                  {.timeout = absl::Seconds(1)},
//                  [](absl::StatusOr<std::string> reply) { ... });
//
// Threads: request handlers and reply callbacks run on `loop`, never
// concurrently with its other callbacks (a reply callback runs as the
// completion of its call, without a Post). The `reply` a handler gets may be
// called from any thread, later; only its first call counts. Every method
// may be called from any thread. The loop must outlive the transport.
//
// Errors: gRPC codes map one to one onto absl codes. Unavailable: nothing
// listens, or the server closed; DeadlineExceeded: no reply within
// options.timeout; Unauthenticated: the cluster tokens differ;
// ResourceExhausted: a message above max_message_bytes (refused before it
// is sent when the sender can tell). After a destination refused a
// connection, calls to it fail fast with Unavailable until the channel's
// next attempt (100 ms later, backing off to 2 s): callers retry. A handler's
// own error status reaches the caller unchanged; the transport's errors name
// the method and address.
//
// The cluster token goes with every call as "miniray-token" metadata and is
// compared in constant time. It is a shared secret, not encryption: the
// channel is plaintext, so a cluster belongs on a private network.
//
// Unlike SimNetwork, CallOptions::synthetic_bytes is ignored (there is no
// network model to charge them to), and replies are dropped only for a
// `from` address that was Closed after the call was made, not for a `from`
// that never listened.
//
// Destruction: servers stop (unanswered requests fail with Unavailable),
// outstanding calls are cancelled and their callbacks run on the loop with
// Cancelled (or are dropped, if their `from` was closed or the loop has
// stopped), and the destructor returns only when every call has completed.
// Destroy it off the loop's thread, before the loop.
#ifndef MINIRAY_RUNTIME_REAL_GRPC_TRANSPORT_H_
#define MINIRAY_RUNTIME_REAL_GRPC_TRANSPORT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "src/runtime/real/event_loop.h"
#include "src/runtime/real/grpc_listener.h"
#include "src/runtime/transport.h"

namespace miniray {

class GrpcTransport : public Transport {
 public:
  struct Options {
    // The cluster token: sent with every call, demanded of every call
    // received. Must be non-empty unless insecure_no_token is set.
    std::string token;
    // Runs without a token: calls carry none and servers accept any. For
    // tests and single-machine experiments only.
    bool insecure_no_token = false;
    // The largest payload sent or accepted, request or reply.
    int64_t max_message_bytes = 256 << 20;
    // This process's node name, sent with every call ("miniray-node"
    // metadata) so that a receiver can apply a link's message faults.
    std::string node_name;
    // The fate of each message this transport's servers receive or answer
    // (GrpcListener); empty: no message faults.
    MessageFaultFn message_faults;
  };

  // CHECK-fails on an empty token without insecure_no_token (main turns
  // flags into options and validates them first).
  GrpcTransport(EventLoop& loop, Options options);
  ~GrpcTransport() override;
  GrpcTransport(const GrpcTransport&) = delete;
  GrpcTransport& operator=(const GrpcTransport&) = delete;

  // Listens on `address` ("host:port"; "0.0.0.0:P" for every interface).
  // AlreadyExists if this transport listens there already, or the port
  // cannot be bound. Port 0 works, but use ListenAndGetAddress to learn it.
  absl::Status Listen(const Address& address, RequestHandler handler) override;

  // As Listen; returns the address bound, with the port the system chose
  // if `address` asked for port 0. Close takes either address.
  absl::StatusOr<Address> ListenAndGetAddress(const Address& address,
                                              RequestHandler handler);

  // Stops the server at `address` (the one given to Listen, or the bound
  // one); see GrpcListener::Shutdown. Replies still due to calls made from
  // `address` are dropped. Do not call it from a thread the loop waits for.
  void Close(const Address& address) override;

  void Call(const Address& from, const Address& to, absl::string_view method,
            Payload request, const CallOptions& options,
            ReplyCallback on_reply) override;

  const Options& options() const { return options_; }

 private:
  struct Channel;
  struct Calls;
  struct OutgoingCall;

  // The stub for `to`, made on first use; null once shutting down.
  Channel* ChannelFor(const Address& to);
  // Posts `on_reply(result)` to the loop (Call's early failures).
  void FailNow(ReplyCallback on_reply, absl::Status status);

  EventLoop& loop_;
  const Options options_;
  // Shared with gRPC's callbacks, which may finish after the destructor.
  const std::shared_ptr<Calls> calls_;

  absl::Mutex mu_;
  // Listeners by bound address.
  absl::flat_hash_map<Address, std::unique_ptr<GrpcListener>> listeners_
      ABSL_GUARDED_BY(mu_);
  // The bound address of each address given to Listen.
  absl::flat_hash_map<Address, Address> bound_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Address, std::unique_ptr<Channel>> channels_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_GRPC_TRANSPORT_H_
