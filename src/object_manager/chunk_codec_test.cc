// Proves that EncodeChunk writes exactly what protobuf serializes (so chunks
// keep their wire format and size) without copying the data, that
// DecodeChunk reads back the fields and a slice of the data, including
// requests protobuf wrote itself and requests in many pieces, and that
// bytes which are not a PushChunkRequest are refused, not crashed on.
#include "src/object_manager/chunk_codec.h"

#include <string>
#include <vector>

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
      EXPECT_EQ(EncodeChunk(Header(synthetic), Bytes(data)).Flatten(),
                full.SerializeAsString())
          << "synthetic " << synthetic << ", data of " << data.size();
    }
  }
}

TEST(ChunkCodecTest, TheDataIsSentWhereItLies) {
  const Bytes data(std::string(1000, 'd'));
  const Payload encoded = EncodeChunk(Header(0), data);
  int shared = 0;
  for (const Bytes& piece : encoded.pieces()) {
    if (piece.data() == data.data() && piece.size() == data.size()) ++shared;
  }
  EXPECT_EQ(shared, 1) << "the data was copied into the message";
}

// `bytes` in pieces of `piece` bytes, as gRPC may receive a message.
Payload InPieces(const std::string& bytes, size_t piece) {
  std::vector<Bytes> pieces;
  for (size_t i = 0; i < bytes.size(); i += piece) {
    pieces.push_back(Bytes(bytes.substr(i, piece)));
  }
  return Payload(std::move(pieces));
}

TEST(ChunkCodecTest, DecodesFieldsAndASliceOfTheData) {
  const std::string data("chunk\0bytes", 11);
  rpc::PushChunkRequest full = Header(99);
  full.set_data(data);
  const Payload bytes = full.SerializeAsString();

  rpc::PushChunkRequest header;
  Payload view;
  ASSERT_TRUE(DecodeChunk(bytes, header, view));
  EXPECT_EQ(view.Flatten(), data);
  ASSERT_EQ(view.pieces().size(), 1u);
  const absl::string_view all = bytes.pieces()[0].view();
  EXPECT_GE(view.pieces()[0].data(), all.data()) << "the data was copied";
  EXPECT_LT(view.pieces()[0].data(), all.data() + all.size())
      << "the data was copied";
  EXPECT_TRUE(header.data().empty());
  EXPECT_EQ(header.SerializeAsString(), Header(99).SerializeAsString());

  // No data at all, and an empty request, are valid too.
  ASSERT_TRUE(DecodeChunk(Header(5).SerializeAsString(), header, view));
  EXPECT_TRUE(view.empty());
  EXPECT_EQ(header.synthetic_bytes(), 5);
  ASSERT_TRUE(DecodeChunk("", header, view));
}

TEST(ChunkCodecTest, DecodesARequestInAnyPieces) {
  rpc::PushChunkRequest full = Header(7);
  full.set_data(std::string(1000, 'q') + "end");
  const std::string bytes = full.SerializeAsString();
  for (size_t piece : {1, 2, 3, 5, 64, 999, 4096}) {
    rpc::PushChunkRequest header;
    Payload data;
    ASSERT_TRUE(DecodeChunk(InPieces(bytes, piece), header, data)) << piece;
    EXPECT_EQ(data.Flatten(), full.data()) << piece;
    EXPECT_EQ(header.SerializeAsString(), Header(7).SerializeAsString());
  }
}

TEST(ChunkCodecTest, BytesThatAreNotAPushChunkRequestAreRefused) {
  rpc::PushChunkRequest full = Header(0);
  full.set_data(std::string(1000, 'd'));
  const std::string bytes = full.SerializeAsString();
  rpc::PushChunkRequest header;
  Payload view;
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
