// Proves that EncodeChunk writes exactly what protobuf serializes (so chunks
// keep their wire format and size), that DecodeChunk reads back the fields
// and a view of the data, including requests protobuf wrote itself, and
// that bytes which are not a PushChunkRequest are refused, not crashed on.
#include "src/object_manager/chunk_codec.h"

#include <string>

#include "gtest/gtest.h"

namespace miniray {
namespace {

rpc::PushChunkRequest Header(int64_t synthetic_bytes) {
  rpc::PushChunkRequest header;
  header.mutable_id()->mutable_task()->set_worker(0x0102);
  header.mutable_id()->mutable_task()->set_seq(300);
  header.mutable_id()->set_index(7);
  header.set_chunk_index(3);
  header.set_num_chunks(205);
  header.set_object_size(int64_t{1} << 30);
  header.set_synthetic_bytes(synthetic_bytes);
  return header;
}

TEST(ChunkCodecTest, EncodesWhatProtobufSerializes) {
  const std::string big(300000, 'z');  // a length of three varint bytes
  for (int64_t synthetic : {int64_t{0}, int64_t{12345}}) {
    for (const std::string& data : {std::string(), std::string("ab\0c", 4), big}) {
      rpc::PushChunkRequest full = Header(synthetic);
      full.set_data(data);
      EXPECT_EQ(EncodeChunk(Header(synthetic), data), full.SerializeAsString())
          << "synthetic " << synthetic << ", data of " << data.size();
    }
  }
}

TEST(ChunkCodecTest, DecodesFieldsAndAViewOfTheData) {
  const std::string data("chunk\0bytes", 11);
  rpc::PushChunkRequest full = Header(99);
  full.set_data(data);
  const std::string bytes = full.SerializeAsString();

  rpc::PushChunkRequest header;
  absl::string_view view;
  ASSERT_TRUE(DecodeChunk(bytes, header, view));
  EXPECT_EQ(view, data);
  EXPECT_GE(view.data(), bytes.data()) << "the data was copied";
  EXPECT_LT(view.data(), bytes.data() + bytes.size()) << "the data was copied";
  EXPECT_TRUE(header.data().empty());
  EXPECT_EQ(header.SerializeAsString(), Header(99).SerializeAsString());

  // No data at all, and an empty request, are valid too.
  ASSERT_TRUE(DecodeChunk(Header(5).SerializeAsString(), header, view));
  EXPECT_TRUE(view.empty());
  EXPECT_EQ(header.synthetic_bytes(), 5);
  ASSERT_TRUE(DecodeChunk("", header, view));
}

TEST(ChunkCodecTest, BytesThatAreNotAPushChunkRequestAreRefused) {
  rpc::PushChunkRequest full = Header(0);
  full.set_data(std::string(1000, 'd'));
  const std::string bytes = full.SerializeAsString();
  rpc::PushChunkRequest header;
  absl::string_view view;
  // Cut short in the data, in the header, and in a tag.
  EXPECT_FALSE(DecodeChunk(bytes.substr(0, bytes.size() - 1), header, view));
  EXPECT_FALSE(DecodeChunk(bytes.substr(0, 3), header, view));
  EXPECT_FALSE(DecodeChunk(std::string("\x80", 1), header, view));
  // Data declared 100 bytes long with 3 present; a zero tag; a wire type
  // that does not exist; the id declared 5 bytes long with 2 present.
  EXPECT_FALSE(DecodeChunk(std::string("\x2a\x64" "abc", 5), header, view));
  EXPECT_FALSE(DecodeChunk(std::string("\x00\x01", 2), header, view));
  EXPECT_FALSE(DecodeChunk(std::string("\x0f\xff\xff", 3), header, view));
  EXPECT_FALSE(DecodeChunk(std::string("\x0a\x05" "ab", 4), header, view));
}

}  // namespace
}  // namespace miniray
