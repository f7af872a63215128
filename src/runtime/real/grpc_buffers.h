// Conversions between payload bytes and gRPC's buffers, for the real
// transport (GrpcTransport, GrpcListener); and the tag that puts a core API
// operation on an EventLoop's completion queue.
//
//   grpc::ByteBuffer out = ByteBufferOf(request);        // no copy
//   Payload in = PayloadFromCoreBuffer(received);        // no copy
//   std::string reply = StringFromByteBuffer(buffer);    // one copy
//   CoreTag tag(&completion);  // grpc_call_start_batch(call, ops, n, &tag, 0)
#ifndef MINIRAY_RUNTIME_REAL_GRPC_BUFFERS_H_
#define MINIRAY_RUNTIME_REAL_GRPC_BUFFERS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "grpc/byte_buffer.h"
#include "grpc/slice.h"
#include "grpcpp/impl/codegen/completion_queue_tag.h"
#include "grpcpp/support/byte_buffer.h"
#include "src/runtime/payload.h"
#include "src/runtime/real/event_loop.h"

namespace miniray {

// A ByteBuffer of `payload`'s pieces, each kept alive (not copied) until
// gRPC has sent it.
grpc::ByteBuffer ByteBufferOf(const Payload& payload);
// The bytes of `buffer`, copied once into one string.
std::string StringFromByteBuffer(const grpc::ByteBuffer& buffer);

// Whether `given` equals `expected`, in time that depends only on their
// lengths, so that timing a guess reveals nothing about the token.
bool TokensEqual(absl::string_view given, absl::string_view expected);

// Room above the payload limit in gRPC's own limit (which counts the
// message only, but keep a margin), so that gRPC's limit never cuts a
// payload our own checks let pass.
inline constexpr int64_t kEnvelopeSlackBytes = 64 * 1024;
// The gRPC message size limit for a payload limit (gRPC takes an int).
int GrpcMessageLimit(int64_t max_payload_bytes);

// A core operation's tag on the loop's queue: the C++ queue hands the loop
// `owner`, the Completion to run.
class CoreTag : public grpc::internal::CompletionQueueTag {
 public:
  explicit CoreTag(EventLoop::Completion* owner) : owner_(owner) {}
  bool FinalizeResult(void** tag, bool* /*status*/) override {
    *tag = owner_;
    return true;
  }

 private:
  EventLoop::Completion* const owner_;
};

// The bytes of a core slice, as a view.
absl::string_view View(const grpc_slice& slice);
// A core byte buffer of one slice that owns `bytes` (moved, not copied).
grpc_byte_buffer* CoreBufferOwning(std::string bytes);
// The bytes of a received core byte buffer, which it takes over: its
// slices as the Payload's pieces, not copied (a compressed buffer is
// decompressed into one string).
Payload PayloadFromCoreBuffer(grpc_byte_buffer* buffer);

}  // namespace miniray

#endif  // MINIRAY_RUNTIME_REAL_GRPC_BUFFERS_H_
