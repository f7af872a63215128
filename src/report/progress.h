// ProgressLine: one status line on a terminal, rewritten in place, for long
// runs ("sim: 1.2s simulated, 3400 tasks finished"). It shows nothing until
// `interval` of wall time has passed, then at most once per interval, and
// erases itself when done; disabled (stderr is not a terminal), it prints
// nothing at all. Its caller gives it the wall clock: only front ends (the
// CLI) use it, never simulated components.
//
//   ProgressLine progress(std::cerr, ProgressLine::StderrIsTerminal(),
//                         [] { return absl::Now(); });
//   while (...) progress.Update([&] { return absl::StrCat(done, " done"); });
//   progress.Clear();
//
// Not thread-safe.
#ifndef MINIRAY_REPORT_PROGRESS_H_
#define MINIRAY_REPORT_PROGRESS_H_

#include <functional>
#include <ostream>
#include <string>

#include "absl/time/time.h"

namespace miniray {

class ProgressLine {
 public:
  ProgressLine(std::ostream& out, bool enabled,
               std::function<absl::Time()> now,
               absl::Duration interval = absl::Milliseconds(250));
  ~ProgressLine() { Clear(); }

  // Shows the text `text()` returns if an interval has passed since the
  // last update (or since construction); `text` is not called otherwise.
  void Update(const std::function<std::string()>& text);
  // Erases the line, if one is shown.
  void Clear();

  bool enabled() const { return enabled_; }
  static bool StderrIsTerminal();

 private:
  std::ostream& out_;
  const bool enabled_;
  const std::function<absl::Time()> now_;
  const absl::Duration interval_;
  absl::Time last_;
  bool shown_ = false;
};

}  // namespace miniray

#endif  // MINIRAY_REPORT_PROGRESS_H_
