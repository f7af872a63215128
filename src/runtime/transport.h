// Transport: request/response messages between components, by address.
//
// Components speak to each other only through a Transport: gRPC in the real
// runtime, an in-memory network model in the simulator. Messages are bytes
// (serialized protobufs); src/rpc/ adds typed calls on top. A request is a
// Payload (payload.h): its bytes may be pieces shared with their sender or
// with the buffers they arrived in, so that a large one is not copied.
//
//   transport.Listen("head:6379", [](absl::string_view method,
//                                    Payload request, ReplyCallback reply) {
//     reply(Handle(method, request.Flatten()));
//   });
//   transport.Call("head:7000", "head:6379", "Gcs.Heartbeat", bytes, {},
//                  [](absl::StatusOr<std::string> reply) { ... });
//
// A reply callback runs exactly once: with the reply, or with an error
// (Unavailable: nothing listens at the address; DeadlineExceeded: no reply
// within the call's timeout). Callbacks run on the caller's event loop.
#ifndef MINIRAY_RUNTIME_TRANSPORT_H_
#define MINIRAY_RUNTIME_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/runtime/payload.h"

namespace miniray {

// "host:port". In the simulator the host is a node's name.
using Address = std::string;

using ReplyCallback = std::function<void(absl::StatusOr<std::string> reply)>;

// Handles one request; must call `reply` exactly once, now or later.
using RequestHandler = std::function<void(
    absl::string_view method, Payload request, ReplyCallback reply)>;

struct CallOptions {
  // The call fails with DeadlineExceeded if no reply came by then.
  absl::Duration timeout = absl::InfiniteDuration();
  // Bytes the message stands for beyond its serialized size (a chunk of a
  // synthetic object): they take time to cross the network like real bytes.
  int64_t synthetic_bytes = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Starts delivering requests sent to `address` to `handler`.
  // AlreadyExists if something listens there already.
  virtual absl::Status Listen(const Address& address,
                              RequestHandler handler) = 0;

  // Stops listening: later requests to `address` fail with Unavailable, and
  // replies still due to `address` are dropped.
  virtual void Close(const Address& address) = 0;

  // Sends `request` from `from` (an address this process listens on) to `to`.
  // `on_reply` may be empty when the caller does not care about the reply.
  virtual void Call(const Address& from, const Address& to,
                    absl::string_view method, Payload request,
                    const CallOptions& options, ReplyCallback on_reply) = 0;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_TRANSPORT_H_
