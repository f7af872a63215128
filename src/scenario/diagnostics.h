// Error reporting for the scenario loader (internal): names a field of a
// parsed scenario by its path, finds the line and column where the text
// format parser read it, and collects errors as
// "file:line:col: path: message".
//
//   Diagnostics diagnostics("a.textproto", scenario, parse_info_tree);
//   FieldPath stage = FieldPath().Field("program").Field("workload")
//                         .Element("stage", 1);
//   diagnostics.Error(stage.Field("duration"), "must not be negative");
//   return diagnostics.ToStatus();
//   // a.textproto:12:5: program.workload.stage[1].duration: must not be ...
//
// Not thread-safe; meant to live for one call of the loader.
#ifndef MINIRAY_SCENARIO_DIAGNOSTICS_H_
#define MINIRAY_SCENARIO_DIAGNOSTICS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace miniray::scenario {

// Formats a parser position as "file:line:col" with 1-based line and column
// from the parser's 0-based ones. A negative line gives just "file".
std::string FormatPosition(absl::string_view filename, int line, int column);

// A path from the root message to one of its fields, such as
// `program.workload.stage[1].duration` or `cluster.node[0].resources["CPU"]`.
// Field names are those of the .proto file. A value type: extending a path
// returns a new one.
class FieldPath {
 public:
  // The root message itself.
  FieldPath() = default;

  // This path followed by the singular field `name`.
  FieldPath Field(absl::string_view name) const;
  // This path followed by element `index` of the repeated field `name`.
  FieldPath Element(absl::string_view name, int index) const;
  // This path followed by the entry `key` of the string-keyed map `name`.
  FieldPath MapEntry(absl::string_view name, absl::string_view key) const;

  // The path as written above; empty for the root.
  std::string ToString() const;

 private:
  friend class Diagnostics;

  struct Step {
    std::string field;
    int index = -1;                  // -1 for singular fields and maps.
    std::optional<std::string> key;  // Set for map entries.
  };

  std::vector<Step> steps_;
};

// Collects the errors found in one scenario file, in the order reported.
class Diagnostics {
 public:
  // At most this many errors are listed; the rest are counted.
  static constexpr int kMaxListedErrors = 20;

  // `root` must be the message the parser filled in, unmodified since, so
  // that its map fields are still in the order they were read. `root` and
  // `tree` must outlive this object.
  Diagnostics(absl::string_view filename, const google::protobuf::Message& root,
              const google::protobuf::TextFormat::ParseInfoTree& tree);

  // Records an error about the field at `path`. It is placed at the field's
  // position, or at its nearest ancestor's when the field was not written,
  // or at the file alone when no ancestor was written either.
  void Error(const FieldPath& path, absl::string_view message);

  // How many errors were recorded so far.
  int error_count() const { return errors_.size(); }

  // OK if no error was recorded; otherwise InvalidArgument listing the errors
  // one per line.
  absl::Status ToStatus() const;

 private:
  // "file:line:col" of the deepest written field on `path`.
  std::string Locate(const FieldPath& path) const;

  std::string filename_;
  const google::protobuf::Message& root_;
  const google::protobuf::TextFormat::ParseInfoTree& tree_;
  std::vector<std::string> errors_;
};

}  // namespace miniray::scenario

#endif  // MINIRAY_SCENARIO_DIAGNOSTICS_H_
