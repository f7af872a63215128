#include "src/object_manager/chunk_codec.h"

#include <utility>

#include "glog/logging.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "src/rpc/payload_stream.h"

namespace miniray {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr int kDataField = rpc::PushChunkRequest::kDataFieldNumber;

void AppendVarint(uint64_t value, std::string& out) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

}  // namespace

Payload EncodeChunk(const rpc::PushChunkRequest& header, Bytes data) {
  CHECK(header.data().empty()) << "the data goes in `data`";
  // Protobuf writes fields in number order: those before data, data, then
  // those after it.
  rpc::PushChunkRequest before = header;
  rpc::PushChunkRequest after;
  after.set_synthetic_bytes(before.synthetic_bytes());
  before.clear_synthetic_bytes();
  static_assert(rpc::PushChunkRequest::kSyntheticBytesFieldNumber > kDataField,
                "fields after data: synthetic_bytes only");
  std::string head;
  CHECK(before.AppendToString(&head));
  const bool has_data = data.valid() && data.size() > 0;
  if (has_data) {
    AppendVarint(WireFormatLite::MakeTag(
                     kDataField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
                 head);
    AppendVarint(data.size(), head);
  }
  std::vector<Bytes> pieces;
  pieces.push_back(Bytes(std::move(head)));
  if (has_data) pieces.push_back(std::move(data));
  pieces.push_back(Bytes(after.SerializeAsString()));
  return Payload(std::move(pieces));
}

bool DecodeChunk(const Payload& bytes, rpc::PushChunkRequest& header,
                 Payload& data) {
  // The fields other than data are copied out (a few bytes) and parsed as
  // a message; data is only located.
  PayloadInputStream stream(bytes);
  google::protobuf::io::CodedInputStream in(&stream);
  std::string others;
  data = Payload();
  const int64_t size = static_cast<int64_t>(bytes.size());
  while (in.CurrentPosition() < size) {
    const int start = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return false;  // malformed (0 is no field's tag)
    if (WireFormatLite::GetTagFieldNumber(tag) == kDataField &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t length = 0;
      if (!in.ReadVarint32(&length)) return false;
      const int offset = in.CurrentPosition();
      if (!in.Skip(static_cast<int>(length))) return false;
      data = bytes.Slice(offset, length);  // the last one counts, as in protobuf
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return false;
    bytes.Slice(start, in.CurrentPosition() - start).AppendTo(others);
  }
  return header.ParseFromString(others);
}

}  // namespace miniray
