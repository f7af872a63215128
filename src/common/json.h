// JsonString: `text` as a JSON string literal, quotes included.
//
//   out += absl::StrCat("\"error\": ", JsonString(summary.error));
//
// Escapes quotes, backslashes and control characters; other bytes pass as
// they are (UTF-8 stays UTF-8).
#ifndef MINIRAY_COMMON_JSON_H_
#define MINIRAY_COMMON_JSON_H_

#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace miniray {

inline std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace miniray

#endif  // MINIRAY_COMMON_JSON_H_
