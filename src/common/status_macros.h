// Early-return helpers for absl::Status and absl::StatusOr.
//
// Debian's Abseil (20220623) ships no status macros, so miniray keeps these two.
//
//   absl::Status Load(const std::string& path) {
//     RETURN_IF_ERROR(CheckReadable(path));
//     ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//     ...
//   }
#ifndef MINIRAY_COMMON_STATUS_MACROS_H_
#define MINIRAY_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status of `expr` from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                     \
  do {                                            \
    const ::absl::Status _status = (expr);        \
    if (!_status.ok()) return _status;            \
  } while (0)

#define MINIRAY_CONCAT_INNER(a, b) a##b
#define MINIRAY_CONCAT(a, b) MINIRAY_CONCAT_INNER(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status if it is not
// OK, otherwise moves its value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL(MINIRAY_CONCAT(_status_or_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                          \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // MINIRAY_COMMON_STATUS_MACROS_H_
