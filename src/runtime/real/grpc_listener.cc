#include "src/runtime/real/grpc_listener.h"

#include <algorithm>
#include <climits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "src/common/constant_time.h"
#include "src/runtime/real/transport.grpc.pb.h"

namespace miniray {

bool TokensEqual(absl::string_view given, absl::string_view expected) {
  return ConstantTimeEquals(given, expected);
}

int GrpcMessageLimit(int64_t max_payload_bytes) {
  return static_cast<int>(
      std::min<int64_t>(max_payload_bytes + kEnvelopeSlackBytes, INT_MAX));
}

// The calls a listener has received and not yet replied to. Shared with
// the reply callbacks, which may outlive the listener.
struct GrpcListener::Calls {
  struct Open {
    grpc::CallbackServerContext* context;
    grpc::ServerUnaryReactor* reactor;
    transport::Envelope* reply;  // owned by gRPC until the reactor finishes
  };

  Calls(RequestHandler h, EventLoop& l, GrpcListener::Options o)
      : handler(std::move(h)), loop(l), options(std::move(o)) {}

  // Finishes call `id` with `result`, unless it finished already.
  void Reply(uint64_t id, absl::StatusOr<std::string> result);
  // Runs on the loop: hands a request to the handler.
  void Deliver(uint64_t id, std::string method, std::string payload,
               const std::shared_ptr<Calls>& self);

  const RequestHandler handler;
  EventLoop& loop;
  const GrpcListener::Options options;
  absl::Mutex mu;
  // Set on the loop by Shutdown; then no handler starts.
  bool closed ABSL_GUARDED_BY(mu) = false;
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
  absl::flat_hash_map<uint64_t, Open> open ABSL_GUARDED_BY(mu);
};

void GrpcListener::Calls::Reply(uint64_t id,
                                absl::StatusOr<std::string> result) {
  Open call;
  {
    absl::MutexLock lock(&mu);
    auto it = open.find(id);
    if (it == open.end()) return;  // replied already, or shut down
    call = it->second;
    open.erase(it);
  }
  if (!result.ok()) {
    // Marked, so that the caller tells the handler's errors (passed on as
    // they are) from the transport's own.
    call.context->AddTrailingMetadata(kHandlerStatusMetadataKey, "1");
    call.reactor->Finish(
        grpc::Status(static_cast<grpc::StatusCode>(result.status().code()),
                     std::string(result.status().message())));
    return;
  }
  if (static_cast<int64_t>(result->size()) > options.max_message_bytes) {
    call.reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("the reply of ", result->size(),
                     " bytes exceeds the transport's max message size of ",
                     options.max_message_bytes, " bytes")));
    return;
  }
  call.reply->set_payload(std::move(*result));
  call.reactor->Finish(grpc::Status::OK);
}

void GrpcListener::Calls::Deliver(uint64_t id, std::string method,
                                  std::string payload,
                                  const std::shared_ptr<Calls>& self) {
  {
    absl::MutexLock lock(&mu);
    // Closed: Shutdown finished the call already.
    if (closed) return;
  }
  handler(method, std::move(payload),
          [self, id](absl::StatusOr<std::string> result) {
            self->Reply(id, std::move(result));
          });
}

// The generic service: checks a call, registers it, posts it to the loop.
class GrpcListener::Service : public transport::Transport::CallbackService {
 public:
  explicit Service(std::shared_ptr<Calls> calls) : calls_(std::move(calls)) {}

  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* context,
                                 const transport::Envelope* request,
                                 transport::Envelope* reply) override;

 private:
  bool TokenOk(const grpc::CallbackServerContext& context) const;

  const std::shared_ptr<Calls> calls_;
};

bool GrpcListener::Service::TokenOk(
    const grpc::CallbackServerContext& context) const {
  const std::string& expected = calls_->options.token;
  if (expected.empty()) return true;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kTokenMetadataKey);
  if (it == metadata.end()) return false;
  return TokensEqual(absl::string_view(it->second.data(), it->second.size()),
                     expected);
}

grpc::ServerUnaryReactor* GrpcListener::Service::Call(
    grpc::CallbackServerContext* context, const transport::Envelope* request,
    transport::Envelope* reply) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!TokenOk(*context)) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        "wrong or missing cluster token: the caller's token does not match "
        "this cluster's (pass the cluster's --token)"));
    return reactor;
  }
  if (request->method().empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "malformed envelope: no method"));
    return reactor;
  }
  uint64_t id;
  {
    absl::MutexLock lock(&calls_->mu);
    if (calls_->closed) {
      reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   "the server is shutting down"));
      return reactor;
    }
    id = calls_->next_id++;
    calls_->open.emplace(id, Calls::Open{context, reactor, reply});
  }
  // The request belongs to this call and is not read again: take its
  // payload instead of copying megabytes.
  auto* mutable_request = const_cast<transport::Envelope*>(request);
  calls_->loop.Post(
      [calls = calls_, id, method = request->method(),
       payload = std::move(*mutable_request->mutable_payload())]() mutable {
        calls->Deliver(id, std::move(method), std::move(payload), calls);
      });
  return reactor;
}

absl::StatusOr<std::unique_ptr<GrpcListener>> GrpcListener::Start(
    const Address& address, RequestHandler handler, EventLoop& loop,
    const Options& options) {
  std::unique_ptr<GrpcListener> listener(new GrpcListener());
  listener->calls_ = std::make_shared<Calls>(std::move(handler), loop, options);
  listener->service_ = std::make_unique<Service>(listener->calls_);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(listener->service_.get());
  builder.SetMaxReceiveMessageSize(GrpcMessageLimit(options.max_message_bytes));
  builder.SetMaxSendMessageSize(GrpcMessageLimit(options.max_message_bytes));
  // gRPC sets SO_REUSEPORT by default on Linux: a second server on a busy
  // port would start and share its connections. Binding must fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  listener->server_ = builder.BuildAndStart();
  if (listener->server_ == nullptr || port == 0) {
    listener->shut_down_ = true;
    return absl::AlreadyExistsError(absl::StrCat(
        "cannot listen on ", address,
        ": the port is in use, or the host is not an address of this machine"));
  }
  const size_t colon = address.rfind(':');
  listener->bound_address_ = absl::StrCat(
      address.substr(0, colon == std::string::npos ? 0 : colon), ":", port);
  return listener;
}

GrpcListener::~GrpcListener() { Shutdown(); }

void GrpcListener::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  auto close = [this] {
    absl::MutexLock lock(&calls_->mu);
    calls_->closed = true;
  };
  // Closing on the loop orders it after any handler already running there.
  if (!calls_->loop.RunAndWait(close)) close();
  std::vector<Calls::Open> unanswered;
  {
    absl::MutexLock lock(&calls_->mu);
    for (auto& [id, call] : calls_->open) unanswered.push_back(call);
    calls_->open.clear();
  }
  for (Calls::Open& call : unanswered) {
    call.reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                      "the server closed before replying"));
  }
  // Every call is finished, so this returns as soon as gRPC is done.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  server_->Wait();
}

}  // namespace miniray
