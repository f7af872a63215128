#include "src/runtime/real/grpc_transport.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/async_unary_call.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace miniray {
namespace {

// How soon a channel retries a destination that refused it. gRPC's default
// starts at 1 s and grows to 120 s: a raylet that restarts would look down
// for minutes. Fail-fast calls fail at once while the channel backs off.
// (GRPC_ARG_MIN_RECONNECT_BACKOFF_MS is not set: despite its name it is the
// shortest time a connection attempt is given, 20 s by default. At 100 ms,
// a handshake that a busy machine took longer over was cut off, and the
// call failed with "tcp handshaker shutdown".)
constexpr int kInitialReconnectBackoffMs = 100;
constexpr int kMaxReconnectBackoffMs = 2000;

}  // namespace

struct GrpcTransport::Channel {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
};

// One call in flight, and its tag on the loop's completion queue. Deletes
// itself when the call completes.
struct GrpcTransport::OutgoingCall : EventLoop::Completion {
  void OnComplete(bool ok) override;

  std::shared_ptr<Calls> calls;
  uint64_t id = 0;
  grpc::ClientContext context;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
  std::string method;
  grpc::ByteBuffer request;
  grpc::ByteBuffer reply;
  grpc::Status status;
  ReplyCallback on_reply;
  Address from;
  Address to;
  uint64_t from_closes = 0;  // Close(from) count when the call was made
};

// The calls in flight and what their completions need. Shared with the
// calls, which may complete after the transport is gone (then on the
// stopped loop's teardown, only to release what they hold).
struct GrpcTransport::Calls {
  explicit Calls(EventLoop& l) : loop(l) {}

  uint64_t CloseCount(const Address& address)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = closes.find(address);
    return it == closes.end() ? 0 : it->second;
  }

  EventLoop& loop;
  absl::Mutex mu;
  bool shutting_down ABSL_GUARDED_BY(mu) = false;
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
  // Calls started and not yet completed (the destructor cancels them).
  absl::flat_hash_map<uint64_t, OutgoingCall*> pending ABSL_GUARDED_BY(mu);
  // Notified once shutting down with no call pending.
  absl::Notification drained;
  // How often each address was closed: a reply to a call made before its
  // `from` closed is dropped, as the component that made it may be gone.
  absl::flat_hash_map<Address, uint64_t> closes ABSL_GUARDED_BY(mu);
};

namespace {

absl::StatusOr<std::string> ToResult(grpc::ClientContext& context,
                                     const grpc::Status& status,
                                     const grpc::ByteBuffer& reply,
                                     absl::string_view method,
                                     absl::string_view to) {
  if (status.ok()) return StringFromByteBuffer(reply);
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  const auto& trailers = context.GetServerTrailingMetadata();
  if (trailers.find(kHandlerStatusMetadataKey) != trailers.end()) {
    return absl::Status(code, status.error_message());
  }
  return absl::Status(
      code, absl::StrCat(method, " to ", to, ": ", status.error_message()));
}

}  // namespace

void GrpcTransport::OutgoingCall::OnComplete(bool /*ok*/) {
  // A unary call's Finish always completes with ok; `status` says how.
  bool deliver = false;
  {
    absl::MutexLock lock(&calls->mu);
    calls->pending.erase(id);
    deliver = on_reply && !calls->loop.stopped() &&
              calls->CloseCount(from) == from_closes;
    if (calls->shutting_down && calls->pending.empty() &&
        !calls->drained.HasBeenNotified()) {
      calls->drained.Notify();
    }
  }
  if (deliver) on_reply(ToResult(context, status, reply, method, to));
  delete this;
}

GrpcTransport::GrpcTransport(EventLoop& loop, Options options)
    : loop_(loop),
      options_(std::move(options)),
      calls_(std::make_shared<Calls>(loop)) {
  CHECK(!options_.token.empty() || options_.insecure_no_token)
      << "GrpcTransport needs a cluster token (or insecure_no_token)";
  CHECK_GT(options_.max_message_bytes, 0);
}

GrpcTransport::~GrpcTransport() {
  std::vector<std::unique_ptr<GrpcListener>> listeners;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [address, listener] : listeners_) {
      listeners.push_back(std::move(listener));
    }
    listeners_.clear();
  }
  // Servers first: loopback calls to them then fail fast with Unavailable.
  for (auto& listener : listeners) listener->Shutdown();
  {
    absl::MutexLock lock(&calls_->mu);
    calls_->shutting_down = true;
    // Under the lock, so that no call completes (and is deleted) meanwhile.
    for (auto& [id, call] : calls_->pending) call->context.TryCancel();
    if (calls_->pending.empty()) calls_->drained.Notify();
  }
  // Cancelled calls complete on the loop, or here once it has stopped.
  loop_.AwaitCompletion(calls_->drained);
}

absl::Status GrpcTransport::Listen(const Address& address,
                                   RequestHandler handler) {
  return ListenAndGetAddress(address, std::move(handler)).status();
}

absl::StatusOr<Address> GrpcTransport::ListenAndGetAddress(
    const Address& address, RequestHandler handler) {
  {
    absl::MutexLock lock(&mu_);
    if (listeners_.contains(address) || bound_.contains(address)) {
      return absl::AlreadyExistsError(
          absl::StrCat("something already listens on ", address));
    }
  }
  absl::StatusOr<std::unique_ptr<GrpcListener>> listener =
      GrpcListener::Start(address, std::move(handler), loop_,
                          {.token = options_.token,
                           .max_message_bytes = options_.max_message_bytes,
                           .node_name = options_.node_name,
                           .message_faults = options_.message_faults});
  if (!listener.ok()) return listener.status();
  Address bound = (*listener)->bound_address();
  absl::MutexLock lock(&mu_);
  if (address != bound) bound_[address] = bound;
  listeners_[bound] = *std::move(listener);
  return bound;
}

void GrpcTransport::Close(const Address& address) {
  std::unique_ptr<GrpcListener> listener;
  Address bound = address;
  {
    absl::MutexLock lock(&mu_);
    auto alias = bound_.find(address);
    if (alias != bound_.end()) {
      bound = alias->second;
      bound_.erase(alias);
    }
    auto it = listeners_.find(bound);
    if (it != listeners_.end()) {
      listener = std::move(it->second);
      listeners_.erase(it);
    }
    absl::erase_if(bound_,
                   [&](const auto& entry) { return entry.second == bound; });
  }
  // Counted on the loop, so that no reply callback is running meanwhile.
  auto count_close = [&] {
    absl::MutexLock lock(&calls_->mu);
    ++calls_->closes[address];
    if (bound != address) ++calls_->closes[bound];
  };
  if (!loop_.RunAndWait(count_close)) count_close();
  if (listener != nullptr) listener->Shutdown();
}

GrpcTransport::Channel* GrpcTransport::ChannelFor(const Address& to) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<Channel>& slot = channels_[to];
  if (slot == nullptr) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(GrpcMessageLimit(options_.max_message_bytes));
    args.SetMaxSendMessageSize(GrpcMessageLimit(options_.max_message_bytes));
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                kInitialReconnectBackoffMs);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
    slot = std::make_unique<Channel>();
    slot->channel =
        grpc::CreateCustomChannel(to, grpc::InsecureChannelCredentials(), args);
    slot->stub = std::make_unique<grpc::GenericStub>(slot->channel);
  }
  return slot.get();
}

void GrpcTransport::FailNow(ReplyCallback on_reply, absl::Status status) {
  if (!on_reply) return;
  loop_.Post([on_reply = std::move(on_reply), status = std::move(status)] {
    on_reply(status);
  });
}

void GrpcTransport::Call(const Address& from, const Address& to,
                         absl::string_view method, Payload request,
                         const CallOptions& options, ReplyCallback on_reply) {
  if (method.empty()) {
    FailNow(std::move(on_reply), absl::InvalidArgumentError(absl::StrCat(
                                     "a call to ", to, " without a method")));
    return;
  }
  if (static_cast<int64_t>(request.size()) > options_.max_message_bytes) {
    FailNow(std::move(on_reply),
            absl::ResourceExhaustedError(absl::StrCat(
                method, " to ", to, ": the request of ", request.size(),
                " bytes exceeds the transport's max message size of ",
                options_.max_message_bytes, " bytes")));
    return;
  }
  auto* call = new OutgoingCall();
  call->calls = calls_;
  call->method = std::string(method);
  // The payload's pieces go to gRPC as they are, kept alive until sent.
  call->request = ByteBufferOf(request);
  call->on_reply = std::move(on_reply);
  call->from = from;
  call->to = to;
  if (!options_.token.empty()) {
    call->context.AddMetadata(kTokenMetadataKey, options_.token);
  }
  if (!options_.node_name.empty()) {
    call->context.AddMetadata(kNodeMetadataKey, options_.node_name);
  }
  if (options.timeout != absl::InfiniteDuration()) {
    call->context.set_deadline(
        absl::ToChronoTime(absl::Now() + options.timeout));
  }
  Channel* channel = ChannelFor(to);
  {
    absl::MutexLock lock(&calls_->mu);
    if (calls_->shutting_down || channel == nullptr) {
      FailNow(std::move(call->on_reply),
              absl::CancelledError("the transport is shutting down"));
      delete call;
      return;
    }
    call->id = calls_->next_id++;
    call->from_closes = calls_->CloseCount(from);
    calls_->pending.emplace(call->id, call);
    // Started under the lock: the destructor, which cancels what is
    // pending, then sees a call that gRPC knows.
    call->reader = channel->stub->PrepareUnaryCall(
        &call->context, absl::StrCat(kMethodPathPrefix, method),
        call->request, loop_.completion_queue());
    call->reader->StartCall();
    call->reader->Finish(&call->reply, &call->status,
                         static_cast<EventLoop::Completion*>(call));
  }
}

}  // namespace miniray
