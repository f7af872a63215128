// Proves that the progress line prints nothing when disabled or before its
// first interval, at most once per interval after that (without even asking
// for the text in between), rewrites itself in place, and erases itself.
#include "src/report/progress.h"

#include <sstream>

#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(ProgressLineTest, DisabledPrintsNothing) {
  std::ostringstream out;
  absl::Time now = absl::UnixEpoch();
  {
    ProgressLine line(out, /*enabled=*/false, [&] { return now; });
    now += absl::Seconds(10);
    line.Update([] { return std::string("x"); });
  }
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressLineTest, UpdatesAtMostOncePerIntervalAndClears) {
  std::ostringstream out;
  absl::Time now = absl::UnixEpoch();
  int asked = 0;
  auto text = [&] { return std::string(1, static_cast<char>('a' + asked++)); };
  ProgressLine line(
      out, /*enabled=*/true, [&] { return now; }, absl::Milliseconds(250));
  line.Update(text);  // too early: a short run shows nothing
  now += absl::Milliseconds(100);
  line.Update(text);
  EXPECT_EQ(out.str(), "");
  now += absl::Milliseconds(150);
  line.Update(text);  // shows "a"
  now += absl::Milliseconds(100);
  line.Update(text);  // too soon after
  now += absl::Milliseconds(200);
  line.Update(text);  // shows "b"
  EXPECT_EQ(asked, 2);
  line.Clear();
  line.Clear();  // once only
  EXPECT_EQ(out.str(), "\ra\033[K\rb\033[K\r\033[K");
}

}  // namespace
}  // namespace miniray
