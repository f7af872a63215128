#include "src/runtime/payload.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace miniray {

Payload::Payload(std::string bytes) {
  if (!bytes.empty()) Add(Bytes(std::move(bytes)));
}

Payload::Payload(const char* bytes) : Payload(std::string(bytes)) {}

Payload::Payload(std::vector<Bytes> pieces) {
  for (Bytes& piece : pieces) Add(std::move(piece));
}

Payload Payload::Borrowed(absl::string_view bytes) {
  // An owner that points at the bytes and owns nothing (shared_ptr's
  // aliasing constructor on an empty one).
  std::shared_ptr<const void> unowned(std::shared_ptr<const void>(),
                                      bytes.data());
  Payload payload;
  payload.Add(Bytes::Wrap(std::move(unowned), bytes));
  return payload;
}

void Payload::Add(Bytes piece) {
  if (!piece.valid() || piece.size() == 0) return;
  size_ += piece.size();
  pieces_.push_back(std::move(piece));
}

Payload Payload::Slice(size_t offset, size_t size) const {
  Payload slice;
  for (const Bytes& piece : pieces_) {
    if (size == 0) break;
    if (offset >= piece.size()) {
      offset -= piece.size();
      continue;
    }
    const size_t take = std::min(size, piece.size() - offset);
    slice.Add(piece.Substr(offset, take));
    size -= take;
    offset = 0;
  }
  return slice;
}

std::string Payload::Flatten() const {
  std::string out;
  AppendTo(out);
  return out;
}

void Payload::AppendTo(std::string& out) const {
  out.reserve(out.size() + size_);
  for (const Bytes& piece : pieces_) out.append(piece.data(), piece.size());
}

}  // namespace miniray
