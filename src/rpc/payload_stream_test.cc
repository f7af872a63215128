// ParsePayload and PayloadInputStream: a message cut into pieces anywhere
// parses as the whole one does, and a cut-short one does not.
#include "src/rpc/payload_stream.h"

#include <string>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "gtest/gtest.h"
#include "src/proto/miniray.pb.h"

namespace miniray {
namespace {

// `bytes` cut at `cuts` (increasing offsets).
Payload Cut(const std::string& bytes, const std::vector<size_t>& cuts) {
  std::vector<Bytes> pieces;
  size_t begin = 0;
  for (size_t cut : cuts) {
    pieces.push_back(Bytes(bytes.substr(begin, cut - begin)));
    begin = cut;
  }
  pieces.push_back(Bytes(bytes.substr(begin)));
  return Payload(std::move(pieces));
}

rpc::PushChunkRequest Chunk() {
  rpc::PushChunkRequest chunk;
  chunk.mutable_id()->mutable_task()->set_worker(0x0102);
  chunk.mutable_id()->set_index(3);
  chunk.set_chunk_index(7);
  chunk.set_num_chunks(9);
  chunk.set_object_size(123456);
  chunk.set_data(std::string(300, 'd'));
  chunk.set_synthetic_bytes(42);
  return chunk;
}

TEST(ParsePayloadTest, AMessageCutAnywhereParsesWhole) {
  const std::string bytes = Chunk().SerializeAsString();
  for (size_t a = 0; a <= bytes.size(); a += 7) {
    for (size_t b = a; b <= bytes.size(); b += 13) {
      rpc::PushChunkRequest parsed;
      ASSERT_TRUE(ParsePayload(Cut(bytes, {a, b}), parsed)) << a << "," << b;
      EXPECT_EQ(parsed.SerializeAsString(), bytes) << a << "," << b;
    }
  }
}

TEST(ParsePayloadTest, ACutShortMessageDoesNotParse) {
  const std::string bytes = Chunk().SerializeAsString();
  rpc::PushChunkRequest parsed;
  EXPECT_FALSE(ParsePayload(Cut(bytes.substr(0, bytes.size() - 40), {10}),
                            parsed));
  EXPECT_TRUE(ParsePayload(Payload(), parsed));  // the empty message
}

TEST(PayloadInputStreamTest, SkipCrossesPiecesAndStopsAtTheEnd) {
  const Payload payload = Cut("abcdefghij", {2, 3, 7});
  PayloadInputStream stream(payload);
  ASSERT_TRUE(stream.Skip(4));
  const void* data = nullptr;
  int size = 0;
  ASSERT_TRUE(stream.Next(&data, &size));
  EXPECT_EQ(std::string(static_cast<const char*>(data), size), "efg");
  stream.BackUp(2);
  EXPECT_EQ(stream.ByteCount(), 5);
  ASSERT_TRUE(stream.Next(&data, &size));
  EXPECT_EQ(std::string(static_cast<const char*>(data), size), "fg");
  EXPECT_FALSE(stream.Skip(4));
  EXPECT_FALSE(stream.Next(&data, &size));
}

}  // namespace
}  // namespace miniray
