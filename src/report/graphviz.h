// RenderDotToSvg: Graphviz's `dot -Tsvg`, as a function, giving an <svg>
// element ready to inline in an HTML page (no XML prolog, no DOCTYPE, no
// namespace URLs).
//
//   absl::StatusOr<std::string> svg = RenderDotToSvg(ExportDot(trace));
//   if (!svg.ok()) ... svg.status().message() says dot is missing or failed
//
// Runs the `dot` program found on PATH, through temporary files. Thread-safe
// (each call has its own files).
#ifndef MINIRAY_REPORT_GRAPHVIZ_H_
#define MINIRAY_REPORT_GRAPHVIZ_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace miniray {

// Unavailable when `dot` is not installed or fails.
absl::StatusOr<std::string> RenderDotToSvg(const std::string& dot_text);

// The <svg>...</svg> element of an SVG document, without the attributes
// that name URLs (xmlns, xmlns:xlink); unchanged if there is no <svg.
std::string InlineSvg(absl::string_view document);

}  // namespace miniray

#endif  // MINIRAY_REPORT_GRAPHVIZ_H_
