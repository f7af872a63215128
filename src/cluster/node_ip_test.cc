// Proves that a node picks the address its packets to the head leave from
// (loopback for a loopback head), and that HOST:PORT parsing and the
// loopback test accept and refuse what the `start` flags need.
#include "src/cluster/node_ip.h"

#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(NodeIpTest, LoopbackHeadGivesLoopbackAddress) {
  absl::StatusOr<std::string> ip = LocalAddressToward("127.0.0.1");
  ASSERT_TRUE(ip.ok()) << ip.status();
  EXPECT_EQ(*ip, "127.0.0.1");
}

TEST(NodeIpTest, UnresolvableHostIsAnError) {
  EXPECT_FALSE(LocalAddressToward("no-such-host.invalid").ok());
}

TEST(NodeIpTest, SplitsHostPort) {
  absl::StatusOr<std::pair<std::string, int>> split =
      SplitHostPort("10.0.0.5:6379");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->first, "10.0.0.5");
  EXPECT_EQ(split->second, 6379);
  EXPECT_FALSE(SplitHostPort("10.0.0.5").ok());
  EXPECT_FALSE(SplitHostPort(":6379").ok());
  EXPECT_FALSE(SplitHostPort("h:0").ok());
  EXPECT_FALSE(SplitHostPort("h:99999").ok());
}

TEST(NodeIpTest, Loopback) {
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("127.1.2.3"));
  EXPECT_TRUE(IsLoopback("localhost"));
  EXPECT_FALSE(IsLoopback("10.0.0.5"));
}

}  // namespace
}  // namespace miniray
