// Bytes: an immutable byte buffer, shared by reference counting.
//
// The bytes live wherever their owner keeps them: a std::string Bytes made
// itself, or memory someone else manages, such as a mapping of a
// shared-memory segment (src/shared_store/). Copies share the buffer; the
// last copy to go releases the owner.
//
//   Bytes hello(std::string("hello"));        // owns a string
//   Bytes copy = hello;                       // same bytes, no copy made
//   absl::string_view view = copy.view();     // valid while a copy lives
//
//   auto segment = ...;                       // keeps a mapping alive
//   Bytes mapped = Bytes::Wrap(segment, segment->view());
//
// A default-constructed Bytes is null (!valid()): it holds no buffer at all,
// not even an empty one.
#ifndef MINIRAY_COMMON_BYTES_H_
#define MINIRAY_COMMON_BYTES_H_

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace miniray {

class Bytes {
 public:
  Bytes() = default;
  explicit Bytes(std::string bytes) {
    auto owned = std::make_shared<const std::string>(std::move(bytes));
    view_ = *owned;
    owner_ = std::move(owned);
  }

  // The bytes `view` points at, kept alive by `owner`.
  static Bytes Wrap(std::shared_ptr<const void> owner, absl::string_view view) {
    Bytes bytes;
    bytes.owner_ = std::move(owner);
    bytes.view_ = view;
    return bytes;
  }

  bool valid() const { return owner_ != nullptr; }
  absl::string_view view() const { return view_; }
  const char* data() const { return view_.data(); }
  size_t size() const { return view_.size(); }
  // Bytes [offset, offset + size) of these, sharing their owner (clamped
  // to the end).
  Bytes Substr(size_t offset, size_t size) const {
    return Wrap(owner_, view_.substr(std::min(offset, view_.size()), size));
  }
  // What keeps the bytes alive (a string or, say, a mapped segment).
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  std::shared_ptr<const void> owner_;
  absl::string_view view_;
};

}  // namespace miniray

#endif  // MINIRAY_COMMON_BYTES_H_
