#include "src/scenario/loader.h"

#include <cerrno>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "glog/logging.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"
#include "src/common/status_macros.h"
#include "src/scenario/diagnostics.h"
#include "src/scenario/validate.h"

namespace miniray::scenario {
namespace {

using ::google::protobuf::TextFormat;

// Collects the text format parser's errors (syntax errors, unknown fields,
// values of the wrong type) as "file:line:col: message".
class ParserErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit ParserErrorCollector(absl::string_view filename)
      : filename_(filename) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(
        absl::StrCat(FormatPosition(filename_, line, column), ": ", message));
  }

  // Warnings (such as use of a deprecated field) do not stop loading.
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {}

  absl::Status ToStatus() const {
    if (errors_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(filename_, ": not a valid scenario"));
    }
    return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
  }

 private:
  std::string filename_;
  std::vector<std::string> errors_;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("scenario file not found: ", path));
    }
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open ", path));
  }
  std::string contents;
  char buffer[1 << 14];
  size_t read;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    contents.append(buffer, read);
  }
  const int error = std::ferror(file) ? errno : 0;
  std::fclose(file);
  if (error != 0) {
    return absl::ErrnoToStatus(error, absl::StrCat("cannot read ", path));
  }
  return contents;
}

// The program names `program.name` may take. Leaked on purpose, so that it
// outlives every caller, including static destructors.
struct ProgramRegistry {
  absl::Mutex mutex;
  std::set<std::string, std::less<>> names ABSL_GUARDED_BY(mutex) = {
      "monte_carlo_pi", "square_map", "sum_matrix", "wait_loop", "workload"};
};

ProgramRegistry& Programs() {
  static ProgramRegistry* const registry = new ProgramRegistry;
  return *registry;
}

std::map<std::string, double> ResourcesOrDefault(
    const google::protobuf::Map<std::string, double>& resources) {
  if (resources.empty()) return {{"CPU", 1.0}};
  return std::map<std::string, double>(resources.begin(), resources.end());
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(absl::string_view text,
                                       absl::string_view filename) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat(filename, ": too large for a scenario file"));
  }
  Scenario scenario;
  TextFormat::ParseInfoTree tree;
  ParserErrorCollector parser_errors(filename);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&parser_errors);
  parser.WriteLocationsTo(&tree);
  google::protobuf::io::ArrayInputStream input(text.data(),
                                               static_cast<int>(text.size()));
  if (!parser.Parse(&input, &scenario)) return parser_errors.ToStatus();

  // The checks must see `scenario` exactly as parsed; see Diagnostics.
  Diagnostics diagnostics(filename, scenario, tree);
  ValidateScenario(scenario, &diagnostics);
  RETURN_IF_ERROR(diagnostics.ToStatus());
  return scenario;
}

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path) {
  ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ParseScenario(text, path);
}

std::vector<std::string> ExpandNodeNames(const Scenario& scenario) {
  std::vector<std::string> names;
  for (const Node& node : scenario.cluster().node()) {
    const uint32_t count = node.has_count() ? node.count() : 1;
    if (count == 1) {
      names.push_back(node.name());
      continue;
    }
    for (uint32_t i = 0; i < count; ++i) {
      names.push_back(absl::StrCat(node.name(), "-", i));
    }
  }
  return names;
}

std::map<std::string, double> NodeResources(const Node& node) {
  return ResourcesOrDefault(node.resources());
}

std::map<std::string, double> NodeResources(const Scenario& scenario,
                                            int node_index) {
  CHECK_GE(node_index, 0);
  int64_t first = 0;  // The expanded index of the group's first node.
  for (const Node& node : scenario.cluster().node()) {
    const int64_t count = node.has_count() ? node.count() : 1;
    if (node_index < first + count) return NodeResources(node);
    first += count;
  }
  LOG(FATAL) << "node index " << node_index << " out of range: the scenario "
             << "has " << first << " nodes";
  return {};
}

std::map<std::string, double> StageResources(const Stage& stage) {
  return ResourcesOrDefault(stage.resources());
}

void RegisterProgramName(std::string name) {
  ProgramRegistry& registry = Programs();
  absl::MutexLock lock(&registry.mutex);
  registry.names.insert(std::move(name));
}

bool IsKnownProgram(absl::string_view name) {
  ProgramRegistry& registry = Programs();
  absl::MutexLock lock(&registry.mutex);
  return registry.names.find(name) != registry.names.end();
}

std::vector<std::string> KnownProgramNames() {
  ProgramRegistry& registry = Programs();
  absl::MutexLock lock(&registry.mutex);
  return std::vector<std::string>(registry.names.begin(), registry.names.end());
}

}  // namespace miniray::scenario
