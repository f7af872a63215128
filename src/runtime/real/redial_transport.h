// RedialTransport: a Transport decorator that calls again, with backoff, a
// call whose peer could not be reached (connection refused, or the
// connection broke before the reply: the peer's process died).
//
// Why: in the simulator a killed process is silent. Calls to it get no
// answer, and the components recover when the GCS declares its node dead
// (an owner then gives up its lease requests to that node and retries its
// tasks elsewhere). That is also what a crashed *machine* looks like over
// TCP. On one machine a SIGKILLed process is not silent: the kernel refuses
// connections at once, and the components (TaskSubmitter::OnLeaseReply)
// fail every queued task of that kind on the first refusal, before the GCS
// has said anything. Retrying such calls restores the simulator's semantics
// without touching the components. A refused request cannot have run, so
// its retry is safe. A request whose connection broke may have run; calling
// again is safe when the peer is dead (the only cause on one machine), but
// against a live peer (a network blip between machines) it could run twice,
// e.g. grant a lease the owner never hears of. That is why this is a stopgap
// for `miniray local`: see docs/real-cluster.md for the fix in the
// components.
//
//   GrpcTransport grpc(loop, {.token = token});
//   RedialTransport transport(grpc, loop, {});
//   transport.Call(from, to, method, bytes, {}, on_reply);  // as usual
//
// "Unreachable" is recognised by the gRPC transport's error: Unavailable,
// with the message the transport gives its own errors ("M to A: ..."); a
// handler's own Unavailable carries no such prefix and is passed through.
// Attempts back off from `first_backoff` to `max_backoff` and stop at the
// call's timeout or after `give_up_after`, when the last error is delivered.
//
// Calls to worker processes and to the GCS (methods of the services in
// `fail_fast_services`) are not made again once the peer's port refuses
// connections: a worker that dies on a live node has closed its port, and
// its callers learn of it at once, as in the simulator's kill_worker (an
// owner retries the task it had pushed, a borrower hears that the owner is
// gone); a crashed GCS (kill_head) is not coming back, as miniray has no
// GCS fault tolerance, and the simulator's callers hear so at once too.
// Their other failures (a broken connection, a connect that timed out on a
// loaded machine) are retried, as for any call, for up to
// `fail_fast_give_up_after`: a live worker must not be taken for dead.
// Only nodes are silent when dead.
// (Object chunks are redialed: a puller that got the first reply waits for
// every chunk, and a push stopped by one failed chunk would leave it
// waiting until the source's node dies.)
// Listen and Close go straight to the inner transport. Thread-safety: as the
// inner transport's; retries are timers on `loop`.
#ifndef MINIRAY_RUNTIME_REAL_REDIAL_TRANSPORT_H_
#define MINIRAY_RUNTIME_REAL_REDIAL_TRANSPORT_H_

#include <string>
#include <vector>

#include "src/runtime/real/event_loop.h"
#include "src/runtime/transport.h"

namespace miniray {

class RedialTransport : public Transport {
 public:
  struct Options {
    absl::Duration first_backoff = absl::Milliseconds(50);
    absl::Duration max_backoff = absl::Seconds(1);
    absl::Duration give_up_after = absl::Seconds(60);
    // Services (method name prefixes) whose calls fail at once when the
    // peer refuses the connection.
    std::vector<std::string> fail_fast_services = {"CoreWorker.", "Gcs."};
    // Their other failures are retried for this long at most: a live peer
    // accepts within it even on a loaded machine, and a caller must not
    // wait a minute for a dead worker's call (an actor's next incarnation
    // waits for the calls still out at the old one, in order).
    absl::Duration fail_fast_give_up_after = absl::Seconds(5);
  };

  // `inner` and `loop` must outlive this transport, and no retry may be
  // pending when it goes (stop the loop first).
  RedialTransport(Transport& inner, EventLoop& loop, Options options)
      : inner_(inner), loop_(loop), options_(options) {}

  absl::Status Listen(const Address& address, RequestHandler handler) override {
    return inner_.Listen(address, std::move(handler));
  }
  void Close(const Address& address) override { inner_.Close(address); }
  void Call(const Address& from, const Address& to, absl::string_view method,
            Payload request, const CallOptions& options,
            ReplyCallback on_reply) override;

  // Whether `status`, the result of calling `method` at `to`, is the
  // transport saying that the peer could not be reached.
  static bool Unreachable(const absl::Status& status, absl::string_view method,
                          absl::string_view to);

 private:
  struct Attempt;
  void Send(std::shared_ptr<Attempt> attempt);

  Transport& inner_;
  EventLoop& loop_;
  const Options options_;
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_REDIAL_TRANSPORT_H_
