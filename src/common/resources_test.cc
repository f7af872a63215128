// Proves ResourceSet arithmetic, subset checks and canonical printing.
#include "src/common/resources.h"

#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(ResourceSetTest, SubsetAndArithmetic) {
  ResourceSet node = ResourceSet::FromMap({{"CPU", 4}, {"GPU", 1}});
  ResourceSet task = ResourceSet::FromMap({{"CPU", 1.5}});
  EXPECT_TRUE(task.IsSubsetOf(node));
  node.Subtract(task);
  EXPECT_DOUBLE_EQ(node.Get("CPU"), 2.5);
  EXPECT_FALSE(ResourceSet::FromMap({{"TPU", 1}}).IsSubsetOf(node));
  node.Add(task);
  EXPECT_EQ(node.ToString(), "{CPU: 4, GPU: 1}");
}

TEST(ResourceSetTest, ZeroAmountsVanish) {
  ResourceSet set = ResourceSet::FromMap({{"CPU", 1}, {"GPU", 0}});
  EXPECT_EQ(set.ToString(), "{CPU: 1}");
  set.Subtract(ResourceSet::FromMap({{"CPU", 2}}));
  EXPECT_TRUE(set.empty());
  EXPECT_TRUE(ResourceSet().IsSubsetOf(set));
}

TEST(ResourceSetTest, ProtoRoundTrip) {
  ResourceSet set = ResourceSet::FromMap({{"b", 2}, {"a", 1}});
  EXPECT_EQ(ResourceSet::FromProto(set.ToProto()), set);
  EXPECT_EQ(set.entries().front().first, "a");
}

}  // namespace
}  // namespace miniray
