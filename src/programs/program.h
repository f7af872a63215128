// Built-in programs: driver code a scenario runs by name.
//
// A program is the `main` of a Ray script: it runs on the head node as the
// driver, submits tasks, and returns its result as a string, which the
// scenario's `expect` block checks. Programs register themselves:
//
//   std::string SquareMap(const ProgramContext& context) { ... }
//   MINIRAY_PROGRAM(square_map, SquareMap);
//
// A program reports failure by throwing (a RayError from Get, or any
// std::exception).
#ifndef MINIRAY_PROGRAMS_PROGRAM_H_
#define MINIRAY_PROGRAMS_PROGRAM_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/proto/scenario.pb.h"

namespace miniray {

struct ProgramContext {
  const scenario::Program* program = nullptr;
  uint64_t seed = 0;

  // The program's argument `name` parsed as a number, or `fallback` if it is
  // absent. Throws std::invalid_argument naming the argument if malformed.
  int64_t IntArg(const std::string& name, int64_t fallback) const;
  double DoubleArg(const std::string& name, double fallback) const;
};

using Program = std::function<std::string(const ProgramContext&)>;

class ProgramRegistry {
 public:
  static ProgramRegistry& Global();
  bool Register(const std::string& name, Program program);
  // Null if unknown.
  const Program* Find(absl::string_view name) const;
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, Program, std::less<>> programs_;
};

// Formats values as the results print them: "[0, 1, 4, 9]".
std::string FormatList(const std::vector<int64_t>& values);

}  // namespace miniray

#define MINIRAY_PROGRAM(name, fn)                                   \
  [[maybe_unused]] static const bool miniray_program_##name =       \
      ::miniray::ProgramRegistry::Global().Register(#name, fn)

#endif  // MINIRAY_PROGRAMS_PROGRAM_H_
