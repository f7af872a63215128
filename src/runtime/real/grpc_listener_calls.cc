// GrpcListener::Calls: delivering an open call's request to the handler
// and its reply to gRPC, each with its message fault (grpc_listener.h).
#include "src/runtime/real/grpc_listener_calls.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace miniray {
namespace {

// How often a message held on a cut link asks whether the cut has healed.
constexpr absl::Duration kHeldRecheck = absl::Milliseconds(5);

}  // namespace

void GrpcListener::Calls::Admit(uint64_t id, std::string method,
                                Payload payload, MessageFate fate,
                                const std::shared_ptr<Calls>& self) {
  if (fate.drop) {  // held first, then lost
    FinishOpen(id, absl::UnavailableError(absl::StrCat(
                       "the request was lost (a message fault of ",
                       options.node_name, ")")));
    return;
  }
  auto deliver = [self, id, method = std::move(method),
                  payload = std::move(payload),
                  duplicate = fate.duplicate]() mutable {
    self->Deliver(id, method, std::move(payload), duplicate, self);
  };
  if (fate.delay > absl::ZeroDuration()) {
    loop.RunAfter(fate.delay, std::move(deliver));
  } else {
    deliver();
  }
}

void GrpcListener::Calls::WhenNotCut(std::string from, std::string to,
                                     std::function<void(MessageFate)> then,
                                     const std::shared_ptr<Calls>& self) {
  loop.RunAfter(kHeldRecheck, [self, from = std::move(from),
                               to = std::move(to),
                               then = std::move(then)]() mutable {
    {
      absl::MutexLock lock(&self->mu);
      if (self->closed) return;
    }
    const MessageFate fate = self->options.message_faults(from, to);
    if (fate.held) {
      self->WhenNotCut(std::move(from), std::move(to), std::move(then), self);
      return;
    }
    then(fate);
  });
}

void GrpcListener::Calls::AwaitNextCall(const std::shared_ptr<Calls>& self) {
  (new ServerCall(self))->Request();
}

void GrpcListener::Calls::Deliver(uint64_t id, const std::string& method,
                                  Payload payload, bool duplicate,
                                  const std::shared_ptr<Calls>& self) {
  {
    absl::MutexLock lock(&mu);
    if (closed) return;  // Shutdown finished the call already
  }
  // The copy arrives after the original, as the simulator's does, as a call
  // that nobody waits for.
  if (duplicate) {
    loop.Post([self, method, copy = payload] {
      {
        absl::MutexLock lock(&self->mu);
        if (self->closed) return;
      }
      self->handler(method, copy, [](absl::StatusOr<std::string>) {});
    });
  }
  handler(method, std::move(payload),
          [self, id](absl::StatusOr<std::string> result) {
            self->Reply(id, std::move(result), self);
          });
}

void GrpcListener::Calls::Reply(uint64_t id,
                                absl::StatusOr<std::string> result,
                                const std::shared_ptr<Calls>& self) {
  std::string caller;
  {
    absl::MutexLock lock(&mu);
    auto it = open.find(id);
    if (it == open.end() || it->second->replied) return;  // not the first
    it->second->replied = true;
    caller = it->second->caller;
  }
  MessageFate fate;
  if (options.message_faults) {
    fate = options.message_faults(options.node_name, caller);
  }
  if (fate.held) {
    WhenNotCut(
        options.node_name, caller,
        [self, id, result = std::move(result)](MessageFate fate) mutable {
          self->SendReply(id, std::move(result), fate, self);
        },
        self);
    return;
  }
  SendReply(id, std::move(result), fate, self);
}

void GrpcListener::Calls::SendReply(uint64_t id,
                                    absl::StatusOr<std::string> result,
                                    MessageFate fate,
                                    const std::shared_ptr<Calls>& self) {
  if (fate.drop) {
    result = absl::UnavailableError(absl::StrCat(
        "the reply was lost (a message fault of ", options.node_name, ")"));
  }
  if (fate.delay > absl::ZeroDuration()) {
    // Still open meanwhile, so that Shutdown can finish it.
    loop.RunAfter(fate.delay, [self, id, result = std::move(result)]() mutable {
      self->FinishOpen(id, std::move(result));
    });
    return;
  }
  FinishOpen(id, std::move(result));
}

void GrpcListener::Calls::FinishOpen(uint64_t id,
                                     absl::StatusOr<std::string> result) {
  ServerCall* call;
  {
    absl::MutexLock lock(&mu);
    auto it = open.find(id);
    if (it == open.end()) return;  // shut down meanwhile
    call = it->second;
    open.erase(it);
  }
  call->FinishWith(std::move(result));
}

}  // namespace miniray
