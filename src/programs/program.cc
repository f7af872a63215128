#include "src/programs/program.h"

#include <stdexcept>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "glog/logging.h"
#include "src/scenario/loader.h"

namespace miniray {

int64_t ProgramContext::IntArg(const std::string& name, int64_t fallback) const {
  auto it = program->arg().find(name);
  if (it == program->arg().end()) return fallback;
  int64_t value;
  double as_double;
  if (absl::SimpleAtoi(it->second, &value)) return value;
  // Accept "1e9" and "1000000000.0" for counts too.
  if (absl::SimpleAtod(it->second, &as_double) &&
      as_double == static_cast<double>(static_cast<int64_t>(as_double))) {
    return static_cast<int64_t>(as_double);
  }
  throw std::invalid_argument(absl::StrCat("program ", program->name(),
                                           ": arg \"", name,
                                           "\" must be an integer, got \"",
                                           it->second, "\""));
}

double ProgramContext::DoubleArg(const std::string& name,
                                 double fallback) const {
  auto it = program->arg().find(name);
  if (it == program->arg().end()) return fallback;
  double value;
  if (absl::SimpleAtod(it->second, &value)) return value;
  throw std::invalid_argument(absl::StrCat("program ", program->name(),
                                           ": arg \"", name,
                                           "\" must be a number, got \"",
                                           it->second, "\""));
}

ProgramRegistry& ProgramRegistry::Global() {
  static auto* registry = new ProgramRegistry();
  return *registry;
}

bool ProgramRegistry::Register(const std::string& name, Program program) {
  CHECK(programs_.emplace(name, std::move(program)).second)
      << "program registered twice: " << name;
  scenario::RegisterProgramName(name);
  return true;
}

const Program* ProgramRegistry::Find(absl::string_view name) const {
  auto it = programs_.find(name);
  return it == programs_.end() ? nullptr : &it->second;
}

std::vector<std::string> ProgramRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, program] : programs_) names.push_back(name);
  return names;
}

std::string FormatList(const std::vector<int64_t>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}

}  // namespace miniray
