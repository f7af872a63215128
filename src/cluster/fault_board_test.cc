// Proves that a FaultBoard carries message faults from its writer to a
// reader that mapped it earlier: rules set and cleared are seen by the
// reader's next decision, a link's own rule wins over a rule for every
// link, certain faults always happen and absent ones never, the faults
// applied are counted for the writer, clock skews reach their node's
// readers, cuts hold exactly the messages that cross them until removed,
// and bad rules are refused.
#include "src/cluster/fault_board.h"

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

std::string BoardName(const char* test) {
  return absl::StrCat("/miniray-test.", getpid(), ".", test);
}

TEST(FaultBoardTest, ReadersSeeRulesAsTheyAreSetAndCleared) {
  const std::string name = BoardName("set");
  auto writer = FaultBoard::Create(name);
  ASSERT_TRUE(writer.ok()) << writer.status();
  auto reader = FaultBoard::Open(name);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_FALSE((*reader)->Decide("head", "worker-0").drop);

  ASSERT_TRUE((*writer)->SetRule({.from = "head", .to = "worker-0",
                                  .drop = 1.0}).ok());
  EXPECT_TRUE((*reader)->Decide("head", "worker-0").drop);
  EXPECT_FALSE((*reader)->Decide("worker-0", "head").drop);  // one way
  EXPECT_FALSE((*reader)->Decide("head", "worker-1").drop);

  (*writer)->ClearRule("head", "worker-0");
  EXPECT_FALSE((*reader)->Decide("head", "worker-0").drop);
  EXPECT_TRUE((*reader)->Rules().empty());
  // The reader's one drop is counted where the writer sees it.
  EXPECT_EQ((*writer)->applied().dropped, 1u);
  EXPECT_EQ((*writer)->applied().duplicated, 0u);
}

TEST(FaultBoardTest, ALinksOwnRuleWinsOverTheRuleForEveryLink) {
  const std::string name = BoardName("every");
  auto writer = FaultBoard::Create(name);
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_TRUE((*writer)->SetRule({.duplicate = 1.0}).ok());
  ASSERT_TRUE((*writer)->SetRule({.from = "a", .to = "b", .delay = 1.0,
                                  .max_delay = absl::Milliseconds(5)}).ok());
  auto reader = FaultBoard::Open(name);
  ASSERT_TRUE(reader.ok());
  const MessageFate everywhere = (*reader)->Decide("x", "y");
  EXPECT_TRUE(everywhere.duplicate);
  const MessageFate own = (*reader)->Decide("a", "b");
  EXPECT_FALSE(own.duplicate);
  EXPECT_LT(own.delay, absl::Milliseconds(5));
  EXPECT_EQ((*reader)->Rules().size(), 2u);
}

TEST(FaultBoardTest, ClockSkewsReachTheirNodesOnly) {
  const std::string name = BoardName("skew");
  auto writer = FaultBoard::Create(name);
  ASSERT_TRUE(writer.ok());
  auto reader = FaultBoard::Open(name);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->Skew("worker-0"), absl::ZeroDuration());
  ASSERT_TRUE((*writer)->SetSkew("worker-0", absl::Seconds(3)).ok());
  ASSERT_TRUE((*writer)->SetSkew("worker-1", absl::Seconds(-2)).ok());
  EXPECT_EQ((*reader)->SkewFn("worker-0")(), absl::Seconds(3));
  EXPECT_EQ((*reader)->Skew("worker-1"), absl::Seconds(-2));
  EXPECT_EQ((*reader)->Skew("head"), absl::ZeroDuration());
  ASSERT_TRUE((*writer)->SetSkew("worker-0", absl::ZeroDuration()).ok());
  EXPECT_EQ((*reader)->Skew("worker-0"), absl::ZeroDuration());
}

TEST(FaultBoardTest, ACutHoldsTheMessagesThatCrossItUntilRemoved) {
  const std::string name = BoardName("cut");
  auto writer = FaultBoard::Create(name);
  ASSERT_TRUE(writer.ok());
  auto reader = FaultBoard::Open(name);
  ASSERT_TRUE(reader.ok());
  // worker-0 against everyone else, both ways.
  absl::StatusOr<int> cut = (*writer)->AddCut({.nodes = {"worker-0"}});
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_TRUE((*reader)->Decide("head", "worker-0").held);
  EXPECT_TRUE((*reader)->Decide("worker-0", "worker-1").held);
  EXPECT_FALSE((*reader)->Decide("head", "worker-1").held);
  EXPECT_FALSE((*reader)->Decide("worker-0", "worker-0").held);
  // One way, between named sides: only from `nodes` to `others`.
  absl::StatusOr<int> one_way = (*writer)->AddCut(
      {.nodes = {"a"}, .others = {"b", "c"}, .one_way = true});
  ASSERT_TRUE(one_way.ok()) << one_way.status();
  EXPECT_NE(*one_way, *cut);
  EXPECT_TRUE((*reader)->Decide("a", "c").held);
  EXPECT_FALSE((*reader)->Decide("c", "a").held);
  EXPECT_FALSE((*reader)->Decide("a", "d").held);
  // A held message is not dropped, whatever the rules say.
  ASSERT_TRUE((*writer)->SetRule({.drop = 1.0}).ok());
  EXPECT_FALSE((*reader)->Decide("head", "worker-0").drop);
  EXPECT_EQ((*writer)->applied().dropped, 0u);
  (*writer)->RemoveCut(*cut);
  EXPECT_FALSE((*reader)->Decide("head", "worker-0").held);
  EXPECT_TRUE((*reader)->Decide("a", "b").held);  // the other cut stays
  (*writer)->RemoveCut(*one_way);
  EXPECT_FALSE((*reader)->Decide("a", "b").held);
}

TEST(FaultBoardTest, TooManyCutsOrNodesAreRefused) {
  const std::string name = BoardName("cuts");
  auto writer = FaultBoard::Create(name);
  ASSERT_TRUE(writer.ok());
  std::vector<std::string> many;
  for (int i = 0; i <= FaultBoard::kMaxSkews; ++i) many.push_back(absl::StrCat(i));
  EXPECT_EQ((*writer)->AddCut({.nodes = many}).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ((*writer)->AddCut({.nodes = {std::string(100, 'n')}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  for (int i = 0; i < FaultBoard::kMaxCuts; ++i) {
    ASSERT_TRUE((*writer)->AddCut({.nodes = {"x"}}).ok());
  }
  EXPECT_EQ((*writer)->AddCut({.nodes = {"x"}}).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(FaultBoardTest, BadRulesAndBoardsAreRefused) {
  const std::string name = BoardName("bad");
  auto writer = FaultBoard::Create(name);
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ((*writer)->SetRule({.from = std::string(100, 'n'), .to = "b"})
                .code(),
            absl::StatusCode::kInvalidArgument);
  for (int i = 0; i < FaultBoard::kMaxRules; ++i) {
    ASSERT_TRUE((*writer)->SetRule({.from = "a", .to = absl::StrCat(i)}).ok());
  }
  EXPECT_EQ((*writer)->SetRule({.from = "a", .to = "one more"}).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(FaultBoard::Create(name).ok());  // exists already
  EXPECT_FALSE(FaultBoard::Open(BoardName("missing")).ok());
}

}  // namespace
}  // namespace miniray
