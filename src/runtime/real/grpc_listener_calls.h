// The insides of GrpcListener (grpc_listener.h), shared by its two files:
// the state a listener shares with its calls (Calls, grpc_listener_calls.cc:
// delivering requests and replies, with their message faults) and one
// incoming call's life (ServerCall, grpc_listener.cc). Not for other users.
#ifndef MINIRAY_RUNTIME_REAL_GRPC_LISTENER_CALLS_H_
#define MINIRAY_RUNTIME_REAL_GRPC_LISTENER_CALLS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "grpc/grpc.h"
#include "src/runtime/real/grpc_buffers.h"
#include "src/runtime/real/grpc_listener.h"

namespace miniray {

// The state a listener shares with its calls, which may outlive it by a few
// completions.
struct GrpcListener::Calls {
  Calls(RequestHandler h, EventLoop& l, GrpcListener::Options o)
      : handler(std::move(h)), loop(l), options(std::move(o)) {}

  // Asks gRPC for the next incoming call; a new ServerCall waits for it.
  void AwaitNextCall(const std::shared_ptr<Calls>& self);
  // Runs the handler for open call `id` (twice if `duplicate`: the second
  // run's reply goes nowhere), unless the listener has closed.
  void Deliver(uint64_t id, const std::string& method, Payload payload,
               bool duplicate, const std::shared_ptr<Calls>& self);
  // Runs open call `id`'s handler as the request's `fate` says: lost (the
  // call fails), now, or after a delay.
  void Admit(uint64_t id, std::string method, Payload payload,
             MessageFate fate, const std::shared_ptr<Calls>& self);
  // Finishes call `id` with `result`, unless it finished already; applies
  // the reply's message fault, decided now.
  void Reply(uint64_t id, absl::StatusOr<std::string> result,
             const std::shared_ptr<Calls>& self);
  // Finishes call `id` with `result` as the reply's `fate` says.
  void SendReply(uint64_t id, absl::StatusOr<std::string> result,
                 MessageFate fate, const std::shared_ptr<Calls>& self);
  // Asks message_faults(from, to) again every kHeldRecheck while the link
  // is cut, then runs `then` with the message's fate; nothing once the
  // listener has closed.
  void WhenNotCut(std::string from, std::string to,
                  std::function<void(MessageFate)> then,
                  const std::shared_ptr<Calls>& self);
  // Finishes call `id` with `result` now (a delayed reply's end).
  void FinishOpen(uint64_t id, absl::StatusOr<std::string> result);
  // Whether the server has shut down and no call is left: then the caller
  // notifies all_done, after releasing mu (the waiter may destroy this).
  bool AllDone() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return server_shut_down && live == 0;
  }

  // The completion of grpc_server_shutdown_and_notify.
  struct ShutdownSeen : EventLoop::Completion {
    explicit ShutdownSeen(Calls& c) : calls(c) {}
    void OnComplete(bool /*ok*/) override {
      bool done;
      {
        absl::MutexLock lock(&calls.mu);
        calls.server_shut_down = true;
        done = calls.AllDone();
      }
      if (done) calls.all_done.Notify();  // the last touch of `calls`
    }
    Calls& calls;
  };

  const RequestHandler handler;
  EventLoop& loop;
  const GrpcListener::Options options;
  grpc_server* server = nullptr;
  ShutdownSeen shutdown_seen{*this};
  CoreTag shutdown_tag{&shutdown_seen};
  absl::Notification all_done;
  absl::Mutex mu;
  // Set on the loop by Shutdown; then no handler starts.
  bool closed ABSL_GUARDED_BY(mu) = false;
  bool server_shut_down ABSL_GUARDED_BY(mu) = false;
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
  // Calls handed to the handler and not yet finished.
  absl::flat_hash_map<uint64_t, ServerCall*> open ABSL_GUARDED_BY(mu);
  // ServerCalls alive: the server is destroyed only when none is.
  int64_t live ABSL_GUARDED_BY(mu) = 0;
};

// One call, from gRPC's notice of it to the end of its last operation:
// checks its token and method, reads its one request, runs the handler and
// sends the reply. Deletes itself when its last operation completes.
class GrpcListener::ServerCall : public EventLoop::Completion {
 public:
  explicit ServerCall(std::shared_ptr<Calls> calls);
  ~ServerCall();
  ServerCall(const ServerCall&) = delete;
  ServerCall& operator=(const ServerCall&) = delete;

  // Asks the server for the next call, with this as its tag.
  void Request();
  void OnComplete(bool ok) override;
  // Finishes the call with a handler's error or reply.
  void FinishWith(absl::StatusOr<std::string> result);
  // Sends `reply` (may be null) and the status; the call then ends.
  // `from_handler` marks an error status as the handler's own.
  void Finish(grpc_status_code code, std::string message, bool from_handler,
              grpc_byte_buffer* reply);

 private:
  enum class Stage { kAccepting, kReading, kFinishing };

  void OnAccepted();
  void OnRead(bool ok);
  bool TokenOk() const;
  // The value of metadata `key`, or "".
  absl::string_view Metadata(absl::string_view key) const;

  const std::shared_ptr<Calls> calls_;
  CoreTag tag_{this};
  Stage stage_ = Stage::kAccepting;
  grpc_call* call_ = nullptr;
  grpc_call_details details_;
  grpc_metadata_array metadata_;
  grpc_byte_buffer* request_ = nullptr;
  grpc_byte_buffer* reply_ = nullptr;
  grpc_metadata handler_mark_;
  int cancelled_ = 0;

 public:
  // Guarded by calls_->mu once the call is open: the caller's node name
  // (for the reply's message fault), and whether the first reply came (it
  // may wait out a delay).
  std::string caller;
  bool replied = false;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_GRPC_LISTENER_CALLS_H_
