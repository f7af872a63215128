// Proves the network model: latency, bandwidth queueing on a link, local
// delivery, refused connections, hosts that are down, and timeouts.
#include "src/runtime/sim/sim_network.h"

#include <string>

#include "gtest/gtest.h"

namespace miniray {
namespace {

class SimNetworkTest : public ::testing::Test {
 protected:
  SimNetworkTest()
      : network_(loop_, {.latency = absl::Milliseconds(1),
                         .bandwidth_bytes_per_s = 1e6,
                         .local_latency = absl::Microseconds(10)}) {}

  // Echo server on `address`.
  void Echo(const Address& address) {
    ASSERT_TRUE(network_
                    .Listen(address,
                            [](absl::string_view, Payload request,
                               ReplyCallback reply) {
                              reply(request.Flatten());
                            })
                    .ok());
  }

  void RunAll() {
    while (loop_.RunOne()) {
    }
  }

  SimLoop loop_;
  SimNetwork network_;
};

TEST_F(SimNetworkTest, RoundTripTakesTwoLatenciesPlusWireTime) {
  Echo("b:1");
  ASSERT_TRUE(network_.Listen("a:1", nullptr).ok());
  absl::Duration at;
  std::string got;
  network_.Call("a:1", "b:1", "Echo", "hello", {},
                [&](absl::StatusOr<std::string> reply) {
                  ASSERT_TRUE(reply.ok());
                  got = *reply;
                  at = loop_.elapsed();
                });
  RunAll();
  EXPECT_EQ(got, "hello");
  // 2 x 1ms latency, plus two small messages at 1 MB/s (about 75us each).
  EXPECT_GT(at, absl::Milliseconds(2));
  EXPECT_LT(at, absl::Microseconds(2300));
}

TEST_F(SimNetworkTest, LargeMessagesQueueOnTheLink) {
  Echo("b:1");
  ASSERT_TRUE(network_.Listen("a:1", nullptr).ok());
  std::vector<absl::Duration> arrivals;
  for (int i = 0; i < 2; ++i) {
    // 1 MB synthetic payload: one second on the wire each at 1 MB/s.
    network_.Call("a:1", "b:1", "Echo", "", {.synthetic_bytes = 1000000},
                  [&](absl::StatusOr<std::string>) {
                    arrivals.push_back(loop_.elapsed());
                  });
  }
  RunAll();
  ASSERT_EQ(arrivals.size(), 2u);
  EXPECT_GT(arrivals[0], absl::Seconds(1));
  EXPECT_LT(arrivals[0], absl::Milliseconds(1010));
  EXPECT_GT(arrivals[1], absl::Seconds(2));  // waited for the first
}

TEST_F(SimNetworkTest, SameHostUsesLocalLatency) {
  Echo("a:2");
  ASSERT_TRUE(network_.Listen("a:1", nullptr).ok());
  absl::Duration at;
  network_.Call("a:1", "a:2", "Echo", std::string(100000, 'x'), {},
                [&](absl::StatusOr<std::string>) { at = loop_.elapsed(); });
  RunAll();
  EXPECT_EQ(at, absl::Microseconds(20));
}

TEST_F(SimNetworkTest, NobodyListeningIsUnavailable) {
  ASSERT_TRUE(network_.Listen("a:1", nullptr).ok());
  absl::Status status;
  network_.Call("a:1", "b:9", "Echo", "x", {},
                [&](absl::StatusOr<std::string> r) { status = r.status(); });
  RunAll();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(SimNetworkTest, DownHostSwallowsUntilTimeout) {
  Echo("b:1");
  ASSERT_TRUE(network_.Listen("a:1", nullptr).ok());
  network_.SetHostUp("b", false);
  absl::Status status;
  absl::Duration at;
  network_.Call("a:1", "b:1", "Echo", "x", {.timeout = absl::Seconds(5)},
                [&](absl::StatusOr<std::string> r) {
                  status = r.status();
                  at = loop_.elapsed();
                });
  RunAll();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(at, absl::Seconds(5));
}

TEST_F(SimNetworkTest, SameTrafficSameFingerprint) {
  auto run = [](const std::string& payload) {
    SimLoop loop;
    SimNetwork network(loop, {});
    EXPECT_TRUE(network
                    .Listen("b:1", [](absl::string_view, Payload r,
                                      ReplyCallback reply) {
                      reply(r.Flatten());
                    })
                    .ok());
    EXPECT_TRUE(network.Listen("a:1", nullptr).ok());
    network.Call("a:1", "b:1", "Echo", payload, {},
                 [](absl::StatusOr<std::string>) {});
    while (loop.RunOne()) {
    }
    return loop.fingerprint();
  };
  EXPECT_EQ(run("abc"), run("abc"));
  EXPECT_NE(run("abc"), run("abd"));
}

}  // namespace
}  // namespace miniray
