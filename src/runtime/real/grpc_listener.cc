#include "src/runtime/real/grpc_listener.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "src/common/constant_time.h"

namespace miniray {

bool TokensEqual(absl::string_view given, absl::string_view expected) {
  return ConstantTimeEquals(given, expected);
}

int GrpcMessageLimit(int64_t max_payload_bytes) {
  return static_cast<int>(
      std::min<int64_t>(max_payload_bytes + kEnvelopeSlackBytes, INT_MAX));
}

grpc::ByteBuffer ByteBufferOwning(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(
      owned->data(), owned->size(),
      [](void* string) { delete static_cast<std::string*>(string); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

std::string StringFromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// The calls a listener has received and not yet replied to. Shared with
// the reply callbacks, which may outlive the listener.
struct GrpcListener::Calls {
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
  // Calls read and not yet finished. gRPC keeps a reactor alive until it
  // is finished, so the pointers stay valid while they are here.
  absl::flat_hash_map<uint64_t, Reactor*> open ABSL_GUARDED_BY(mu);
};

// One call: checks its token and method, reads its one request, hands it to
// the loop, and finishes with the reply. Deletes itself when gRPC is done.
class GrpcListener::Reactor : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(grpc::GenericCallbackServerContext* context,
          std::shared_ptr<Calls> calls);

  void OnReadDone(bool ok) override;
  void OnDone() override { delete this; }

  // Finishes the call with a handler's error or reply.
  void FinishWith(absl::StatusOr<std::string> result);

 private:
  bool TokenOk() const;

  grpc::GenericCallbackServerContext* const context_;
  const std::shared_ptr<Calls> calls_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer reply_;
};

GrpcListener::Reactor::Reactor(grpc::GenericCallbackServerContext* context,
                               std::shared_ptr<Calls> calls)
    : context_(context), calls_(std::move(calls)) {
  if (!TokenOk()) {
    Finish(grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        "wrong or missing cluster token: the caller's token does not match "
        "this cluster's (pass the cluster's --token)"));
    return;
  }
  const std::string& path = context_->method();
  if (!absl::StartsWith(path, kMethodPathPrefix) ||
      path.size() == strlen(kMethodPathPrefix)) {
    Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        absl::StrCat("malformed call: ", path,
                                     " is not a method of the transport")));
    return;
  }
  StartRead(&request_);
}

bool GrpcListener::Reactor::TokenOk() const {
  const std::string& expected = calls_->options.token;
  if (expected.empty()) return true;
  const auto& metadata = context_->client_metadata();
  auto it = metadata.find(kTokenMetadataKey);
  if (it == metadata.end()) return false;
  return TokensEqual(absl::string_view(it->second.data(), it->second.size()),
                     expected);
}

void GrpcListener::Reactor::OnReadDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "malformed call: no request message"));
    return;
  }
  // Taken before the call is registered: from then on Shutdown may finish
  // it from another thread.
  std::string payload = StringFromByteBuffer(request_);
  request_.Clear();
  std::string method = context_->method().substr(strlen(kMethodPathPrefix));
  uint64_t id;
  {
    absl::MutexLock lock(&calls_->mu);
    if (calls_->closed) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the server is shutting down"));
      return;
    }
    id = calls_->next_id++;
    calls_->open.emplace(id, this);
  }
  calls_->loop.Post([calls = calls_, id, method = std::move(method),
                     payload = std::move(payload)]() mutable {
    calls->Deliver(id, std::move(method), std::move(payload), calls);
  });
}

void GrpcListener::Reactor::FinishWith(absl::StatusOr<std::string> result) {
  if (!result.ok()) {
    // Marked, so that the caller tells the handler's errors (passed on as
    // they are) from the transport's own.
    context_->AddTrailingMetadata(kHandlerStatusMetadataKey, "1");
    Finish(grpc::Status(static_cast<grpc::StatusCode>(result.status().code()),
                        std::string(result.status().message())));
    return;
  }
  if (static_cast<int64_t>(result->size()) > calls_->options.max_message_bytes) {
    Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("the reply of ", result->size(),
                     " bytes exceeds the transport's max message size of ",
                     calls_->options.max_message_bytes, " bytes")));
    return;
  }
  reply_ = ByteBufferOwning(*std::move(result));
  StartWriteAndFinish(&reply_, grpc::WriteOptions(), grpc::Status::OK);
}

void GrpcListener::Calls::Reply(uint64_t id,
                                absl::StatusOr<std::string> result) {
  Reactor* reactor;
  {
    absl::MutexLock lock(&mu);
    auto it = open.find(id);
    if (it == open.end()) return;  // replied already, or shut down
    reactor = it->second;
    open.erase(it);
  }
  reactor->FinishWith(std::move(result));
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

// The generic service: every call gets a Reactor.
class GrpcListener::Service : public grpc::CallbackGenericService {
 public:
  explicit Service(std::shared_ptr<Calls> calls) : calls_(std::move(calls)) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(context, calls_);
  }

 private:
  const std::shared_ptr<Calls> calls_;
};

absl::StatusOr<std::unique_ptr<GrpcListener>> GrpcListener::Start(
    const Address& address, RequestHandler handler, EventLoop& loop,
    const Options& options) {
  std::unique_ptr<GrpcListener> listener(new GrpcListener());
  listener->calls_ = std::make_shared<Calls>(std::move(handler), loop, options);
  listener->service_ = std::make_unique<Service>(listener->calls_);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterCallbackGenericService(listener->service_.get());
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
  std::vector<Reactor*> unanswered;
  {
    absl::MutexLock lock(&calls_->mu);
    for (auto& [id, reactor] : calls_->open) unanswered.push_back(reactor);
    calls_->open.clear();
  }
  for (Reactor* reactor : unanswered) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "the server closed before replying"));
  }
  // Every call is finished, so this returns as soon as gRPC is done.
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  server_->Wait();
}

}  // namespace miniray
