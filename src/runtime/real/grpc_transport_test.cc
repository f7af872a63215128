// Proves that GrpcTransport carries requests and replies over real gRPC on
// loopback: round trips, payloads of megabytes, many concurrent calls from several threads,
// handlers and callbacks on the loop, replies sent later from another
// thread, and the canonical errors (DeadlineExceeded, Unavailable,
// AlreadyExists) where the Transport contract promises them.
#include "src/runtime/real/grpc_transport.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/runtime/real/transport_test_util.h"

namespace miniray {
namespace {

TEST(GrpcTransportTest, EchoRoundTripRunsHandlerAndCallbackOnTheLoop) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  std::atomic<bool> handler_on_loop{false};
  absl::StatusOr<Address> server = transport.ListenAndGetAddress(
      "127.0.0.1:0",
      [&](absl::string_view method, Payload request, ReplyCallback reply) {
        handler_on_loop = loop.InLoopThread();
        reply(absl::StrCat(method, ":", request.Flatten()));
      });
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_NE(*server, "127.0.0.1:0");  // the chosen port is reported

  absl::Notification done;
  absl::StatusOr<std::string> reply;
  bool callback_on_loop = false;
  transport.Call("client:0", *server, "Test.Echo", "hello", {},
                 [&](absl::StatusOr<std::string> r) {
                   callback_on_loop = loop.InLoopThread();
                   reply = std::move(r);
                   done.Notify();
                 });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kTestWait));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "Test.Echo:hello");
  EXPECT_TRUE(handler_on_loop);
  EXPECT_TRUE(callback_on_loop);
}

TEST(GrpcTransportTest, BinaryPayloadsAndEmptyRequestsSurvive) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  Address server = *transport.ListenAndGetAddress(
      "127.0.0.1:0", [](absl::string_view, Payload request,
                        ReplyCallback reply) { reply(request.Flatten()); });
  std::string binary("\0\xff\x01zero\0", 8);
  EXPECT_EQ(*CallAndWait(transport, server, "M", binary), binary);
  EXPECT_EQ(*CallAndWait(transport, server, "M", ""), "");
}

// A payload of megabytes reaches gRPC's reader in many slices: they are
// put back together in order, both ways.
TEST(GrpcTransportTest, LargePayloadsArriveWholeAndInOrder) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  Address server = *transport.ListenAndGetAddress(
      "127.0.0.1:0", [](absl::string_view, Payload payload,
                        ReplyCallback reply) {
        std::string request = payload.Flatten();
        std::reverse(request.begin(), request.end());
        reply(std::move(request));
      });
  std::string large(9 << 20, '\0');
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i % 251);
  std::string reversed(large.rbegin(), large.rend());
  absl::StatusOr<std::string> reply = CallAndWait(transport, server, "M", large);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(*reply == reversed) << "the payload came back changed";
}

TEST(GrpcTransportTest, ManyConcurrentCallsFromSeveralThreads) {
  EventLoop server_loop("server"), client_loop("client");
  GrpcTransport server_side(server_loop, NoToken());
  GrpcTransport client_side(client_loop, NoToken());
  const Address server =
      *server_side.ListenAndGetAddress("127.0.0.1:0", Echo());
  constexpr int kThreads = 4, kPerThread = 500;
  std::atomic<int> replies{0}, wrong{0}, calls_at_once{0};
  std::atomic<bool> overlapped{false};
  absl::Notification all_done;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string request = absl::StrCat(t, "/", i);
        client_side.Call("client:0", server, "Test.Echo", request, {},
                         [&, expected = absl::StrCat("Test.Echo:", request)](
                             absl::StatusOr<std::string> reply) {
                           if (calls_at_once.fetch_add(1) != 0)
                             overlapped = true;
                           if (!reply.ok() || *reply != expected) ++wrong;
                           calls_at_once.fetch_sub(1);
                           if (++replies == kThreads * kPerThread)
                             all_done.Notify();
                         });
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(all_done.WaitForNotificationWithTimeout(kTestWait))
      << replies << " replies";
  EXPECT_EQ(wrong, 0);
  EXPECT_FALSE(overlapped);  // callbacks of one loop never run together
}

TEST(GrpcTransportTest, NoReplyWithinTheTimeoutIsDeadlineExceeded) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  HeldReplies held;
  const Address server =
      *transport.ListenAndGetAddress("127.0.0.1:0", held.Handler());
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> reply =
      CallAndWait(transport, server, "Test.Slow", "x",
                  {.timeout = absl::Milliseconds(100)});
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded)
      << reply.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(100));
  // Replying after the deadline is harmless.
  ASSERT_TRUE(held.WaitFor(1));
  held.Take(0).second("too late");
}

TEST(GrpcTransportTest, NothingListeningIsUnavailable) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  // Port 1 is privileged and nothing listens there on a test machine.
  absl::StatusOr<std::string> reply =
      CallAndWait(transport, "127.0.0.1:1", "Test.Echo", "x");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  EXPECT_NE(reply.status().message().find("Test.Echo to 127.0.0.1:1"),
            absl::string_view::npos)
      << reply.status();
}

TEST(GrpcTransportTest, HandlerMayReplyLaterFromAnotherThread) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  HeldReplies held;
  const Address server =
      *transport.ListenAndGetAddress("127.0.0.1:0", held.Handler());
  absl::Notification done;
  absl::StatusOr<std::string> reply;
  transport.Call("client:0", server, "Test.Later", "question", {},
                 [&](absl::StatusOr<std::string> r) {
                   reply = std::move(r);
                   done.Notify();
                 });
  ASSERT_TRUE(held.WaitFor(1));
  auto [request, respond] = held.Take(0);
  EXPECT_EQ(request, "question");
  EXPECT_FALSE(done.HasBeenNotified());
  std::thread replier([respond = respond] {
    respond(std::string("answer"));
    respond(std::string("ignored: only the first reply counts"));
  });
  replier.join();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kTestWait));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "answer");
}

TEST(GrpcTransportTest, HandlerErrorsReachTheCallerUnchanged) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  const Address server = *transport.ListenAndGetAddress(
      "127.0.0.1:0", [](absl::string_view, Payload, ReplyCallback reply) {
        reply(absl::NotFoundError("no such actor"));
      });
  absl::StatusOr<std::string> reply =
      CallAndWait(transport, server, "Test.Find", "");
  EXPECT_EQ(reply.status(), absl::NotFoundError("no such actor"));
}

TEST(GrpcTransportTest, CloseThenCallIsUnavailable) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  const Address server = *transport.ListenAndGetAddress("127.0.0.1:0", Echo());
  ASSERT_TRUE(CallAndWait(transport, server, "M", "x").ok());
  transport.Close(server);
  absl::StatusOr<std::string> reply = CallAndWait(transport, server, "M", "x");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  // The port is free again: listening there once more works. The channel
  // saw the connection refused and fails calls fast until its next
  // reconnect attempt (100 ms later, at most 2 s): a restarted server is
  // reachable again within that.
  ASSERT_TRUE(transport.Listen(server, Echo()).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  absl::StatusOr<std::string> again = CallAndWait(transport, server, "M", "y");
  while (absl::IsUnavailable(again.status()) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
    again = CallAndWait(transport, server, "M", "y");
  }
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, "M:y");
}

TEST(GrpcTransportTest, CloseAnswersPendingRequestsWithUnavailable) {
  EventLoop loop("test");
  GrpcTransport transport(loop, NoToken());
  HeldReplies held;
  const Address server =
      *transport.ListenAndGetAddress("127.0.0.1:0", held.Handler());
  absl::Notification done;
  absl::StatusOr<std::string> reply;
  transport.Call("client:0", server, "M", "x", {},
                 [&](absl::StatusOr<std::string> r) {
                   reply = std::move(r);
                   done.Notify();
                 });
  ASSERT_TRUE(held.WaitFor(1));
  transport.Close(server);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kTestWait));
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  held.Take(0).second("after close: ignored");
}

TEST(GrpcTransportTest, ListeningTwiceOnOnePortIsAlreadyExists) {
  EventLoop loop("test");
  GrpcTransport first(loop, NoToken()), second(loop, NoToken());
  const Address server = *first.ListenAndGetAddress("127.0.0.1:0", Echo());
  EXPECT_EQ(first.Listen(server, Echo()).code(),
            absl::StatusCode::kAlreadyExists);
  // Another transport (as another process would) cannot share the port.
  EXPECT_EQ(second.Listen(server, Echo()).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*CallAndWait(second, server, "M", "x"), "M:x");
}

TEST(GrpcTransportTest, ClosingTheCallersAddressDropsItsReplies) {
  EventLoop loop("test");
  HeldReplies held;
  std::atomic<int> callbacks{0};
  Address server;
  {
    GrpcTransport server_side(loop, NoToken());
    server = *server_side.ListenAndGetAddress("127.0.0.1:0", held.Handler());
    GrpcTransport client_side(loop, NoToken());
    const Address client =
        *client_side.ListenAndGetAddress("127.0.0.1:0", Echo());
    client_side.Call(client, server, "M", "x", {},
                     [&](absl::StatusOr<std::string>) { ++callbacks; });
    ASSERT_TRUE(held.WaitFor(1));
    client_side.Close(client);
    held.Take(0).second("reply to a caller that is gone");
    // The client's destructor waits for the reply's gRPC callback.
  }
  loop.RunAndWait([] {});  // and this runs what that callback posted
  EXPECT_EQ(callbacks, 0);
}

}  // namespace
}  // namespace miniray
