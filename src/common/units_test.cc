// Proves that durations, sizes and bandwidths parse to the right values in
// every accepted unit, that malformed text fails with a message naming the
// text and the accepted units, and that FormatBytes prints compact binary
// sizes that ParseBytes reads back.
#include "src/common/units.h"

#include <cstdint>
#include <limits>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace miniray {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(ParseDurationTest, AcceptsEveryUnit) {
  EXPECT_EQ(*ParseDuration("10ns"), absl::Nanoseconds(10));
  EXPECT_EQ(*ParseDuration("100us"), absl::Microseconds(100));
  EXPECT_EQ(*ParseDuration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDuration("2s"), absl::Seconds(2));
  EXPECT_EQ(*ParseDuration("3m"), absl::Minutes(3));
  EXPECT_EQ(*ParseDuration("1.5h"), absl::Minutes(90));
}

TEST(ParseDurationTest, AcceptsZeroWithoutUnitAndNegativeValues) {
  EXPECT_EQ(*ParseDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration("0s"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration("-1s"), absl::Seconds(-1));
  EXPECT_EQ(*ParseDuration(" 0.25 s "), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDuration("+.5ms"), absl::Microseconds(500));
}

TEST(ParseDurationTest, RoundsToWholeNanoseconds) {
  EXPECT_EQ(*ParseDuration("1.6ns"), absl::Nanoseconds(2));
  EXPECT_EQ(*ParseDuration("0.1s"), absl::Milliseconds(100));
}

TEST(ParseDurationTest, RejectsMalformedText) {
  for (const char* text : {"", "  ", "s", "5", "12 parsecs", "1e3s", "inf",
                           "nan", "1 s s", "1sec", "--1s", "1.2.3s", "1S"}) {
    absl::StatusOr<absl::Duration> duration = ParseDuration(text);
    EXPECT_EQ(duration.status().code(), absl::StatusCode::kInvalidArgument)
        << text;
  }
  EXPECT_EQ(ParseDuration("12 parsecs").status().message(),
            "invalid duration \"12 parsecs\": expected a number followed by "
            "ns, us, ms, s, m or h");
}

TEST(ParseDurationTest, RejectsValuesBeyondTheRange) {
  EXPECT_THAT(ParseDuration("300000000000h").status().message(),
              HasSubstr("out of range"));
}

TEST(ParseBytesTest, AcceptsDecimalAndBinaryUnits) {
  EXPECT_EQ(*ParseBytes("100B"), 100);
  EXPECT_EQ(*ParseBytes("512KB"), 512000);
  EXPECT_EQ(*ParseBytes("1GB"), 1000000000);
  EXPECT_EQ(*ParseBytes("2TB"), 2000000000000);
  EXPECT_EQ(*ParseBytes("64MiB"), 64 << 20);
  EXPECT_EQ(*ParseBytes("1GiB"), int64_t{1} << 30);
  EXPECT_EQ(*ParseBytes("1TiB"), int64_t{1} << 40);
  EXPECT_EQ(*ParseBytes("1.5MiB"), 3 << 19);
  EXPECT_EQ(*ParseBytes("4EiB"), int64_t{1} << 62);
}

TEST(ParseBytesTest, TreatsABareNumberAsBytes) {
  EXPECT_EQ(*ParseBytes("0"), 0);
  EXPECT_EQ(*ParseBytes("4096"), 4096);
}

TEST(ParseBytesTest, RoundsToWholeBytes) {
  EXPECT_EQ(*ParseBytes("1.0004KiB"), 1024);
  EXPECT_EQ(*ParseBytes("0.5B"), 1);
  EXPECT_EQ(*ParseBytes("0.1KB"), 100);
}

TEST(ParseBytesTest, ReturnsNegativeSizesForTheCallerToReport) {
  EXPECT_EQ(*ParseBytes("-1KB"), -1000);
}

TEST(ParseBytesTest, RejectsMalformedTextAndOverflow) {
  for (const char* text : {"", "MiB", "1 MiBs", "1mib", "1e6", "12 parsecs"}) {
    EXPECT_EQ(ParseBytes(text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << text;
  }
  EXPECT_THAT(ParseBytes("12 parsecs").status().message(),
              AllOf(HasSubstr("invalid size \"12 parsecs\""),
                    HasSubstr("KiB, MiB, GiB")));
  EXPECT_THAT(ParseBytes("8EiB").status().message(), HasSubstr("out of range"));
}

TEST(ParseBandwidthTest, ConvertsBitsPerSecondToBytes) {
  EXPECT_DOUBLE_EQ(*ParseBandwidth("8bps"), 1);
  EXPECT_DOUBLE_EQ(*ParseBandwidth("1Kbps"), 125);
  EXPECT_DOUBLE_EQ(*ParseBandwidth("100Mbps"), 12.5e6);
  EXPECT_DOUBLE_EQ(*ParseBandwidth("10Gbps"), 1.25e9);
}

TEST(ParseBandwidthTest, AcceptsBytesPerSecond) {
  EXPECT_DOUBLE_EQ(*ParseBandwidth("100B/s"), 100);
  EXPECT_DOUBLE_EQ(*ParseBandwidth("1GB/s"), 1e9);
  EXPECT_DOUBLE_EQ(*ParseBandwidth("500MiB/s"), 500.0 * (1 << 20));
}

TEST(ParseBandwidthTest, RejectsMalformedAndNonPositiveValues) {
  for (const char* text : {"", "10", "10Gb", "10GB", "1/s", "fast"}) {
    EXPECT_THAT(ParseBandwidth(text).status().message(),
                HasSubstr("invalid bandwidth"))
        << text;
  }
  for (const char* text : {"0Gbps", "-1MB/s"}) {
    EXPECT_THAT(ParseBandwidth(text).status().message(),
                HasSubstr("must be positive"))
        << text;
  }
}

TEST(FormatBytesTest, UsesTheLargestBinaryUnitReached) {
  EXPECT_EQ(FormatBytes(0), "0B");
  EXPECT_EQ(FormatBytes(512), "512B");
  EXPECT_EQ(FormatBytes(1000), "1000B");
  EXPECT_EQ(FormatBytes(1536), "1.5KiB");
  EXPECT_EQ(FormatBytes(64 << 20), "64MiB");
  EXPECT_EQ(FormatBytes(int64_t{1} << 30), "1GiB");
  EXPECT_EQ(FormatBytes(-2048), "-2KiB");
}

TEST(FormatBytesTest, KeepsAtMostThreeDecimals) {
  EXPECT_EQ(FormatBytes(1025), "1.001KiB");
  EXPECT_EQ(FormatBytes((1 << 20) - 1), "1023.999KiB");
  EXPECT_EQ(FormatBytes((int64_t{1} << 30) - 1), "1GiB");
}

TEST(FormatBytesTest, HandlesTheExtremes) {
  EXPECT_EQ(FormatBytes(std::numeric_limits<int64_t>::max()), "8EiB");
  EXPECT_EQ(FormatBytes(std::numeric_limits<int64_t>::min()), "-8EiB");
}

TEST(FormatBytesTest, RoundTripsThroughParseBytes) {
  for (int64_t bytes : {int64_t{0}, int64_t{7}, int64_t{3} << 10,
                        int64_t{5} << 40, -(int64_t{9} << 20)}) {
    EXPECT_EQ(*ParseBytes(FormatBytes(bytes)), bytes) << bytes;
  }
}

}  // namespace
}  // namespace miniray
