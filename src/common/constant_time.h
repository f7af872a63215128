// ConstantTimeEquals: compares a secret (a cluster token) in time that does
// not depend on where the inputs first differ, so that timing does not leak
// how much of a guess was right.
//
//   if (!ConstantTimeEquals(given_token, cluster_token)) return Unauthenticated();
//
// Every byte of `expected` is compared whatever `given` holds. The length is
// not hidden (tokens have a fixed length).
#ifndef MINIRAY_COMMON_CONSTANT_TIME_H_
#define MINIRAY_COMMON_CONSTANT_TIME_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace miniray {

inline bool ConstantTimeEquals(absl::string_view given,
                               absl::string_view expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? given[i] : 0;
    diff |= g ^ static_cast<unsigned char>(expected[i]);
  }
  return diff == 0;
}

}  // namespace miniray

#endif  // MINIRAY_COMMON_CONSTANT_TIME_H_
