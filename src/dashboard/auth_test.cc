// Proves that the dashboard finds the token in the header or the cookie, and
// that the comparison accepts only the exact token (and never an empty one).
#include "src/dashboard/auth.h"

#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(AuthTest, TakesBearerHeaderFirstThenCookie) {
  EXPECT_EQ(TokenFromHeaders("Bearer abc", "miniray_token=xyz"), "abc");
  EXPECT_EQ(TokenFromHeaders("", "a=1; miniray_token=xyz; b=2"), "xyz");
  EXPECT_EQ(TokenFromHeaders("Basic abc", ""), "");
  EXPECT_EQ(TokenFromHeaders("", ""), "");
}

TEST(AuthTest, DashboardTokenMatchesOnlyForTheExactToken) {
  EXPECT_TRUE(DashboardTokenMatches("secret", "secret"));
  EXPECT_FALSE(DashboardTokenMatches("secreT", "secret"));
  EXPECT_FALSE(DashboardTokenMatches("secret1", "secret"));
  EXPECT_FALSE(DashboardTokenMatches("secre", "secret"));
  EXPECT_FALSE(DashboardTokenMatches("", "secret"));
  EXPECT_FALSE(DashboardTokenMatches("", ""));
}

}  // namespace
}  // namespace miniray
