// Rng: the seeded random source, the only randomness a component may use.
//
// Each component gets its own stream, derived from the run's seed and a
// stream name, so that adding randomness to one component does not change
// the draws of another:
//
//   Rng rng(seed, "raylet/worker-3");
//   uint64_t pick = rng.Uniform(10);    // 0..9
//   double x = rng.UniformDouble();     // [0, 1)
//
// The generator is xoshiro256** seeded through splitmix64; the draws are the
// same on every machine and compiler (std's distributions are not).
// Not thread-safe.
#ifndef MINIRAY_RUNTIME_RNG_H_
#define MINIRAY_RUNTIME_RNG_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace miniray {

class Rng {
 public:
  Rng(uint64_t seed, absl::string_view stream);

  uint64_t Next();
  // Uniform in [0, n); n > 0.
  uint64_t Uniform(uint64_t n);
  // Uniform in [0, 1).
  double UniformDouble();

 private:
  uint64_t s_[4];
};

// A stable 64-bit hash of bytes (FNV-1a folded through a mixer): the same on
// every machine and every run, unlike absl::Hash, which is seeded per process.
uint64_t StableHash(absl::string_view bytes, uint64_t seed = 0);

// Mixes `value` into `state`; order matters. Used for fingerprints.
uint64_t MixHash(uint64_t state, uint64_t value);

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_RNG_H_
