// Proves that an object goes out of scope exactly when its last local and
// submitted-task references are gone, and that locations are tracked sorted.
#include "src/core_worker/reference_counter.h"

#include <vector>

#include "gtest/gtest.h"

namespace miniray {
namespace {

ObjectId Id(uint64_t seq) { return ObjectId::ForPut(1, seq); }

TEST(ReferenceCounterTest, FreedWhenLocalAndSubmittedReachZero) {
  std::vector<ObjectId> freed;
  ReferenceCounter refs(
      [&](ObjectId id, const ReferenceCounter::Reference&) { freed.push_back(id); });
  refs.AddOwned(Id(1), "a:1", 1);
  refs.AddSubmitted(Id(1));
  refs.RemoveLocal(Id(1));
  EXPECT_TRUE(freed.empty());  // a pending task still needs it
  refs.RemoveSubmitted(Id(1));
  EXPECT_EQ(freed, std::vector<ObjectId>{Id(1)});
  EXPECT_EQ(refs.Find(Id(1)), nullptr);
}

TEST(ReferenceCounterTest, CopiesOfAHandleCount) {
  int freed = 0;
  ReferenceCounter refs(
      [&](ObjectId, const ReferenceCounter::Reference&) { ++freed; });
  refs.AddOwned(Id(2), "a:1", 1);
  refs.AddLocal(Id(2));
  refs.RemoveLocal(Id(2));
  EXPECT_EQ(freed, 0);
  refs.RemoveLocal(Id(2));
  EXPECT_EQ(freed, 1);
}

TEST(ReferenceCounterTest, LocationsStaySortedAndUnique) {
  ReferenceCounter::Reference last;
  ReferenceCounter refs(
      [&](ObjectId, const ReferenceCounter::Reference& ref) { last = ref; });
  refs.AddOwned(Id(3), "a:1", 1);
  refs.AddLocation(Id(3), 5, 100);
  refs.AddLocation(Id(3), 2, 0);
  refs.AddLocation(Id(3), 5, 0);
  ASSERT_NE(refs.Find(Id(3)), nullptr);
  EXPECT_EQ(refs.Find(Id(3))->locations, (std::vector<NodeId>{2, 5}));
  EXPECT_EQ(refs.Find(Id(3))->size, 100);
  refs.RemoveLocation(Id(3), 2);
  refs.RemoveLocal(Id(3));
  // The callback sees where the copies were, so it can free them.
  EXPECT_EQ(last.locations, (std::vector<NodeId>{5}));
  EXPECT_TRUE(last.owned);
}

TEST(ReferenceCounterDeathTest, ReleasingTwiceIsABug) {
  ReferenceCounter refs([](ObjectId, const ReferenceCounter::Reference&) {});
  refs.AddOwned(Id(4), "a:1", 1);
  refs.RemoveLocal(Id(4));
  EXPECT_DEATH(refs.RemoveLocal(Id(4)), "never taken");
}

}  // namespace
}  // namespace miniray
