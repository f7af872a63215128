#include "src/runtime/real/grpc_listener.h"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "grpc/grpc.h"
#include "grpc/grpc_security.h"
#include "src/runtime/real/grpc_listener_calls.h"

namespace miniray {

GrpcListener::ServerCall::ServerCall(std::shared_ptr<Calls> calls)
    : calls_(std::move(calls)) {
  grpc_call_details_init(&details_);
  grpc_metadata_array_init(&metadata_);
  absl::MutexLock lock(&calls_->mu);
  ++calls_->live;
}

GrpcListener::ServerCall::~ServerCall() {
  if (call_ != nullptr) grpc_call_unref(call_);
  grpc_call_details_destroy(&details_);
  grpc_metadata_array_destroy(&metadata_);
  if (request_ != nullptr) grpc_byte_buffer_destroy(request_);
  if (reply_ != nullptr) grpc_byte_buffer_destroy(reply_);
  bool done;
  {
    absl::MutexLock lock(&calls_->mu);
    --calls_->live;
    done = calls_->AllDone();
  }
  if (done) calls_->all_done.Notify();
}

void GrpcListener::ServerCall::Request() {
  grpc_completion_queue* cq = calls_->loop.completion_queue()->cq();
  const grpc_call_error error = grpc_server_request_call(
      calls_->server, &call_, &details_, &metadata_, cq, cq, &tag_);
  if (error != GRPC_CALL_OK) {
    LOG(ERROR) << "grpc_server_request_call failed: " << error;
    delete this;
  }
}

void GrpcListener::ServerCall::OnComplete(bool ok) {
  switch (stage_) {
    case Stage::kAccepting:
      if (!ok) {  // the server shuts down
        delete this;
        return;
      }
      calls_->AwaitNextCall(calls_);
      OnAccepted();
      return;
    case Stage::kReading:
      OnRead(ok);
      return;
    case Stage::kFinishing:
      delete this;
      return;
  }
}

absl::string_view GrpcListener::ServerCall::Metadata(
    absl::string_view key) const {
  for (size_t i = 0; i < metadata_.count; ++i) {
    if (View(metadata_.metadata[i].key) == key) {
      return View(metadata_.metadata[i].value);
    }
  }
  return "";
}

bool GrpcListener::ServerCall::TokenOk() const {
  const std::string& expected = calls_->options.token;
  if (expected.empty()) return true;
  const absl::string_view given = Metadata(kTokenMetadataKey);
  return !given.empty() && TokensEqual(given, expected);
}

void GrpcListener::ServerCall::OnAccepted() {
  if (!TokenOk()) {
    Finish(GRPC_STATUS_UNAUTHENTICATED,
           "wrong or missing cluster token: the caller's token does not match "
           "this cluster's (pass the cluster's --token)",
           false, nullptr);
    return;
  }
  const absl::string_view path = View(details_.method);
  if (!absl::StartsWith(path, kMethodPathPrefix) ||
      path.size() == strlen(kMethodPathPrefix)) {
    Finish(GRPC_STATUS_UNIMPLEMENTED,
           absl::StrCat("malformed call: ", path,
                        " is not a method of the transport"),
           false, nullptr);
    return;
  }
  stage_ = Stage::kReading;
  grpc_op op{};
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &request_;
  if (grpc_call_start_batch(call_, &op, 1, &tag_, nullptr) != GRPC_CALL_OK) {
    delete this;
  }
}

void GrpcListener::ServerCall::OnRead(bool ok) {
  if (!ok || request_ == nullptr) {
    Finish(GRPC_STATUS_INVALID_ARGUMENT, "malformed call: no request message",
           false, nullptr);
    return;
  }
  // The request is read where gRPC received it (no copy).
  Payload payload = PayloadFromCoreBuffer(request_);
  request_ = nullptr;
  std::string method(View(details_.method).substr(strlen(kMethodPathPrefix)));
  const std::string caller(Metadata(kNodeMetadataKey));
  MessageFate request_fate;
  if (const GrpcListener::Options& o = calls_->options; o.message_faults) {
    request_fate = o.message_faults(caller, o.node_name);
  }
  if (request_fate.drop) {
    Finish(GRPC_STATUS_UNAVAILABLE,
           absl::StrCat("the request was lost (a message fault of ",
                        Metadata(kNodeMetadataKey), " -> ",
                        calls_->options.node_name, ")"),
           false, nullptr);
    return;
  }
  uint64_t id = 0;
  {
    absl::MutexLock lock(&calls_->mu);
    // Closed, or the loop stopped (this runs in a teardown's wait): no
    // handler starts.
    if (!calls_->closed && !calls_->loop.stopped()) {
      id = calls_->next_id++;
      calls_->open.emplace(id, this);
      this->caller = caller;
    }
  }
  if (id == 0) {
    Finish(GRPC_STATUS_UNAVAILABLE, "the server is shutting down", false,
           nullptr);
    return;
  }
  // From here on the reply (or Shutdown) finishes the call, maybe on
  // another thread: `this` may be gone once the handler has replied.
  if (request_fate.held) {
    calls_->WhenNotCut(
        caller, calls_->options.node_name,
        [calls = calls_, id, method = std::move(method),
         payload = std::move(payload)](MessageFate fate) mutable {
          calls->Admit(id, std::move(method), std::move(payload), fate, calls);
        },
        calls_);
    return;
  }
  calls_->Admit(id, std::move(method), std::move(payload), request_fate,
                calls_);
}

void GrpcListener::ServerCall::FinishWith(absl::StatusOr<std::string> result) {
  if (!result.ok()) {
    // Marked, so that the caller tells the handler's errors (passed on as
    // they are) from the transport's own.
    Finish(static_cast<grpc_status_code>(result.status().code()),
           std::string(result.status().message()), true, nullptr);
    return;
  }
  if (static_cast<int64_t>(result->size()) > calls_->options.max_message_bytes) {
    Finish(GRPC_STATUS_RESOURCE_EXHAUSTED,
           absl::StrCat("the reply of ", result->size(),
                        " bytes exceeds the transport's max message size of ",
                        calls_->options.max_message_bytes, " bytes"),
           false, nullptr);
    return;
  }
  Finish(GRPC_STATUS_OK, "", false, CoreBufferOwning(*std::move(result)));
}

void GrpcListener::ServerCall::Finish(grpc_status_code code,
                                      std::string message, bool from_handler,
                                      grpc_byte_buffer* reply) {
  reply_ = reply;
  handler_mark_.key = grpc_slice_from_static_string(kHandlerStatusMetadataKey);
  handler_mark_.value = grpc_slice_from_static_string("1");
  grpc_slice details = grpc_slice_from_copied_buffer(message.data(),
                                                     message.size());
  grpc_op ops[4] = {};
  size_t n = 0;
  ops[n++].op = GRPC_OP_SEND_INITIAL_METADATA;
  if (reply_ != nullptr) {
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n++].data.send_message.send_message = reply_;
  }
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.status = code;
  ops[n].data.send_status_from_server.status_details = &details;
  ops[n].data.send_status_from_server.trailing_metadata_count =
      from_handler ? 1 : 0;
  ops[n++].data.send_status_from_server.trailing_metadata = &handler_mark_;
  ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[n++].data.recv_close_on_server.cancelled = &cancelled_;
  stage_ = Stage::kFinishing;
  const grpc_call_error error =
      grpc_call_start_batch(call_, ops, n, &tag_, nullptr);
  grpc_slice_unref(details);
  if (error != GRPC_CALL_OK) {
    LOG(ERROR) << "cannot finish a call: grpc_call_start_batch says " << error;
    delete this;
  }
}

absl::StatusOr<std::unique_ptr<GrpcListener>> GrpcListener::Start(
    const Address& address, RequestHandler handler, EventLoop& loop,
    const Options& options) {
  std::unique_ptr<GrpcListener> listener(new GrpcListener());
  listener->calls_ = std::make_shared<Calls>(std::move(handler), loop, options);
  Calls& calls = *listener->calls_;
  const int limit = GrpcMessageLimit(options.max_message_bytes);
  auto integer_arg = [](const char* key, int value) {
    grpc_arg arg{};
    arg.type = GRPC_ARG_INTEGER;
    arg.key = const_cast<char*>(key);
    arg.value.integer = value;
    return arg;
  };
  // gRPC sets SO_REUSEPORT by default on Linux: a second server on a busy
  // port would start and share its connections. Binding must fail instead.
  grpc_arg args[] = {
      integer_arg(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, limit),
      integer_arg(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, limit),
      integer_arg(GRPC_ARG_ALLOW_REUSEPORT, 0)};
  const grpc_channel_args channel_args{3, args};
  calls.server = grpc_server_create(&channel_args, nullptr);
  grpc_server_register_completion_queue(
      calls.server, loop.completion_queue()->cq(), nullptr);
  grpc_server_credentials* credentials =
      grpc_insecure_server_credentials_create();
  const int port =
      grpc_server_add_http2_port(calls.server, address.c_str(), credentials);
  grpc_server_credentials_release(credentials);
  if (port == 0) {
    grpc_server_destroy(calls.server);
    listener->shut_down_ = true;
    return absl::AlreadyExistsError(absl::StrCat(
        "cannot listen on ", address,
        ": the port is in use, or the host is not an address of this machine"));
  }
  grpc_server_start(calls.server);
  calls.AwaitNextCall(listener->calls_);
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
  std::vector<ServerCall*> unanswered;
  {
    absl::MutexLock lock(&calls_->mu);
    for (auto& [id, call] : calls_->open) unanswered.push_back(call);
    calls_->open.clear();
  }
  for (ServerCall* call : unanswered) {
    call->Finish(GRPC_STATUS_UNAVAILABLE, "the server closed before replying",
                 false, nullptr);
  }
  grpc_server_shutdown_and_notify(calls_->server,
                                  calls_->loop.completion_queue()->cq(),
                                  &calls_->shutdown_tag);
  grpc_server_cancel_all_calls(calls_->server);
  // The loop (or, once it has stopped, this thread) runs the calls' last
  // completions; then gRPC will never touch the server again.
  calls_->loop.AwaitCompletion(calls_->all_done);
  grpc_server_destroy(calls_->server);
}

}  // namespace miniray
