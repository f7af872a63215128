#include "src/runtime/real/redial_transport.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace miniray {

// One call, across its attempts.
struct RedialTransport::Attempt {
  Address from;
  Address to;
  std::string method;
  Payload request;  // sent again as it is: its bytes are shared
  CallOptions options;
  ReplyCallback on_reply;
  absl::Time deadline;  // of the whole call, over all attempts
  absl::Duration backoff;
  bool fail_fast = false;  // a worker's method: refused means gone
};

namespace {

// The peer's port is closed: on a live machine, its process has gone.
bool Refused(const absl::Status& status) {
  return absl::StrContains(status.message(), "Connection refused");
}

}  // namespace

bool RedialTransport::Unreachable(const absl::Status& status,
                                  absl::string_view method,
                                  absl::string_view to) {
  return absl::IsUnavailable(status) &&
         absl::StartsWith(status.message(),
                          absl::StrCat(method, " to ", to, ": "));
}

void RedialTransport::Call(const Address& from, const Address& to,
                           absl::string_view method, Payload request,
                           const CallOptions& options, ReplyCallback on_reply) {
  auto attempt = std::make_shared<Attempt>();
  for (const std::string& service : options_.fail_fast_services) {
    if (absl::StartsWith(method, service)) attempt->fail_fast = true;
  }
  attempt->from = from;
  attempt->to = to;
  attempt->method = std::string(method);
  attempt->request = std::move(request);
  attempt->options = options;
  attempt->on_reply = std::move(on_reply);
  attempt->deadline =
      absl::Now() + std::min(options.timeout,
                             attempt->fail_fast ? options_.fail_fast_give_up_after
                                                : options_.give_up_after);
  attempt->backoff = options_.first_backoff;
  Send(std::move(attempt));
}

void RedialTransport::Send(std::shared_ptr<Attempt> attempt) {
  CallOptions options = attempt->options;
  if (options.timeout != absl::InfiniteDuration()) {
    options.timeout =
        std::max(absl::ZeroDuration(), attempt->deadline - absl::Now());
  }
  // Each attempt sends the same bytes: the Payload shares them.
  inner_.Call(attempt->from, attempt->to, attempt->method, attempt->request,
              options, [this, attempt](absl::StatusOr<std::string> reply) {
                const bool retry =
                    !reply.ok() &&
                    Unreachable(reply.status(), attempt->method, attempt->to) &&
                    !(attempt->fail_fast && Refused(reply.status())) &&
                    absl::Now() + attempt->backoff < attempt->deadline;
                if (!retry) {
                  if (attempt->on_reply) attempt->on_reply(std::move(reply));
                  return;
                }
                const absl::Duration wait = attempt->backoff;
                attempt->backoff =
                    std::min(2 * attempt->backoff, options_.max_backoff);
                loop_.RunAfter(wait, [this, attempt] { Send(attempt); });
              });
}

}  // namespace miniray
