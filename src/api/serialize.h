// Serialize and Deserialize: the byte encoding of remote function arguments
// and return values.
//
// The task submitter turns each C++ argument into bytes with Serialize; the
// worker turns them back with Deserialize, which treats the bytes as untrusted:
// malformed, truncated or overlong input yields InvalidArgument, never a crash
// or an allocation out of proportion to the input.
//
//   std::string bytes = miniray::Serialize(std::vector<double>{1.5, 2.5});
//   absl::StatusOr<std::vector<double>> v =
//       miniray::Deserialize<std::vector<double>>(bytes);
//
// A user struct opts in with one member template that lists its fields; the
// same function writes (with an ArchiveWriter) and reads (with an
// ArchiveReader), as in cereal. It must not modify fields when writing.
//
//   struct Point {
//     double x = 0;
//     std::vector<std::string> labels;
//     template <typename Archive>
//     void Serialize(Archive& ar) { ar(x, labels); }
//   };
//
// Supported types: bool, integer types, float, double, std::string,
// std::vector, std::pair, std::tuple, std::map, std::optional, and such
// structs, nested freely. Anything else fails to compile with a static_assert.
// Deserialize also needs every type to be default-constructible.
//
// Wire format. Private to miniray and not self-describing (the reader must know
// the type), but deterministic: equal values give equal bytes on every machine.
//   bool             1 byte, 0 or 1; other values are rejected.
//   integers         sizeof(T) bytes, two's complement, little-endian. The
//                    width is the C++ type's, so `long` is 8 bytes on the LP64
//                    Linux hosts miniray runs on.
//   float, double    IEEE-754 bits, little-endian; bit-exact (NaN payloads,
//   -0). std::string      element count as a uint64 (8 bytes), then the bytes.
//   std::vector<T>   count, then each element. Vectors of numbers are a single
//                    memcpy on little-endian hosts: 8 MB for 1M doubles.
//   pair, tuple      the members in order, no header.
//   std::map<K, V>   count, then key, value, ... in strictly increasing key
//                    order; any other order is rejected, so a map has exactly
//                    one encoding.
//   std::optional    1 byte, 0 (empty) or 1 followed by the value.
//   user struct      the fields its Serialize member lists, no header.
//
// Limits on input (Deserialize rejects more; Serialize does not check):
// structs nest at most kMaxStructDepth deep, which bounds recursion for
// self-referential types such as trees, and a container holds at most
// kMaxEmptyElements elements that encode to zero bytes (e.g. std::tuple<>).
//
// Thread-safety: the free functions are pure and thread-safe; an ArchiveWriter
// or ArchiveReader object is used by one thread at a time.
#ifndef MINIRAY_API_SERIALIZE_H_
#define MINIRAY_API_SERIALIZE_H_

#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/api/serialize_archive.h"
#include "src/api/serialize_codecs.h"

namespace miniray {

// Returns a short name for T used in error messages: "int64", "string",
// "vector<double>", "map<string, optional<int32>>"; user structs are "struct".
template <typename T>
std::string TypeName() {
  return serialize_internal::Codec<T>::Name();
}

// Returns the encoding of `value` described at the top of this file.
template <typename T>
std::string Serialize(const T& value) {
  std::string bytes;
  ArchiveWriter writer(&bytes);
  writer(value);
  return bytes;
}

// Decodes the whole of `bytes` as a T. Returns InvalidArgument, naming T and
// what went wrong (e.g. "expected vector<int64>, bytes end early reading
// int64 (at byte 12)"), if the bytes are malformed, truncated or followed by
// trailing bytes. Every declared length is checked against the bytes that
// remain before anything is reserved, so memory use stays proportional to
// the input size.
template <typename T>
absl::StatusOr<T> Deserialize(absl::string_view bytes) {
  static_assert(std::is_default_constructible_v<T>,
                "miniray::Deserialize: T must be default-constructible");
  ArchiveReader reader(bytes);
  T value{};
  reader(value);
  if (reader.ok() && reader.remaining() > 0) {
    reader.Fail(absl::StrCat(reader.remaining(), " trailing bytes"));
  }
  if (!reader.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", TypeName<T>(), ", ", reader.error()));
  }
  return value;
}

}  // namespace miniray

#endif  // MINIRAY_API_SERIALIZE_H_
