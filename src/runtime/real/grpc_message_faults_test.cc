// Proves that a GrpcListener given a message-fault function applies a
// link's faults as the simulator's network does: a lost request fails with
// Unavailable and never reaches the handler, a lost reply fails after the
// handler ran, a duplicated request runs the handler twice and is answered
// once, delays hold messages back, a cut link holds a request or a reply
// until it heals, and calls of other links pass untouched. The caller's
// node name travels with each call.
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "src/runtime/real/grpc_transport.h"
#include "src/runtime/real/transport_test_util.h"

namespace miniray {
namespace {

// A client node "a" (and an unfaulted "c") calling a server node "b" whose
// link a -> b or b -> a has `fate`.
class MessageFaultsTest : public ::testing::Test {
 public:
  void StartServer(MessageFate request_fate, MessageFate reply_fate) {
    StartServerWith([=](absl::string_view from, absl::string_view to) {
      if (from == "a" && to == "b") return request_fate;
      if (from == "b" && to == "a") return reply_fate;
      return MessageFate{};
    });
  }

  void StartServerWith(MessageFaultFn faults) {
    GrpcTransport::Options options = NoToken();
    options.node_name = "b";
    options.message_faults = std::move(faults);
    server_ = std::make_unique<GrpcTransport>(server_loop_, options);
    address_ = *server_->ListenAndGetAddress(
        "127.0.0.1:0",
        [this](absl::string_view, Payload request, ReplyCallback reply) {
          const int run = ++handled_;
          reply(absl::StrCat("echo:", request.Flatten(), "#", run));
        });
  }

  int handled() const { return handled_.load(); }

  absl::StatusOr<std::string> CallFrom(const std::string& node) {
    GrpcTransport::Options options = NoToken();
    options.node_name = node;
    GrpcTransport client(client_loop_, options);
    return CallAndWait(client, address_, "Test.Echo", "x");
  }

  EventLoop server_loop_{"server"};
  EventLoop client_loop_{"client"};
  std::unique_ptr<GrpcTransport> server_;
  Address address_;
  std::atomic<int> handled_{0};
};

TEST_F(MessageFaultsTest, ALostRequestFailsAndNeverRunsTheHandler) {
  StartServer({.drop = true}, {});
  absl::StatusOr<std::string> reply = CallFrom("a");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("request was lost"),
            std::string::npos)
      << reply.status();
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(MessageFaultsTest, ALostReplyFailsAfterTheHandlerRan) {
  StartServer({}, {.drop = true});
  absl::StatusOr<std::string> reply = CallFrom("a");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(handled_.load(), 1);
}

// As in the simulator, the copy arrives after the original, whose reply
// the caller gets (a copy first would be refused as pushed twice).
TEST_F(MessageFaultsTest, ADuplicatedRequestRunsTwiceAndIsAnsweredOnce) {
  StartServer({.duplicate = true}, {});
  absl::StatusOr<std::string> reply = CallFrom("a");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "echo:x#1");
  // The copy was posted to the server's loop before the reply was sent.
  ASSERT_TRUE(server_loop_.RunAndWait([] {}));
  EXPECT_EQ(handled_.load(), 2);
}

TEST_F(MessageFaultsTest, DelaysHoldTheRequestAndTheReplyBack) {
  StartServer({.delay = absl::Milliseconds(60)},
              {.delay = absl::Milliseconds(60)});
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> reply = CallFrom("a");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(120));
  EXPECT_EQ(*reply, "echo:x#1");
  EXPECT_EQ(handled_.load(), 1);
}

// Waits (at most 10 s) until `done` holds.
bool WaitFor(const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!done() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  return done();
}

// A link cut one way (`cut_from` -> `cut_to`) until `cut` is cleared;
// counts how often the held message's link was asked about.
struct Cut {
  std::atomic<bool> cut{true};
  std::atomic<int> asked{0};
  MessageFaultFn Fn(std::string cut_from, std::string cut_to) {
    return [this, cut_from, cut_to](absl::string_view from,
                                    absl::string_view to) {
      if (from != cut_from || to != cut_to) return MessageFate{};
      ++asked;
      return MessageFate{.held = cut.load()};
    };
  }
};

// Calls from "a" on a thread while `link` is cut; once the held message
// was asked about three times, checks that the handler ran
// `handled_while_cut` times and no reply came, heals the link, and returns
// the reply.
absl::StatusOr<std::string> CallAcrossACutThenHeal(MessageFaultsTest& test,
                                                   Cut& link,
                                                   int handled_while_cut) {
  absl::StatusOr<std::string> reply;
  std::atomic<bool> replied{false};
  std::thread caller([&] {
    reply = test.CallFrom("a");
    replied = true;
  });
  EXPECT_TRUE(WaitFor([&] { return link.asked.load() >= 3; }));
  EXPECT_EQ(test.handled(), handled_while_cut);
  EXPECT_FALSE(replied.load());
  link.cut = false;
  caller.join();
  return reply;
}

TEST_F(MessageFaultsTest, ARequestOnACutLinkRunsOnlyOnceItHeals) {
  Cut link;
  StartServerWith(link.Fn("a", "b"));
  absl::StatusOr<std::string> reply = CallAcrossACutThenHeal(*this, link, 0);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "echo:x#1");
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(MessageFaultsTest, AReplyOnACutLinkArrivesOnlyOnceItHeals) {
  Cut link;
  StartServerWith(link.Fn("b", "a"));
  // The request goes through; its reply waits.
  absl::StatusOr<std::string> reply = CallAcrossACutThenHeal(*this, link, 1);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, "echo:x#1");
}

TEST_F(MessageFaultsTest, OtherLinksPassUntouched) {
  StartServer({.drop = true}, {.drop = true});
  absl::StatusOr<std::string> reply = CallFrom("c");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(handled_.load(), 1);
}

}  // namespace
}  // namespace miniray
