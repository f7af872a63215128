// Chunk codec: PushChunk requests written and read without copying their
// data through a protobuf message.
//
// A chunk of 5 MiB set into a PushChunkRequest and serialized is copied
// twice on the sender, and parsed out of the request once more on the
// receiver. The codec writes exactly the bytes protobuf would (the wire
// format and its size are unchanged, so the simulator's figures too) with
// the data copied once, and reads a serialized request into its small
// fields plus a view of the data inside the received bytes:
//
//   std::string bytes = EncodeChunk(header, data_view);
//   ...
//   rpc::PushChunkRequest header;
//   absl::string_view data;
//   if (!DecodeChunk(bytes, header, data)) { ...malformed... }
//
// Pure functions; thread-safe.
#ifndef MINIRAY_OBJECT_MANAGER_CHUNK_CODEC_H_
#define MINIRAY_OBJECT_MANAGER_CHUNK_CODEC_H_

#include <string>

#include "absl/strings/string_view.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

// The serialized PushChunkRequest of `header` with its data set to `data`
// (header.data() must be empty): byte for byte what
// SerializeAsString would give.
std::string EncodeChunk(const rpc::PushChunkRequest& header,
                        absl::string_view data);

// Parses a serialized PushChunkRequest into `header` (every field but data)
// and `data`, a view into `bytes`. False if `bytes` is not a valid
// PushChunkRequest; `header` and `data` are then unspecified.
bool DecodeChunk(absl::string_view bytes, rpc::PushChunkRequest& header,
                 absl::string_view& data);

}  // namespace miniray

#endif  // MINIRAY_OBJECT_MANAGER_CHUNK_CODEC_H_
