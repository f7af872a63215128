// Proves the in-process store wakes waiters once, in order, and keeps the
// in-object-store marker apart from values.
#include "src/core_worker/memory_store.h"

#include <vector>

#include "gtest/gtest.h"

namespace miniray {
namespace {

TEST(MemoryStoreTest, WaitersRunWhenTheValueArrives) {
  MemoryStore store;
  const ObjectId id = ObjectId::ForPut(1, 1);
  std::vector<std::string> seen;
  store.GetAsync(id, [&](const MemoryStore::Entry& e) {
    seen.push_back("first:" + e.value->data());
  });
  store.GetAsync(id, [&](const MemoryStore::Entry& e) {
    seen.push_back("second:" + e.value->data());
  });
  EXPECT_TRUE(seen.empty());
  rpc::ObjectValue value;
  value.set_data("v");
  store.Put(id, MemoryStore::Entry::Value(value));
  EXPECT_EQ(seen, (std::vector<std::string>{"first:v", "second:v"}));
  store.GetAsync(id, [&](const MemoryStore::Entry&) { seen.push_back("now"); });
  EXPECT_EQ(seen.back(), "now");
}

TEST(MemoryStoreTest, InPlasmaMarker) {
  MemoryStore store;
  const ObjectId id = ObjectId::ForPut(1, 2);
  store.Put(id, MemoryStore::Entry::InPlasma());
  ASSERT_NE(store.Get(id), nullptr);
  EXPECT_TRUE(store.Get(id)->in_plasma());
  store.Delete(id);
  EXPECT_EQ(store.Get(id), nullptr);
}

}  // namespace
}  // namespace miniray
