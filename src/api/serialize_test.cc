// Proves that every supported type, alone and nested, round-trips through
// Serialize/Deserialize bit-exactly with deterministic bytes in the documented
// format, and that truncated, overlong, non-canonical or hostile input (such
// as a declared length of 2^60) yields InvalidArgument naming the expected
// type, without crashing or allocating; and that an absl::string_view reads
// a string in place, as a view of the input's bytes.
#include "src/api/serialize.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

struct Point {
  double x = 0;
  double y = 0;
  std::string label;
  std::optional<int32_t> weight;

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar(x, y, label, weight);
  }
  bool operator==(const Point& other) const {
    return x == other.x && y == other.y && label == other.label &&
           weight == other.weight;
  }
};

// A struct holding another struct and containers of structs.
struct Shape {
  std::string name;
  std::vector<Point> points;
  std::map<std::string, Point> anchors;

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar(name, points, anchors);
  }
  bool operator==(const Shape& other) const {
    return name == other.name && points == other.points &&
           anchors == other.anchors;
  }
};

// Self-referential, so its nesting depth comes from the data.
struct Tree {
  int32_t value = 0;
  std::vector<Tree> children;

  template <typename Archive>
  void Serialize(Archive& ar) {
    ar(value, children);
  }
};

struct Empty {
  template <typename Archive>
  void Serialize(Archive& ar) {
    ar();
  }
};

// Serializes `value`, checks the bytes are stable, and decodes them back.
template <typename T>
T RoundTrip(const T& value) {
  const std::string bytes = Serialize(value);
  EXPECT_EQ(bytes, Serialize(value)) << "not deterministic";
  absl::StatusOr<T> decoded = Deserialize<T>(bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded.ok() ? *std::move(decoded) : T{};
}

std::string LengthPrefix(uint64_t length) { return Serialize(length); }

TEST(SerializeTest, ScalarsRoundTrip) {
  EXPECT_EQ(RoundTrip(true), true);
  EXPECT_EQ(RoundTrip(false), false);
  EXPECT_EQ(RoundTrip('x'), 'x');
  EXPECT_EQ(RoundTrip(int8_t{-128}), -128);
  EXPECT_EQ(RoundTrip(uint8_t{255}), 255);
  EXPECT_EQ(RoundTrip(int16_t{-12345}), -12345);
  EXPECT_EQ(RoundTrip(uint16_t{65535}), 65535);
  EXPECT_EQ(RoundTrip(std::numeric_limits<int32_t>::min()),
            std::numeric_limits<int32_t>::min());
  EXPECT_EQ(RoundTrip(uint32_t{4000000000u}), 4000000000u);
  EXPECT_EQ(RoundTrip(std::numeric_limits<int64_t>::min()),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(RoundTrip(std::numeric_limits<uint64_t>::max()),
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(RoundTrip(-7L), -7L);
  EXPECT_EQ(RoundTrip(7ULL), 7ULL);
  EXPECT_EQ(RoundTrip(1.5f), 1.5f);
  EXPECT_EQ(RoundTrip(-2.25), -2.25);
  EXPECT_EQ(RoundTrip(std::string("hello\0world", 11)),
            std::string("hello\0world", 11));
  EXPECT_EQ(RoundTrip(std::string()), "");
}

// A task parameter of type absl::string_view views its argument where it
// lies: the bytes of a std::string's encoding, not a copy of them.
TEST(SerializeTest, AStringViewReadsAStringInPlace) {
  const std::string bytes = Serialize(std::string("hello, world"));
  absl::StatusOr<absl::string_view> view = Deserialize<absl::string_view>(bytes);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(*view, "hello, world");
  EXPECT_GE(view->data(), bytes.data());
  EXPECT_LE(view->data() + view->size(), bytes.data() + bytes.size());
  // Written as a std::string is: either side can read the other.
  EXPECT_EQ(Serialize(absl::string_view("hello, world")), bytes);
  EXPECT_FALSE(
      Deserialize<absl::string_view>(bytes.substr(0, bytes.size() - 1)).ok());
}

TEST(SerializeTest, FloatingPointIsBitExact) {
  const double negative_zero = RoundTrip(-0.0);
  EXPECT_TRUE(std::signbit(negative_zero));
  EXPECT_TRUE(std::isnan(RoundTrip(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(RoundTrip(std::numeric_limits<double>::infinity()),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(RoundTrip(std::numeric_limits<double>::denorm_min()),
            std::numeric_limits<double>::denorm_min());
  const std::vector<double> nan_payloads = {
      std::numeric_limits<double>::quiet_NaN(), -0.0, 1e-310};
  EXPECT_EQ(Serialize(RoundTrip(nan_payloads)), Serialize(nan_payloads));
}

TEST(SerializeTest, ContainersRoundTrip) {
  EXPECT_EQ(RoundTrip(std::vector<int32_t>{1, -2, 3}),
            (std::vector<int32_t>{1, -2, 3}));
  EXPECT_EQ(RoundTrip(std::vector<bool>{true, false, true}),
            (std::vector<bool>{true, false, true}));
  EXPECT_EQ(RoundTrip(std::vector<std::string>{"a", "", "ccc"}),
            (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_EQ(RoundTrip(std::vector<int64_t>{}), std::vector<int64_t>{});
  EXPECT_EQ(RoundTrip(std::pair<int32_t, std::string>{4, "four"}),
            (std::pair<int32_t, std::string>{4, "four"}));
  EXPECT_EQ(RoundTrip(std::make_tuple(1, 2.5, std::string("x"), true)),
            std::make_tuple(1, 2.5, std::string("x"), true));
  EXPECT_EQ(RoundTrip(std::tuple<>{}), std::tuple<>{});
  EXPECT_EQ(RoundTrip(std::optional<std::string>("set")),
            std::optional<std::string>("set"));
  EXPECT_EQ(RoundTrip(std::optional<double>()), std::nullopt);
  const std::map<int32_t, std::string> map = {{3, "c"}, {1, "a"}, {2, "b"}};
  EXPECT_EQ(RoundTrip(map), map);
}

TEST(SerializeTest, NestedTypesRoundTrip) {
  const std::vector<std::vector<double>> matrix = {{1, 2, 3}, {}, {4.5}};
  EXPECT_EQ(RoundTrip(matrix), matrix);
  const std::map<std::string, std::vector<int>> lists = {
      {"empty", {}}, {"primes", {2, 3, 5, 7}}};
  EXPECT_EQ(RoundTrip(lists), lists);
  const std::vector<std::optional<std::pair<int, std::string>>> options = {
      std::nullopt, std::make_pair(1, std::string("one"))};
  EXPECT_EQ(RoundTrip(options), options);
  const std::vector<std::tuple<>> empties(5);
  EXPECT_EQ(RoundTrip(empties).size(), 5u);
}

TEST(SerializeTest, UserStructsRoundTrip) {
  const Point point{1.5, -2, "origin", 7};
  EXPECT_EQ(RoundTrip(point), point);
  const Shape shape{"triangle",
                    {{0, 0, "a", std::nullopt}, {1, 0, "b", 2}, {0, 1, "", 3}},
                    {{"center", {0.3, 0.3, "c", std::nullopt}}}};
  EXPECT_EQ(RoundTrip(shape), shape);
  EXPECT_EQ(RoundTrip(std::vector<Empty>(3)).size(), 3u);

  Tree tree{1, {{2, {}}, {3, {{4, {}}}}}};
  const Tree decoded = RoundTrip(tree);
  ASSERT_EQ(decoded.children.size(), 2u);
  EXPECT_EQ(decoded.children[1].children[0].value, 4);
}

TEST(SerializeTest, BytesFollowTheDocumentedFormat) {
  using std::string_literals::operator""s;
  EXPECT_EQ(Serialize(int32_t{0x01020304}), "\x04\x03\x02\x01"s);
  EXPECT_EQ(Serialize(true), "\x01"s);
  EXPECT_EQ(Serialize(1.0), "\0\0\0\0\0\0\xf0\x3f"s);
  EXPECT_EQ(Serialize(std::string("ab")), "\x02\0\0\0\0\0\0\0ab"s);
  EXPECT_EQ(Serialize(std::optional<int8_t>(5)), "\x01\x05"s);
  EXPECT_EQ(Serialize(std::optional<int8_t>()), "\x00"s);
  EXPECT_EQ(Serialize(std::vector<uint16_t>{1, 2}),
            "\x02\0\0\0\0\0\0\0\x01\0\x02\0"s);
  EXPECT_EQ(Serialize(std::map<int8_t, bool>{{2, false}, {1, true}}),
            "\x02\0\0\0\0\0\0\0\x01\x01\x02\x00"s);
  EXPECT_EQ(Serialize(Point{1, 2, "", std::nullopt}),
            Serialize(std::make_tuple(1.0, 2.0, std::string(), false)));
}

TEST(SerializeTest, EqualValuesGiveEqualBytes) {
  std::map<std::string, int> forward;
  std::map<std::string, int> backward;
  for (int i = 0; i < 100; ++i) forward[std::to_string(i)] = i;
  for (int i = 99; i >= 0; --i) backward[std::to_string(i)] = i;
  EXPECT_EQ(Serialize(forward), Serialize(backward));
  EXPECT_EQ(Serialize(Point{1, 2, "p", 3}), Serialize(Point{1, 2, "p", 3}));
  EXPECT_NE(Serialize(Point{1, 2, "p", 3}), Serialize(Point{1, 2, "q", 3}));
}

TEST(SerializeTest, MillionDoublesRoundTripCompactly) {
  std::vector<double> values(1000000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i * 0.5 - 3.25;
  const std::string bytes = Serialize(values);
  EXPECT_EQ(bytes.size(), 8 + 8 * values.size());
  absl::StatusOr<std::vector<double>> decoded =
      Deserialize<std::vector<double>>(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, values);
}

TEST(SerializeTest, TypeNamesDescribeTypes) {
  EXPECT_EQ(TypeName<bool>(), "bool");
  EXPECT_EQ(TypeName<int64_t>(), "int64");
  EXPECT_EQ(TypeName<uint8_t>(), "uint8");
  EXPECT_EQ(TypeName<char>(), "char");
  EXPECT_EQ(TypeName<float>(), "float");
  EXPECT_EQ(TypeName<std::vector<double>>(), "vector<double>");
  EXPECT_EQ((TypeName<std::map<std::string, std::optional<int32_t>>>()),
            "map<string, optional<int32>>");
  EXPECT_EQ((TypeName<std::tuple<int16_t, std::pair<bool, Point>>>()),
            "tuple<int16, pair<bool, struct>>");
}

// Expects decoding `bytes` as T to fail with InvalidArgument whose message
// names T and contains `detail`.
template <typename T>
void ExpectRejected(absl::string_view bytes, absl::string_view detail) {
  absl::StatusOr<T> decoded = Deserialize<T>(bytes);
  ASSERT_FALSE(decoded.ok()) << "decoded as " << TypeName<T>();
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(decoded.status().message()),
              AllOf(HasSubstr("expected " + TypeName<T>() + ", "),
                    HasSubstr(std::string(detail))));
}

TEST(DeserializeTest, RejectsTruncatedInput) {
  const std::string bytes = Serialize(std::vector<int64_t>{1, 2, 3});
  for (size_t size = 0; size < bytes.size(); ++size) {
    ExpectRejected<std::vector<int64_t>>(bytes.substr(0, size),
                                         "bytes end early");
  }
  const std::string shape =
      Serialize(Shape{"s", {{1, 2, "p", 3}}, {{"k", {4, 5, "q", 6}}}});
  for (size_t size = 0; size < shape.size(); ++size) {
    EXPECT_FALSE(Deserialize<Shape>(shape.substr(0, size)).ok()) << size;
  }
  ExpectRejected<int32_t>("abc", "bytes end early reading int32 (at byte 0)");
}

TEST(DeserializeTest, RejectsTrailingBytes) {
  ExpectRejected<int32_t>(Serialize(int32_t{1}) + "xyz",
                          "3 trailing bytes (at byte 4)");
  ExpectRejected<std::vector<double>>(Serialize(std::vector<double>{1}) + "!",
                                      "1 trailing bytes");
  ExpectRejected<std::tuple<>>("x", "1 trailing bytes");
}

TEST(DeserializeTest, RejectsHugeDeclaredLengthWithoutAllocating) {
  const std::string hostile = LengthPrefix(uint64_t{1} << 60) + "abcd";
  ExpectRejected<std::string>(hostile, "declared length 1152921504606846976");
  ExpectRejected<std::vector<double>>(hostile, "exceeds the 4 bytes remaining");
  ExpectRejected<std::vector<std::string>>(hostile, "exceeds");
  ExpectRejected<std::vector<std::vector<double>>>(hostile, "exceeds");
  ExpectRejected<std::map<std::string, int>>(hostile, "exceeds");
  ExpectRejected<std::vector<bool>>(hostile, "exceeds");
  ExpectRejected<std::vector<uint64_t>>(LengthPrefix(~uint64_t{0}), "exceeds");
  // Struct elements have no known minimum size, so their count is bounded by
  // the bytes each element actually consumes.
  ExpectRejected<std::vector<Point>>(hostile, "bytes end early");
}

TEST(DeserializeTest, CapsElementsThatEncodeToNothing) {
  ExpectRejected<std::vector<std::tuple<>>>(LengthPrefix(uint64_t{1} << 60),
                                            "elements of zero bytes");
  ExpectRejected<std::vector<Empty>>(LengthPrefix(kMaxEmptyElements + 1),
                                     "elements of zero bytes");
  EXPECT_TRUE(
      Deserialize<std::vector<Empty>>(LengthPrefix(kMaxEmptyElements)).ok());
}

TEST(DeserializeTest, RejectsStructsNestedTooDeeply) {
  // Each level is a Tree with one child: value, then a count of 1.
  std::string deep;
  for (int i = 0; i <= kMaxStructDepth; ++i) {
    deep += Serialize(int32_t{i}) + LengthPrefix(1);
  }
  ExpectRejected<Tree>(deep, "structs nest deeper than");
}

TEST(DeserializeTest, RejectsNonCanonicalValues) {
  ExpectRejected<bool>("\x02", "invalid bool byte 2");
  ExpectRejected<std::optional<int8_t>>("\x07\x01", "invalid bool byte 7");
  using Map = std::map<int8_t, int8_t>;
  const std::string out_of_order =
      LengthPrefix(2) +
      Serialize(std::make_tuple(int8_t{2}, int8_t{0}, int8_t{1}, int8_t{0}));
  ExpectRejected<Map>(out_of_order, "keys of map<int8, int8> are repeated");
  const std::string repeated =
      LengthPrefix(2) +
      Serialize(std::make_tuple(int8_t{1}, int8_t{0}, int8_t{1}, int8_t{9}));
  ExpectRejected<Map>(repeated, "out of order");
}

}  // namespace
}  // namespace miniray
