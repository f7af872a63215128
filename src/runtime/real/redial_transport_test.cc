// Proves that RedialTransport calls again a call whose peer is not
// listening, until the peer appears (a restarted process), that it gives up
// at the call's timeout, that calls to fail-fast services (workers) are
// not made again once refused and are given up on sooner than others when
// their connection keeps breaking, and that a handler's own Unavailable
// reaches the caller at once, without a second call.
#include "src/runtime/real/redial_transport.h"

#include <atomic>
#include <thread>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/cluster/ports.h"
#include "src/runtime/real/grpc_transport.h"
#include "src/runtime/real/transport_test_util.h"

namespace miniray {
namespace {

// Calls through `transport` and waits for the reply (on this thread).
absl::StatusOr<std::string> CallThrough(Transport& transport, const Address& to,
                                        absl::Duration timeout,
                                        absl::string_view method = "Test.M") {
  absl::Notification done;
  absl::StatusOr<std::string> result = absl::UnknownError("no reply");
  transport.Call("client", to, method, "ping", {.timeout = timeout},
                 [&](absl::StatusOr<std::string> reply) {
                   result = std::move(reply);
                   done.Notify();
                 });
  if (!done.WaitForNotificationWithTimeout(kTestWait)) {
    return absl::DeadlineExceededError("the test waited too long");
  }
  return result;
}

TEST(RedialTransportTest, ReachesAPeerThatStartsListeningLater) {
  EventLoop loop("redial-test");
  GrpcTransport grpc(loop, NoToken());
  RedialTransport transport(grpc, loop, {});
  const Address server = absl::StrCat("127.0.0.1:", *PickFreePort("127.0.0.1"));
  std::thread late_server([&] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(
        grpc.Listen(server,
                    [](absl::string_view, Payload request,
                       ReplyCallback reply) {
                      reply(request.Flatten() + " pong");
                    })
            .ok());
  });
  absl::StatusOr<std::string> reply =
      CallThrough(transport, server, absl::InfiniteDuration());
  late_server.join();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "ping pong");
  grpc.Close(server);
  loop.Stop();
}

TEST(RedialTransportTest, GivesUpAtTheCallsTimeout) {
  EventLoop loop("redial-test");
  GrpcTransport grpc(loop, NoToken());
  RedialTransport transport(grpc, loop, {});
  const Address nobody = absl::StrCat("127.0.0.1:", *PickFreePort("127.0.0.1"));
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> reply =
      CallThrough(transport, nobody, absl::Milliseconds(400));
  EXPECT_FALSE(reply.ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  loop.Stop();
}

TEST(RedialTransportTest, CallsToAFailFastServiceAreNotMadeAgain) {
  EventLoop loop("redial-test");
  GrpcTransport grpc(loop, NoToken());
  RedialTransport transport(
      grpc, loop,
      {.first_backoff = absl::Seconds(2), .fail_fast_services = {"Worker."}});
  const Address nobody = absl::StrCat("127.0.0.1:", *PickFreePort("127.0.0.1"));
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> reply = CallThrough(
      transport, nobody, absl::InfiniteDuration(), "Worker.Push");
  EXPECT_TRUE(absl::IsUnavailable(reply.status())) << reply.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "it was retried";
  EXPECT_TRUE(absl::StrContains(reply.status().message(), "Connection refused"))
      << reply.status();
  loop.Stop();
}

TEST(RedialTransportTest, AHandlersOwnUnavailableIsNotRetried) {
  EventLoop loop("redial-test");
  GrpcTransport grpc(loop, NoToken());
  RedialTransport transport(grpc, loop, {});
  std::atomic<int> calls{0};
  absl::StatusOr<Address> server = grpc.ListenAndGetAddress(
      "127.0.0.1:0", [&](absl::string_view, Payload, ReplyCallback reply) {
        ++calls;
        reply(absl::UnavailableError("busy"));
      });
  ASSERT_TRUE(server.ok());
  absl::StatusOr<std::string> reply =
      CallThrough(transport, *server, absl::InfiniteDuration());
  EXPECT_TRUE(absl::IsUnavailable(reply.status()));
  EXPECT_EQ(reply.status().message(), "busy");
  EXPECT_EQ(calls.load(), 1);
  grpc.Close(*server);
  loop.Stop();
}

// A transport whose every call fails as a broken connection does (the
// transport's own Unavailable, not a refusal), counting the attempts.
class BrokenConnections : public Transport {
 public:
  absl::Status Listen(const Address&, RequestHandler) override {
    return absl::OkStatus();
  }
  void Close(const Address&) override {}
  void Call(const Address&, const Address& to, absl::string_view method,
            Payload, const CallOptions&, ReplyCallback on_reply) override {
    ++attempts;
    on_reply(absl::UnavailableError(
        absl::StrCat(method, " to ", to, ": Socket closed")));
  }
  std::atomic<int> attempts{0};
};

TEST(RedialTransportTest, FailFastServicesGiveUpSoonerOnBrokenConnections) {
  EventLoop loop("redial-test");
  BrokenConnections broken;
  RedialTransport transport(
      broken, loop,
      {.first_backoff = absl::Milliseconds(10),
       .max_backoff = absl::Milliseconds(20),
       .give_up_after = absl::Seconds(60),
       .fail_fast_services = {"Worker."},
       .fail_fast_give_up_after = absl::Milliseconds(300)});
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> reply = CallThrough(
      transport, "127.0.0.1:1", absl::InfiniteDuration(), "Worker.Push");
  const absl::Duration took = absl::Now() - start;
  EXPECT_TRUE(absl::IsUnavailable(reply.status())) << reply.status();
  EXPECT_GT(broken.attempts.load(), 1);  // retried: not refused
  EXPECT_LT(took, absl::Seconds(10));    // but not for the minute of others
  loop.Stop();
}

}  // namespace
}  // namespace miniray
