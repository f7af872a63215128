// Payload: a message's bytes in shared pieces, sliced and flattened without
// losing or reordering a byte.
#include "src/runtime/payload.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace miniray {
namespace {

Payload ThreePieces() {
  return Payload(std::vector<Bytes>{Bytes(std::string("abc")), Bytes(),
                                    Bytes(std::string("")),
                                    Bytes(std::string("defg")),
                                    Bytes(std::string("hi"))});
}

TEST(PayloadTest, AStringIsOnePieceAndNothingIsNoPiece) {
  Payload one = std::string("hello");
  ASSERT_EQ(one.pieces().size(), 1u);
  EXPECT_EQ(one.pieces()[0].view(), "hello");
  EXPECT_EQ(one.size(), 5u);
  EXPECT_TRUE(Payload("").empty());
  EXPECT_TRUE(Payload("").pieces().empty());
  EXPECT_TRUE(Payload().empty());
}

TEST(PayloadTest, EmptyPiecesAreLeftOut) {
  const Payload payload = ThreePieces();
  EXPECT_EQ(payload.pieces().size(), 3u);
  EXPECT_EQ(payload.size(), 9u);
  EXPECT_EQ(payload.Flatten(), "abcdefghi");
}

TEST(PayloadTest, ACopySharesTheBytes) {
  const Payload payload = ThreePieces();
  const Payload copy = payload;  // NOLINT(performance-unnecessary-copy...)
  ASSERT_EQ(copy.pieces().size(), payload.pieces().size());
  for (size_t i = 0; i < copy.pieces().size(); ++i) {
    EXPECT_EQ(copy.pieces()[i].data(), payload.pieces()[i].data());
  }
}

TEST(PayloadTest, ASliceIsEveryRangeOfTheBytes) {
  const Payload payload = ThreePieces();
  const std::string all = payload.Flatten();
  for (size_t offset = 0; offset <= all.size() + 1; ++offset) {
    for (size_t size = 0; size <= all.size() + 1; ++size) {
      const Payload slice = payload.Slice(offset, size);
      const std::string expected =
          offset <= all.size() ? all.substr(offset, size) : "";
      EXPECT_EQ(slice.Flatten(), expected) << offset << "+" << size;
      EXPECT_EQ(slice.size(), expected.size());
    }
  }
  // A slice points into the pieces: nothing was copied.
  EXPECT_EQ(payload.Slice(4, 2).pieces()[0].data(),
            payload.pieces()[1].data() + 1);
}

TEST(PayloadTest, ASliceOutlivesThePayloadItCameFrom) {
  Payload slice;
  {
    const Payload payload = ThreePieces();
    slice = payload.Slice(2, 5);
  }
  EXPECT_EQ(slice.Flatten(), "cdefg");
}

TEST(PayloadTest, BorrowedBytesAreNotCopied) {
  const std::string bytes = "borrowed";
  const Payload payload = Payload::Borrowed(bytes);
  ASSERT_EQ(payload.pieces().size(), 1u);
  EXPECT_EQ(payload.pieces()[0].data(), bytes.data());
  EXPECT_EQ(payload.Slice(3, 3).Flatten(), "row");
  EXPECT_TRUE(Payload::Borrowed("").empty());
}

}  // namespace
}  // namespace miniray
