#include "src/rpc/payload_stream.h"

#include <algorithm>
#include <climits>

namespace miniray {

bool PayloadInputStream::Next(const void** data, int* size) {
  while (piece_ < pieces_.size() && offset_ == pieces_[piece_].size()) {
    ++piece_;
    offset_ = 0;
  }
  if (piece_ == pieces_.size()) return false;
  const Bytes& piece = pieces_[piece_];
  const size_t take = std::min<size_t>(piece.size() - offset_, INT_MAX);
  *data = piece.data() + offset_;
  *size = static_cast<int>(take);
  offset_ += take;
  position_ += static_cast<int64_t>(take);
  return true;
}

void PayloadInputStream::BackUp(int count) {
  // Only after Next, within what it gave: the same piece.
  offset_ -= static_cast<size_t>(count);
  position_ -= count;
}

bool PayloadInputStream::Skip(int count) {
  size_t left = static_cast<size_t>(std::max(count, 0));
  while (left > 0) {
    if (piece_ == pieces_.size()) return false;
    const size_t take = std::min(left, pieces_[piece_].size() - offset_);
    offset_ += take;
    position_ += static_cast<int64_t>(take);
    left -= take;
    if (offset_ == pieces_[piece_].size()) {
      ++piece_;
      offset_ = 0;
    }
  }
  return true;
}

bool ParsePayload(const Payload& payload,
                  google::protobuf::MessageLite& message) {
  const absl::Span<const Bytes> pieces = payload.pieces();
  if (pieces.empty()) return message.ParseFromArray("", 0);
  if (pieces.size() == 1 && pieces[0].size() <= INT_MAX) {
    return message.ParseFromArray(pieces[0].data(),
                                  static_cast<int>(pieces[0].size()));
  }
  PayloadInputStream stream(payload);
  return message.ParseFromZeroCopyStream(&stream);
}

}  // namespace miniray
