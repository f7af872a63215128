// RpcEndpoint: typed calls and handlers for one component's address.
//
// A component owns one endpoint. It registers a handler per method it serves
// and calls other components' methods, with protobuf messages in and out:
//
//   RpcEndpoint endpoint(transport, "worker-3:6000");
//   endpoint.Handle<ReturnWorker>(
//       [this](rpc::ReturnWorkerRequest request, Respond<ReturnWorker> respond) {
//         ...; respond(rpc::ReturnWorkerReply());
//       });
//   RETURN_IF_ERROR(endpoint.Start());
//   endpoint.Call<Heartbeat>(gcs_address, request, [](auto reply) { ... });
//
// A request that does not parse gets InvalidArgument; an unknown method gets
// Unimplemented. Handlers and reply callbacks run on the component's loop.
#ifndef MINIRAY_RPC_RPC_ENDPOINT_H_
#define MINIRAY_RPC_RPC_ENDPOINT_H_

#include <functional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/rpc/methods.h"
#include "src/rpc/payload_stream.h"
#include "src/runtime/transport.h"

namespace miniray {

template <typename Method>
using Respond = std::function<void(absl::StatusOr<typename Method::Reply>)>;

template <typename Method>
using OnReply = std::function<void(absl::StatusOr<typename Method::Reply>)>;

// A handler's Respond that serializes the reply (or passes on its error)
// for the transport's `reply`.
template <typename Method>
Respond<Method> SerializingResponder(ReplyCallback reply) {
  return [reply = std::move(reply)](
             absl::StatusOr<typename Method::Reply> result) {
    if (!result.ok()) {
      reply(result.status());
    } else {
      reply(result->SerializeAsString());
    }
  };
}

class RpcEndpoint {
 public:
  RpcEndpoint(Transport& transport, Address address)
      : transport_(transport), address_(std::move(address)) {}
  ~RpcEndpoint() { Stop(); }
  RpcEndpoint(const RpcEndpoint&) = delete;
  RpcEndpoint& operator=(const RpcEndpoint&) = delete;

  // Registers the handler of `Method`. Call before Start.
  template <typename Method>
  void Handle(std::function<void(typename Method::Request,
                                 Respond<Method>)> handler);

  // As Handle, with the request's bytes unparsed: for a handler that reads
  // a large bytes field in place instead of copying it out of the message
  // (the object manager's chunks). The handler rejects what does not parse.
  template <typename Method>
  void HandleSerialized(std::function<void(Payload, Respond<Method>)> handler);

  // Starts receiving requests at address().
  absl::Status Start();
  // Stops receiving; idempotent.
  void Stop();

  // Calls `Method` at `to`. `on_reply` may be empty (the reply is not
  // wanted, and the message is sent one way).
  template <typename Method>
  void Call(const Address& to, const typename Method::Request& request,
            OnReply<Method> on_reply, const CallOptions& options = {});

  // As Call, with the request already serialized: a broadcast serializes
  // once for all its destinations, a chunk is sent in pieces.
  template <typename Method>
  void CallSerialized(const Address& to, Payload request,
                      OnReply<Method> on_reply,
                      const CallOptions& options = {});

  const Address& address() const { return address_; }
  Transport& transport() { return transport_; }

 private:
  using RawHandler = std::function<void(Payload, ReplyCallback)>;

  void Dispatch(absl::string_view method, Payload request,
                ReplyCallback reply);

  Transport& transport_;
  const Address address_;
  absl::flat_hash_map<std::string, RawHandler> handlers_;
  bool started_ = false;
};

template <typename Method>
void RpcEndpoint::Handle(
    std::function<void(typename Method::Request, Respond<Method>)> handler) {
  handlers_[Method::kName] = [handler = std::move(handler)](
                                 Payload bytes, ReplyCallback reply) {
    typename Method::Request request;
    if (!ParsePayload(bytes, request)) {
      reply(absl::InvalidArgumentError(
          absl::StrCat("malformed request for ", Method::kName)));
      return;
    }
    handler(std::move(request), SerializingResponder<Method>(std::move(reply)));
  };
}

template <typename Method>
void RpcEndpoint::HandleSerialized(
    std::function<void(Payload, Respond<Method>)> handler) {
  handlers_[Method::kName] = [handler = std::move(handler)](
                                 Payload bytes, ReplyCallback reply) {
    handler(std::move(bytes), SerializingResponder<Method>(std::move(reply)));
  };
}

template <typename Method>
void RpcEndpoint::Call(const Address& to,
                       const typename Method::Request& request,
                       OnReply<Method> on_reply, const CallOptions& options) {
  CallSerialized<Method>(to, request.SerializeAsString(), std::move(on_reply),
                         options);
}

template <typename Method>
void RpcEndpoint::CallSerialized(const Address& to, Payload request,
                                 OnReply<Method> on_reply,
                                 const CallOptions& options) {
  ReplyCallback raw;
  if (on_reply) {
    raw = [on_reply = std::move(on_reply)](absl::StatusOr<std::string> bytes) {
      if (!bytes.ok()) {
        on_reply(bytes.status());
        return;
      }
      typename Method::Reply reply;
      if (!reply.ParseFromString(*bytes)) {
        on_reply(absl::DataLossError(
            absl::StrCat("malformed reply from ", Method::kName)));
        return;
      }
      on_reply(std::move(reply));
    };
  }
  transport_.Call(address_, to, Method::kName, std::move(request), options,
                  std::move(raw));
}

}  // namespace miniray

#endif  // MINIRAY_RPC_RPC_ENDPOINT_H_
