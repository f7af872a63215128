// Proves that GrpcTransport guards its servers and shuts down cleanly: a
// missing or wrong cluster token is refused with Unauthenticated (and the
// right one, or running without tokens on both sides, works), messages
// above the size limit are refused with a clear error and no crash,
// calls to methods that are not the transport's are rejected, and destroying a transport completes
// every outstanding call exactly once.
#include <atomic>
#include <memory>

#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "src/runtime/real/grpc_transport.h"
#include "src/runtime/real/transport_test_util.h"

namespace miniray {
namespace {

using ::testing::HasSubstr;

TEST(GrpcTransportAuthTest, WrongOrMissingTokenIsUnauthenticated) {
  EventLoop loop("test");
  GrpcTransport server_side(loop, WithToken("right-token"));
  std::atomic<int> handled{0};
  const Address server = *server_side.ListenAndGetAddress(
      "127.0.0.1:0",
      [&](absl::string_view, Payload request, ReplyCallback reply) {
        ++handled;
        reply(request.Flatten());
      });

  GrpcTransport wrong(loop, WithToken("wrong-token"));
  absl::StatusOr<std::string> reply = CallAndWait(wrong, server, "M", "x");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(reply.status().message()),
              HasSubstr("wrong or missing cluster token"));

  GrpcTransport prefix(loop, WithToken("right"));  // a prefix is not enough
  EXPECT_EQ(CallAndWait(prefix, server, "M", "x").status().code(),
            absl::StatusCode::kUnauthenticated);

  GrpcTransport missing(loop, NoToken());
  EXPECT_EQ(CallAndWait(missing, server, "M", "x").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(handled, 0);  // refused before the handler

  GrpcTransport right(loop, WithToken("right-token"));
  EXPECT_EQ(*CallAndWait(right, server, "M", "x"), "x");
  EXPECT_EQ(handled, 1);
}

TEST(GrpcTransportAuthTest, NoTokenOnBothSidesWorks) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  const Address server = *transport.ListenAndGetAddress("127.0.0.1:0", Echo());
  EXPECT_EQ(*CallAndWait(transport, server, "M", "x"), "M:x");
}

TEST(GrpcTransportAuthTest, TokensEqualComparesWholeTokens) {
  EXPECT_TRUE(TokensEqual("abc", "abc"));
  EXPECT_TRUE(TokensEqual("", ""));
  EXPECT_FALSE(TokensEqual("abd", "abc"));
  EXPECT_FALSE(TokensEqual("ab", "abc"));
  EXPECT_FALSE(TokensEqual("abcd", "abc"));
  EXPECT_FALSE(TokensEqual(std::string("ab\0", 3), "ab"));
  EXPECT_FALSE(TokensEqual("", "abc"));
}

TEST(GrpcTransportLimitTest, OversizedRequestIsRefusedBeforeSending) {
  EventLoop loop("test");
  std::atomic<int> handled{0};
  GrpcTransport transport(loop, NoToken(/*max_message_bytes=*/1 << 20));
  const Address server = *transport.ListenAndGetAddress(
      "127.0.0.1:0", [&](absl::string_view, Payload, ReplyCallback reply) {
        ++handled;
        reply(std::string("ok"));
      });
  absl::StatusOr<std::string> reply =
      CallAndWait(transport, server, "Big", std::string(2 << 20, 'x'));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(reply.status().message()),
              HasSubstr("exceeds the transport's max message size of 1048576"));
  EXPECT_EQ(handled, 0);
  // Exactly the limit passes.
  EXPECT_EQ(*CallAndWait(transport, server, "Big", std::string(1 << 20, 'x')),
            "ok");
}

TEST(GrpcTransportLimitTest, ServerRefusesRequestsAboveItsLimit) {
  EventLoop loop("test");
  GrpcTransport small(loop, NoToken(/*max_message_bytes=*/1 << 20));
  GrpcTransport large(loop, NoToken(/*max_message_bytes=*/64 << 20));
  const Address server = *small.ListenAndGetAddress("127.0.0.1:0", Echo());
  absl::StatusOr<std::string> reply =
      CallAndWait(large, server, "Big", std::string(4 << 20, 'x'));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted)
      << reply.status();
  EXPECT_THAT(std::string(reply.status().message()), HasSubstr("Big to "));
  // The server lives on.
  EXPECT_EQ(*CallAndWait(large, server, "M", "x"), "M:x");
}

TEST(GrpcTransportLimitTest, OversizedReplyIsAnErrorForTheCaller) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken(/*max_message_bytes=*/1 << 20));
  const Address server = *transport.ListenAndGetAddress(
      "127.0.0.1:0", [](absl::string_view, Payload, ReplyCallback reply) {
        reply(std::string(2 << 20, 'y'));
      });
  absl::StatusOr<std::string> reply = CallAndWait(transport, server, "M", "");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(reply.status().message()),
              HasSubstr("the reply of 2097152 bytes exceeds"));
}

TEST(GrpcTransportEnvelopeTest, CallWithoutMethodIsInvalidArgument) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  const Address server = *transport.ListenAndGetAddress("127.0.0.1:0", Echo());
  EXPECT_EQ(CallAndWait(transport, server, "", "x").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Sends raw bytes to gRPC method `path`, as a broken or hostile client.
grpc::Status SendRaw(const Address& server, const std::string& path,
                     const std::string& bytes) {
  auto channel =
      grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, path, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  if (!done.WaitForNotificationWithTimeout(kTestWait)) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "test timed out");
  }
  return status;
}

TEST(GrpcTransportEnvelopeTest, CallsOutsideTheTransportsMethodsAreRejected) {
  EventLoop loop("test");
  std::atomic<int> handled{0};
  GrpcTransport transport(loop, NoToken());
  const Address server = *transport.ListenAndGetAddress(
      "127.0.0.1:0", [&](absl::string_view, Payload, ReplyCallback reply) {
        ++handled;
        reply(std::string());
      });
  // The envelope service of earlier versions, another service, and a
  // method without a name.
  for (const char* path :
       {"/miniray.transport.Transport/Call", "/other/M", "/miniray/"}) {
    grpc::Status status = SendRaw(server, path, "x");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << path;
    EXPECT_THAT(status.error_message(), HasSubstr("malformed call")) << path;
  }
  EXPECT_EQ(handled, 0);
  // Any bytes are a payload: what they must be is the component's business
  // (RpcEndpoint rejects requests that do not parse).
  EXPECT_TRUE(SendRaw(server, "/miniray/M", std::string("\x0f\xff\xff", 3)).ok());
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(*CallAndWait(transport, server, "M", "x"), "");  // still up
  EXPECT_EQ(handled, 2);
}

TEST(GrpcTransportShutdownTest, DestroyingTheCallerCancelsItsCallsOnce) {
  EventLoop loop("test");
  HeldReplies held;
  GrpcTransport server_side(loop, NoToken());
  const Address server =
      *server_side.ListenAndGetAddress("127.0.0.1:0", held.Handler());
  constexpr int kCalls = 20;
  std::atomic<int> callbacks{0}, cancelled{0};
  {
    GrpcTransport client_side(loop, NoToken());
    for (int i = 0; i < kCalls; ++i) {
      client_side.Call("client:0", server, "M", "x", {},
                       [&](absl::StatusOr<std::string> reply) {
                         ++callbacks;
                         if (absl::IsCancelled(reply.status())) ++cancelled;
                       });
    }
    ASSERT_TRUE(held.WaitFor(kCalls));
  }
  // The destructor returned after every call's gRPC callback, which posted
  // the caller's callback; run those.
  loop.RunAndWait([] {});
  EXPECT_EQ(callbacks, kCalls);
  EXPECT_EQ(cancelled, kCalls);
  // Replying to callers that are gone is harmless.
  for (int i = 0; i < kCalls; ++i) held.Take(i).second(std::string("late"));
}

TEST(GrpcTransportShutdownTest, DestroyingTheServerFailsItsCallersOnce) {
  EventLoop loop("test");
  HeldReplies held;
  GrpcTransport client_side(loop, NoToken());
  std::atomic<int> callbacks{0}, unavailable{0};
  absl::Notification all_done;
  constexpr int kCalls = 10;
  {
    GrpcTransport server_side(loop, NoToken());
    const Address server =
        *server_side.ListenAndGetAddress("127.0.0.1:0", held.Handler());
    for (int i = 0; i < kCalls; ++i) {
      client_side.Call("client:0", server, "M", "x", {},
                       [&](absl::StatusOr<std::string> reply) {
                         if (absl::IsUnavailable(reply.status())) ++unavailable;
                         if (++callbacks == kCalls) all_done.Notify();
                       });
    }
    ASSERT_TRUE(held.WaitFor(kCalls));
  }
  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(kTestWait));
  for (int i = 0; i < kCalls; ++i) held.Take(i).second(std::string("late"));
  loop.RunAndWait([] {});
  EXPECT_EQ(callbacks, kCalls);
  EXPECT_EQ(unavailable, kCalls);
}

TEST(GrpcTransportShutdownTest, StoppedLoopDropsCallbacksWithoutHanging) {
  HeldReplies held;
  auto loop = std::make_unique<EventLoop>("test");
  GrpcTransport server_side(*loop, NoToken());
  const Address server =
      *server_side.ListenAndGetAddress("127.0.0.1:0", held.Handler());
  std::atomic<int> callbacks{0};
  server_side.Call("client:0", server, "M", "x", {},
                   [&](absl::StatusOr<std::string>) { ++callbacks; });
  ASSERT_TRUE(held.WaitFor(1));
  loop->Stop();
  // Close and the destructor must not wait for a loop that is gone.
  server_side.Close(server);
  held.Take(0).second(std::string("late"));
  EXPECT_EQ(callbacks, 0);
}

}  // namespace
}  // namespace miniray
