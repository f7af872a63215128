#include "src/report/graphviz.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>

#include "absl/strings/str_cat.h"

namespace miniray {
namespace {

// A temporary file that is removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(const char* suffix) {
    const char* dir = std::getenv("TMPDIR");
    path_ =
        absl::StrCat(dir != nullptr ? dir : "/tmp", "/miniray-XXXXXX", suffix);
    const int fd = mkstemps(path_.data(), static_cast<int>(strlen(suffix)));
    if (fd >= 0) {
      close(fd);
    } else {
      path_.clear();
    }
  }
  ~TempFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::string InlineSvg(absl::string_view document) {
  const size_t start = document.find("<svg");
  if (start == absl::string_view::npos) return std::string(document);
  std::string svg(document.substr(start));
  static const std::regex kNamespaces(R"re(\s+xmlns(:\w+)?="[^"]*")re");
  const size_t tag_end = svg.find('>');
  return std::regex_replace(svg.substr(0, tag_end), kNamespaces, "") +
         svg.substr(tag_end);
}

absl::StatusOr<std::string> RenderDotToSvg(const std::string& dot_text) {
  TempFile in(".dot"), out(".svg");
  if (in.path().empty() || out.path().empty()) {
    return absl::UnavailableError("cannot make a temporary file for Graphviz");
  }
  {
    std::ofstream file(in.path(), std::ios::binary);
    file << dot_text;
    if (!file) return absl::UnavailableError("cannot write the DOT file");
  }
  const std::string command = absl::StrCat("dot -Tsvg '", in.path(), "' -o '",
                                           out.path(), "' 2>/dev/null");
  if (std::system(command.c_str()) != 0) {
    return absl::UnavailableError(
        "Graphviz's dot is not installed or failed (./setup.sh installs it)");
  }
  std::ifstream file(out.path(), std::ios::binary);
  const std::string svg((std::istreambuf_iterator<char>(file)),
                        std::istreambuf_iterator<char>());
  if (svg.find("<svg") == std::string::npos) {
    return absl::UnavailableError("Graphviz's dot wrote no SVG");
  }
  return InlineSvg(svg);
}

}  // namespace miniray
