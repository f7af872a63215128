// PayloadInputStream: protobuf's view of a Payload, read where its pieces
// lie, and ParsePayload, which parses a message from one.
//
//   rpc::HeartbeatRequest request;
//   if (!ParsePayload(payload, request)) { ...malformed... }
//
//   PayloadInputStream stream(payload);    // to walk a message's fields
//   google::protobuf::io::CodedInputStream in(&stream);
//
// A message that arrived in many pieces (as gRPC receives a large one) is
// parsed without first being copied into one string.
#ifndef MINIRAY_RPC_PAYLOAD_STREAM_H_
#define MINIRAY_RPC_PAYLOAD_STREAM_H_

#include <cstdint>

#include "google/protobuf/io/zero_copy_stream.h"
#include "google/protobuf/message_lite.h"
#include "src/runtime/payload.h"

namespace miniray {

class PayloadInputStream : public google::protobuf::io::ZeroCopyInputStream {
 public:
  // Reads `payload`, which must outlive the stream.
  explicit PayloadInputStream(const Payload& payload)
      : pieces_(payload.pieces()) {}
  // Not of a temporary, which would go before the stream.
  explicit PayloadInputStream(Payload&& payload) = delete;

  bool Next(const void** data, int* size) override;
  void BackUp(int count) override;
  bool Skip(int count) override;
  int64_t ByteCount() const override { return position_; }

 private:
  const absl::Span<const Bytes> pieces_;
  size_t piece_ = 0;   // the piece being read
  size_t offset_ = 0;  // bytes of it read
  int64_t position_ = 0;
};

// Parses `payload` into `message`; false if it is not a valid one.
bool ParsePayload(const Payload& payload,
                  google::protobuf::MessageLite& message);

}  // namespace miniray

#endif  // MINIRAY_RPC_PAYLOAD_STREAM_H_
