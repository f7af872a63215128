#include "src/runtime/real/grpc_buffers.h"

#include <algorithm>
#include <climits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpc/byte_buffer_reader.h"
#include "src/common/constant_time.h"

namespace miniray {

bool TokensEqual(absl::string_view given, absl::string_view expected) {
  return ConstantTimeEquals(given, expected);
}

int GrpcMessageLimit(int64_t max_payload_bytes) {
  return static_cast<int>(
      std::min<int64_t>(max_payload_bytes + kEnvelopeSlackBytes, INT_MAX));
}

grpc::ByteBuffer ByteBufferOf(const Payload& payload) {
  std::vector<grpc::Slice> slices;
  slices.reserve(payload.pieces().size());
  for (const Bytes& piece : payload.pieces()) {
    auto* held = new Bytes(piece);
    slices.emplace_back(
        const_cast<char*>(held->data()), held->size(),
        [](void* bytes) { delete static_cast<Bytes*>(bytes); }, held);
  }
  return grpc::ByteBuffer(slices.data(), slices.size());
}

std::string StringFromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  bytes.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

absl::string_view View(const grpc_slice& slice) {
  return absl::string_view(
      reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
      GRPC_SLICE_LENGTH(slice));
}

namespace {

// The bytes of a core byte buffer, copied once into one string.
std::string StringFromCoreBuffer(grpc_byte_buffer* buffer) {
  std::string bytes;
  grpc_byte_buffer_reader reader;
  if (!grpc_byte_buffer_reader_init(&reader, buffer)) return bytes;
  bytes.reserve(grpc_byte_buffer_length(buffer));
  grpc_slice slice;
  while (grpc_byte_buffer_reader_next(&reader, &slice)) {
    absl::string_view piece = View(slice);
    bytes.append(piece.data(), piece.size());
    grpc_slice_unref(slice);
  }
  grpc_byte_buffer_reader_destroy(&reader);
  return bytes;
}

}  // namespace

Payload PayloadFromCoreBuffer(grpc_byte_buffer* buffer) {
  if (buffer->type != GRPC_BB_RAW ||
      buffer->data.raw.compression != GRPC_COMPRESS_NONE) {
    Payload flat(StringFromCoreBuffer(buffer));
    grpc_byte_buffer_destroy(buffer);
    return flat;
  }
  std::shared_ptr<grpc_byte_buffer> owner(buffer, grpc_byte_buffer_destroy);
  const grpc_slice_buffer& slices = buffer->data.raw.slice_buffer;
  std::vector<Bytes> pieces;
  pieces.reserve(slices.count);
  for (size_t i = 0; i < slices.count; ++i) {
    pieces.push_back(Bytes::Wrap(owner, View(slices.slices[i])));
  }
  return Payload(std::move(pieces));
}

// A core byte buffer of one slice that owns `bytes` (moved, not copied).
grpc_byte_buffer* CoreBufferOwning(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc_slice slice = grpc_slice_new_with_user_data(
      owned->data(), owned->size(),
      [](void* string) { delete static_cast<std::string*>(string); }, owned);
  grpc_byte_buffer* buffer = grpc_raw_byte_buffer_create(&slice, 1);
  grpc_slice_unref(slice);  // the buffer holds its own reference
  return buffer;
}

}  // namespace miniray
