// Helpers for the GrpcTransport tests: blocking calls with a generous
// timeout, and a handler whose replies the test sends when it chooses.
//
//   EventLoop loop("test");
//   GrpcTransport transport(loop, NoToken());
//   Address server = *transport.ListenAndGetAddress("127.0.0.1:0", Echo());
//   absl::StatusOr<std::string> reply = CallAndWait(transport, server, "M",
//   "x");
#ifndef MINIRAY_RUNTIME_REAL_TRANSPORT_TEST_UTIL_H_
#define MINIRAY_RUNTIME_REAL_TRANSPORT_TEST_UTIL_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "src/runtime/real/grpc_transport.h"

namespace miniray {

// Long enough never to fire on a working machine; a test waiting this long
// has failed.
inline constexpr absl::Duration kTestWait = absl::Seconds(30);

inline GrpcTransport::Options NoToken(int64_t max_message_bytes = 256 << 20) {
  GrpcTransport::Options options;
  options.insecure_no_token = true;
  options.max_message_bytes = max_message_bytes;
  return options;
}

inline GrpcTransport::Options WithToken(std::string token) {
  GrpcTransport::Options options;
  options.token = std::move(token);
  return options;
}

// Replies with "<method>:<request>".
inline RequestHandler Echo() {
  return [](absl::string_view method, Payload request, ReplyCallback reply) {
    reply(absl::StrCat(method, ":", request.Flatten()));
  };
}

// Calls and waits for the reply (or for kTestWait, then fails the call
// with Internal "test timed out").
inline absl::StatusOr<std::string> CallAndWait(
    Transport& transport, const Address& to, absl::string_view method,
    std::string request, CallOptions options = {},
    const Address& from = "client:0") {
  struct Result {
    absl::Notification done;
    absl::StatusOr<std::string> reply;
  };
  auto result = std::make_shared<Result>();
  transport.Call(from, to, method, std::move(request), options,
                 [result](absl::StatusOr<std::string> reply) {
                   result->reply = std::move(reply);
                   result->done.Notify();
                 });
  if (!result->done.WaitForNotificationWithTimeout(kTestWait)) {
    return absl::InternalError("test timed out waiting for a reply");
  }
  return result->reply;
}

// A handler that keeps the requests' reply callbacks for the test to call.
class HeldReplies {
 public:
  RequestHandler Handler() {
    return [this](absl::string_view, Payload request, ReplyCallback reply) {
      absl::MutexLock lock(&mu_);
      held_.push_back({request.Flatten(), std::move(reply)});
    };
  }

  // Waits until `n` requests are held; false after kTestWait.
  bool WaitFor(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return held_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), kTestWait);
  }

  // Request `i` and its reply callback (valid after WaitFor(i + 1)).
  std::pair<std::string, ReplyCallback> Take(size_t i) {
    absl::MutexLock lock(&mu_);
    return {held_[i].first, held_[i].second};
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<std::string, ReplyCallback>> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_TRANSPORT_TEST_UTIL_H_
