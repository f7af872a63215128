#include "src/scenario/diagnostics.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"

namespace miniray::scenario {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ParseInfoTree = ::google::protobuf::TextFormat::ParseInfoTree;
using ParseLocation = ::google::protobuf::TextFormat::ParseLocation;

// Returns the index of the last entry of map `field` of `message` whose key
// is `key`, in the order the parser read the entries, or -1.
//
// Reflection sees a map as a repeated field of entries. Right after parsing
// that repeated field is the parser's own list, in text order, and reading
// the map does not rebuild it (only modifying the map does); the entry
// indexes of the ParseInfoTree follow the same order.
int FindMapEntry(const Message& message, const FieldDescriptor* field,
                 const std::string& key) {
  const Reflection* reflection = message.GetReflection();
  const FieldDescriptor* key_field = field->message_type()->map_key();
  CHECK(key_field->type() == FieldDescriptor::TYPE_STRING)
      << field->full_name() << " is not a string-keyed map";
  int found = -1;
  for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
    const Message& entry = reflection->GetRepeatedMessage(message, field, i);
    if (entry.GetReflection()->GetString(entry, key_field) == key) found = i;
  }
  return found;
}

}  // namespace

std::string FormatPosition(absl::string_view filename, int line, int column) {
  if (line < 0) return std::string(filename);
  return absl::StrCat(filename, ":", line + 1, ":", column + 1);
}

FieldPath FieldPath::Field(absl::string_view name) const {
  FieldPath path = *this;
  path.steps_.push_back(Step{std::string(name), -1, std::nullopt});
  return path;
}

FieldPath FieldPath::Element(absl::string_view name, int index) const {
  CHECK_GE(index, 0);
  FieldPath path = *this;
  path.steps_.push_back(Step{std::string(name), index, std::nullopt});
  return path;
}

FieldPath FieldPath::MapEntry(absl::string_view name,
                              absl::string_view key) const {
  FieldPath path = *this;
  path.steps_.push_back(Step{std::string(name), -1, std::string(key)});
  return path;
}

std::string FieldPath::ToString() const {
  return absl::StrJoin(steps_, ".", [](std::string* out, const Step& step) {
    absl::StrAppend(out, step.field);
    if (step.key.has_value()) {
      absl::StrAppend(out, "[\"", absl::CEscape(*step.key), "\"]");
    } else if (step.index >= 0) {
      absl::StrAppend(out, "[", step.index, "]");
    }
  });
}

Diagnostics::Diagnostics(absl::string_view filename, const Message& root,
                         const ParseInfoTree& tree)
    : filename_(filename), root_(root), tree_(tree) {}

void Diagnostics::Error(const FieldPath& path, absl::string_view message) {
  std::string where = Locate(path);
  const std::string field = path.ToString();
  if (!field.empty()) absl::StrAppend(&where, ": ", field);
  errors_.push_back(absl::StrCat(where, ": ", message));
}

absl::Status Diagnostics::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  const int listed = std::min<int>(errors_.size(), kMaxListedErrors);
  std::string text =
      absl::StrJoin(errors_.begin(), errors_.begin() + listed, "\n");
  if (listed < errors_.size()) {
    absl::StrAppend(&text, "\n", filename_, ": ", errors_.size() - listed,
                    " more errors not shown");
  }
  return absl::InvalidArgumentError(text);
}

// Walks `path` down the message and the parse tree together, remembering the
// position of the deepest field that was written. A step on a repeated field
// without an index stands for the field as a whole, placed at its first
// element, and ends the walk.
std::string Diagnostics::Locate(const FieldPath& path) const {
  const Message* message = &root_;
  const ParseInfoTree* tree = &tree_;
  ParseLocation best;
  for (const FieldPath::Step& step : path.steps_) {
    const Descriptor* type = message->GetDescriptor();
    const FieldDescriptor* field = type->FindFieldByName(step.field);
    CHECK(field != nullptr)
        << type->full_name() << " has no field " << step.field;
    const Reflection* reflection = message->GetReflection();
    int index = step.index;
    if (step.key.has_value()) index = FindMapEntry(*message, field, *step.key);
    const bool whole_repeated =
        field->is_repeated() && step.index < 0 && !step.key.has_value();
    if (whole_repeated) index = 0;
    if (field->is_repeated() &&
        (index < 0 || index >= reflection->FieldSize(*message, field))) {
      break;
    }
    const ParseLocation location = tree->GetLocation(field, index);
    if (location.line >= 0) best = location;
    if (whole_repeated || step.key.has_value() ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      break;
    }
    tree = tree->GetTreeForNested(field, index);
    if (tree == nullptr) break;
    message = field->is_repeated()
                  ? &reflection->GetRepeatedMessage(*message, field, index)
                  : &reflection->GetMessage(*message, field);
  }
  return FormatPosition(filename_, best.line, best.column);
}

}  // namespace miniray::scenario
