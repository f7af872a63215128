#include "src/object_manager/chunk_codec.h"

#include "glog/logging.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

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

std::string EncodeChunk(const rpc::PushChunkRequest& header,
                        absl::string_view data) {
  CHECK(header.data().empty()) << "the data goes in `data`";
  // Protobuf writes fields in number order: those before data, data, then
  // those after it.
  rpc::PushChunkRequest before = header;
  rpc::PushChunkRequest after;
  after.set_synthetic_bytes(before.synthetic_bytes());
  before.clear_synthetic_bytes();
  static_assert(rpc::PushChunkRequest::kSyntheticBytesFieldNumber > kDataField,
                "fields after data: synthetic_bytes only");
  std::string bytes;
  const size_t before_size = before.ByteSizeLong();
  bytes.reserve(before_size + data.size() + 32);
  CHECK(before.AppendToString(&bytes));
  if (!data.empty()) {
    AppendVarint(WireFormatLite::MakeTag(
                     kDataField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
                 bytes);
    AppendVarint(data.size(), bytes);
    bytes.append(data.data(), data.size());
  }
  CHECK(after.AppendToString(&bytes));
  return bytes;
}

bool DecodeChunk(absl::string_view bytes, rpc::PushChunkRequest& header,
                 absl::string_view& data) {
  // The fields other than data are copied out (a few bytes) and parsed as
  // a message; data is only located.
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  std::string others;
  data = absl::string_view();
  const int size = static_cast<int>(bytes.size());
  while (in.CurrentPosition() < size) {
    const int start = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return false;  // malformed (0 is no field's tag)
    if (WireFormatLite::GetTagFieldNumber(tag) == kDataField &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      uint32_t size = 0;
      if (!in.ReadVarint32(&size)) return false;
      const int offset = in.CurrentPosition();
      if (!in.Skip(static_cast<int>(size))) return false;
      data = bytes.substr(offset, size);  // the last one counts, as in protobuf
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) return false;
    others.append(bytes.data() + start, in.CurrentPosition() - start);
  }
  return header.ParseFromString(others);
}

}  // namespace miniray
