// GrpcListener: one gRPC server, the receiving half of GrpcTransport.
//
// GrpcTransport makes one listener per address it listens on. A component
// method M is the gRPC method "/miniray/M", and its request and reply are
// the payload bytes as they are, with no envelope to serialize or parse (a
// 5 MiB chunk is copied once out of gRPC's buffers, and a reply is handed
// to gRPC without a copy). The server is gRPC's core server on the event
// loop's own completion queue: the loop's thread accepts each call, checks
// its cluster token and method, reads the request and runs the component's
// handler, with no other thread in between (see event_loop.h). The
// handler's reply callback may run on any thread; the first call counts
// (later ones are ignored), and finishes the gRPC call:
//
//   auto listener = GrpcListener::Start("0.0.0.0:0", handler, loop,
//                                       {.token = "s3cret"});
//   if (!listener.ok()) return listener.status();
//   Address bound = (*listener)->bound_address();   // "0.0.0.0:41234"
//   ...
//   (*listener)->Shutdown();
//
// Shutdown guarantees, once it returns: no handler starts any more (it is
// sequenced on the loop), every call not yet replied to has finished with
// Unavailable, later replies are ignored, and the port is released.
// Message faults (`miniray local` applies a scenario's this way): each call
// carries its caller's node name; a listener given a `message_faults`
// function asks it for the fate of each request (caller -> this node) and
// of each reply (this node -> caller), and drops, duplicates or delays them
// as the simulator's network does: a dropped request fails with Unavailable
// without running the handler; a dropped reply fails with Unavailable after
// it ran; a duplicated request runs the handler twice and answers once. A
// request or reply on a cut link (a partition) waits until the link heals,
// as the simulator holds a cut link's messages; the caller's deadline, if
// any, still runs.
// Thread-safe. Internal to the real runtime: components use GrpcTransport.
#ifndef MINIRAY_RUNTIME_REAL_GRPC_LISTENER_H_
#define MINIRAY_RUNTIME_REAL_GRPC_LISTENER_H_

#include <cstdint>
#include <memory>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/byte_buffer.h"
#include "src/runtime/real/event_loop.h"
#include "src/runtime/real/grpc_buffers.h"
#include "src/runtime/transport.h"

namespace miniray {

// The metadata key that carries the cluster token.
inline constexpr char kTokenMetadataKey[] = "miniray-token";
// Trailing metadata set when an error status came from the handler, not
// from the transport: the caller passes those on unchanged.
inline constexpr char kHandlerStatusMetadataKey[] = "miniray-handler-status";
// The gRPC method of component method M is kMethodPathPrefix + M.
inline constexpr char kMethodPathPrefix[] = "/miniray/";
// The metadata key that carries the caller's node name (message faults).
inline constexpr char kNodeMetadataKey[] = "miniray-node";

// What a message fault does to one message.
struct MessageFate {
  bool drop = false;
  bool duplicate = false;       // requests only
  absl::Duration delay;         // zero: none
  // The link is cut (a partition): the message waits, and is asked about
  // again every few milliseconds until it is not; nothing else is decided
  // for it until then.
  bool held = false;
};
// Decides a message's fate from its sender's and receiver's node names.
using MessageFaultFn =
    std::function<MessageFate(absl::string_view from, absl::string_view to)>;

class GrpcListener {
 public:
  struct Options {
    // Calls must carry this token; empty accepts every call.
    std::string token;
    // Larger requests are refused by gRPC, larger replies by the listener.
    int64_t max_message_bytes = 256 << 20;
    // This process's node name, and the faults of its messages (none when
    // empty); see the header comment.
    std::string node_name;
    MessageFaultFn message_faults;
  };

  // Binds `address` ("host:port"; port 0 picks a free port) and starts
  // serving. AlreadyExists if the port is taken or cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcListener>> Start(
      const Address& address, RequestHandler handler, EventLoop& loop,
      const Options& options);

  // Shuts down, as Shutdown.
  ~GrpcListener();
  GrpcListener(const GrpcListener&) = delete;
  GrpcListener& operator=(const GrpcListener&) = delete;

  // Stops serving; see the header comment. Idempotent, but not to be called
  // from two threads at once, nor from a thread the loop is waiting for (it
  // waits for the loop).
  void Shutdown();

  // The host asked for and the port bound, e.g. "127.0.0.1:41234".
  const Address& bound_address() const { return bound_address_; }

 private:
  class ServerCall;
  class ShutdownDone;
  struct Calls;

  GrpcListener() = default;

  std::shared_ptr<Calls> calls_;
  Address bound_address_;
  bool shut_down_ = false;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_GRPC_LISTENER_H_
