#include "src/report/progress.h"

#include <unistd.h>

#include <utility>

namespace miniray {

ProgressLine::ProgressLine(std::ostream& out, bool enabled,
                           std::function<absl::Time()> now,
                           absl::Duration interval)
    : out_(out),
      enabled_(enabled),
      now_(std::move(now)),
      interval_(interval),
      last_(enabled_ ? now_() : absl::InfinitePast()) {}

void ProgressLine::Update(const std::function<std::string()>& text) {
  if (!enabled_) return;
  const absl::Time now = now_();
  if (now - last_ < interval_) return;
  last_ = now;
  // \r goes back to the start of the line, \033[K erases to its end.
  out_ << "\r" << text() << "\033[K" << std::flush;
  shown_ = true;
}

void ProgressLine::Clear() {
  if (!shown_) return;
  out_ << "\r\033[K" << std::flush;
  shown_ = false;
}

bool ProgressLine::StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

}  // namespace miniray
