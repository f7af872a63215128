// ArchiveWriter and ArchiveReader: the two directions of miniray's value
// encoding, handed to a user struct's Serialize member (see serialize.h for the
// format and the public Serialize/Deserialize functions).
//
//   struct Point {
//     double x = 0;
//     std::string label;
//     template <typename Archive>
//     void Serialize(Archive& ar) { ar(x, label); }  // Writes or reads.
//   };
//
// User code only calls operator(); the other methods are for the codecs in
// serialize_codecs.h. Each archive object is used by one thread at a time.
#ifndef MINIRAY_API_SERIALIZE_ARCHIVE_H_
#define MINIRAY_API_SERIALIZE_ARCHIVE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace miniray {

// Deepest nesting of user structs that Deserialize accepts.
inline constexpr int kMaxStructDepth = 256;

// Most zero-byte elements one decoded container may hold. Elements of at least
// one byte are bounded by the input size; these are bounded by nothing else.
inline constexpr uint64_t kMaxEmptyElements = uint64_t{1} << 20;

namespace serialize_internal {
// Codec<T> writes and reads one T and names its type. Its specializations (in
// serialize_codecs.h) are the list of supported types.
template <typename T, typename Enable = void>
struct Codec;
}  // namespace serialize_internal

// Appends encoded values to a string. A struct's Serialize member receives one
// when the struct is being written.
class ArchiveWriter {
 public:
  // Bytes are appended to `*out`, which must outlive the writer.
  explicit ArchiveWriter(std::string* out) : out_(out) {}

  // Appends the encoding of each value, in order.
  template <typename... Ts>
  void operator()(const Ts&... values) {
    (serialize_internal::Codec<Ts>::Write(*this, values), ...);
  }

  // For codecs: appends `size` raw bytes.
  void AppendBytes(const void* data, size_t size) {
    if (size > 0) out_->append(static_cast<const char*>(data), size);
  }

 private:
  std::string* out_;
};

// Decodes values from untrusted bytes. A struct's Serialize member receives
// one when the struct is being read. The first error is sticky: every later
// read does nothing, so a Serialize member needs no error checks of its own.
class ArchiveReader {
 public:
  // `bytes` must outlive the reader.
  explicit ArchiveReader(absl::string_view bytes) : bytes_(bytes) {}

  // Decodes into each value, in order.
  template <typename... Ts>
  void operator()(Ts&... values) {
    static_assert((!std::is_const_v<Ts> && ...),
                  "miniray::ArchiveReader: fields to read must not be const");
    (serialize_internal::Codec<Ts>::Read(*this, values), ...);
  }

  // True until the first failure.
  bool ok() const { return !failed_; }
  // Describes the first failure; empty while ok().
  const std::string& error() const { return error_; }
  size_t position() const { return position_; }
  size_t remaining() const { return bytes_.size() - position_; }

  // For codecs: on success points `*data` at the next `size` bytes, consumes
  // them and returns true. Returns false, consuming nothing, if fewer remain
  // or the reader has failed; the caller then reports the failure.
  bool Take(size_t size, const char** data) {
    if (failed_ || size > remaining()) return false;
    *data = bytes_.data() + position_;
    position_ += size;
    return true;
  }

  // For codecs: records that `what` went wrong at the current position,
  // unless a failure is already recorded.
  void Fail(absl::string_view what) {
    if (failed_) return;
    failed_ = true;
    error_ = absl::StrCat(what, " (at byte ", position_, ")");
  }

  // For codecs: bracket the reading of a user struct. EnterStruct fails the
  // reader and returns false when structs nest deeper than kMaxStructDepth.
  bool EnterStruct() {
    if (struct_depth_ >= kMaxStructDepth) {
      Fail(absl::StrCat("structs nest deeper than ", kMaxStructDepth));
      return false;
    }
    ++struct_depth_;
    return true;
  }
  void LeaveStruct() { --struct_depth_; }

 private:
  absl::string_view bytes_;
  size_t position_ = 0;  // Invariant: position_ <= bytes_.size().
  int struct_depth_ = 0;
  bool failed_ = false;
  std::string error_;
};

}  // namespace miniray

#endif  // MINIRAY_API_SERIALIZE_ARCHIVE_H_
