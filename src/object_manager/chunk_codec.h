// Chunk codec: PushChunk requests written and read without copying their
// data through a protobuf message.
//
// A chunk of 5 MiB set into a PushChunkRequest and serialized is copied
// twice on the sender, and parsed out of the request once more on the
// receiver. The codec writes exactly the bytes protobuf would (the wire
// format and its size are unchanged, so the simulator's figures too) as
// pieces: the small fields, then the data where it lies (a view of the
// object in the store), then the field after it. It reads a received
// request into its small fields plus the data as a slice of the pieces it
// arrived in:
//
//   Payload bytes = EncodeChunk(header, object_bytes);   // no copy
//   ...
//   rpc::PushChunkRequest header;
//   Payload data;
//   if (!DecodeChunk(bytes, header, data)) { ...malformed... }
//
// Pure functions; thread-safe.
#ifndef MINIRAY_OBJECT_MANAGER_CHUNK_CODEC_H_
#define MINIRAY_OBJECT_MANAGER_CHUNK_CODEC_H_

#include <string>

#include "src/common/bytes.h"
#include "src/proto/miniray.pb.h"
#include "src/runtime/payload.h"

namespace miniray {

// The serialized PushChunkRequest of `header` with its data set to `data`
// (header.data() must be empty): byte for byte what SerializeAsString
// would give, with `data` shared, not copied.
Payload EncodeChunk(const rpc::PushChunkRequest& header, Bytes data);

// Parses a serialized PushChunkRequest into `header` (every field but data)
// and `data`, a slice of `bytes` (not copied). False if `bytes` is not a
// valid PushChunkRequest; `header` and `data` are then unspecified.
bool DecodeChunk(const Payload& bytes, rpc::PushChunkRequest& header,
                 Payload& data);

}  // namespace miniray

#endif  // MINIRAY_OBJECT_MANAGER_CHUNK_CODEC_H_
