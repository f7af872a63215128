// Proves that ObjectStore keeps its byte accounting exact, evicts only
// unpinned sealed secondary copies in least-recently-used order (reporting
// each to the listener), and honours pins, deferred frees and reservations;
// a randomized run checks it against a naive reference model.
#include "src/object_store/object_store.h"

#include <map>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/common/ids.h"

namespace miniray {

// Lets gtest print ids in failure messages (found by argument-dependent lookup,
// so it lives outside the anonymous namespace).
static void PrintTo(const ObjectId& id, std::ostream* os) {
  *os << id.ToString();
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

ObjectId Id(uint64_t n) { return ObjectId::ForPut(MakeWorkerId(0, 1), n); }

StoredObject Filled(int64_t n) {
  return StoredObject{miniray::Bytes(std::string(n, 'x'))};
}

StoredObject Synthetic(int64_t n) {
  return StoredObject{miniray::Bytes(std::string()), n};
}

ObjectStore::Options Capacity(int64_t bytes) {
  ObjectStore::Options options;
  options.capacity_bytes = bytes;
  return options;
}

// A store of `capacity` bytes that records evictions in `evicted`.
class ObjectStoreTest : public ::testing::Test {
 protected:
  void MakeStore(int64_t capacity) {
    store_ = std::make_unique<ObjectStore>(Capacity(capacity));
    store_->SetEvictionListener(
        [this](ObjectId id) { evicted_.push_back(id); });
  }
  // Creates and seals a secondary copy of `size` synthetic bytes.
  absl::Status PutSecondary(ObjectId id, int64_t size) {
    absl::Status status = store_->Create(id, size);
    if (status.ok()) store_->Seal(id, Synthetic(size));
    return status;
  }

  std::unique_ptr<ObjectStore> store_;
  std::vector<ObjectId> evicted_;
};

TEST(StoredObjectTest, SizeCountsRealAndSyntheticBytes) {
  StoredObject object{miniray::Bytes(std::string("abc")), 100};
  EXPECT_EQ(object.size(), 103);
}

TEST_F(ObjectStoreTest, PutPrimaryAndFreeAccountForBytes) {
  MakeStore(100);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Filled(10)).ok());
  ASSERT_TRUE(store_->PutPrimary(Id(2), Synthetic(30)).ok());
  EXPECT_EQ(store_->stats().used_bytes, 40);
  EXPECT_TRUE(store_->Contains(Id(1)));
  EXPECT_TRUE(store_->IsPrimary(Id(1)));
  ASSERT_NE(store_->Get(Id(1)), nullptr);
  EXPECT_EQ(store_->Get(Id(1))->data.view(), std::string(10, 'x'));

  store_->Free(Id(1));
  EXPECT_FALSE(store_->Contains(Id(1)));
  EXPECT_EQ(store_->Get(Id(1)), nullptr);
  EXPECT_EQ(store_->stats().used_bytes, 30);
  store_->Free(Id(1));  // Unknown id: no-op.
  store_->Free(Id(2));
  EXPECT_EQ(store_->stats().used_bytes, 0);
  EXPECT_THAT(evicted_, IsEmpty());
}

TEST_F(ObjectStoreTest, AddingAPresentIdIsAlreadyExistsInEveryState) {
  MakeStore(100);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Filled(10)).ok());
  ASSERT_TRUE(store_->Create(Id(2), 10).ok());
  ASSERT_TRUE(PutSecondary(Id(3), 10).ok());
  store_->Pin(Id(3));
  store_->Free(Id(3));  // Deferred: still present.
  for (uint64_t n : {1, 2, 3}) {
    EXPECT_EQ(store_->PutPrimary(Id(n), Filled(5)).code(),
              absl::StatusCode::kAlreadyExists);
    EXPECT_EQ(store_->Create(Id(n), 5).code(),
              absl::StatusCode::kAlreadyExists);
  }
  EXPECT_EQ(store_->Get(Id(1))->size(), 10);
  EXPECT_EQ(store_->stats().used_bytes, 30);
}

TEST_F(ObjectStoreTest, EvictsLeastRecentlyUsedFirstAndGetTouches) {
  MakeStore(30);
  ASSERT_TRUE(PutSecondary(Id(1), 10).ok());
  ASSERT_TRUE(PutSecondary(Id(2), 10).ok());
  ASSERT_TRUE(PutSecondary(Id(3), 10).ok());
  ASSERT_NE(store_->Get(Id(1)), nullptr);  // Order now 2, 3, 1.
  EXPECT_FALSE(store_->IsPrimary(Id(1)));

  ASSERT_TRUE(store_->PutPrimary(Id(4), Synthetic(10)).ok());
  EXPECT_THAT(evicted_, ElementsAre(Id(2)));
  ASSERT_TRUE(store_->Create(Id(5), 15).ok());  // Needs two more victims.
  EXPECT_THAT(evicted_, ElementsAre(Id(2), Id(3), Id(1)));
  EXPECT_THAT(store_->ListObjects(), ElementsAre(Id(4)));
}

TEST_F(ObjectStoreTest, ContainsDoesNotTouch) {
  MakeStore(20);
  ASSERT_TRUE(PutSecondary(Id(1), 10).ok());
  ASSERT_TRUE(PutSecondary(Id(2), 10).ok());
  EXPECT_TRUE(store_->Contains(Id(1)));
  ASSERT_TRUE(PutSecondary(Id(3), 10).ok());
  EXPECT_THAT(evicted_, ElementsAre(Id(1)));
}

TEST_F(ObjectStoreTest, PrimaryCopiesAreNeverEvicted) {
  MakeStore(20);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Synthetic(10)).ok());
  ASSERT_TRUE(store_->PutPrimary(Id(2), Synthetic(10)).ok());
  absl::Status status = store_->PutPrimary(Id(3), Synthetic(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("needs 1 bytes, 20 used"));
  EXPECT_THAT(status.message(), HasSubstr("of 20 capacity"));
  EXPECT_EQ(store_->Create(Id(3), 1).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(store_->ListObjects(), ElementsAre(Id(1), Id(2)));
  EXPECT_THAT(evicted_, IsEmpty());
}

TEST_F(ObjectStoreTest, ResourceExhaustedEvictsNothing) {
  MakeStore(30);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Synthetic(10)).ok());
  ASSERT_TRUE(PutSecondary(Id(2), 10).ok());
  // 10 free plus 10 evictable is not enough for 21 bytes.
  EXPECT_EQ(store_->PutPrimary(Id(3), Synthetic(21)).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(store_->Create(Id(3), 31).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(store_->Contains(Id(2)));
  EXPECT_EQ(store_->stats().used_bytes, 20);
  EXPECT_THAT(evicted_, IsEmpty());
}

TEST_F(ObjectStoreTest, PinnedSecondaryIsNotEvictedUntilUnpinned) {
  MakeStore(20);
  ASSERT_TRUE(PutSecondary(Id(1), 10).ok());
  ASSERT_TRUE(PutSecondary(Id(2), 10).ok());
  store_->Pin(Id(1));
  store_->Pin(Id(1));  // Pins are counted.
  ASSERT_TRUE(PutSecondary(Id(3), 10).ok());
  EXPECT_THAT(evicted_, ElementsAre(Id(2)));
  store_->Unpin(Id(1));  // Still pinned once; 3 is the only victim.
  EXPECT_EQ(store_->PutPrimary(Id(4), Synthetic(20)).code(),
            absl::StatusCode::kResourceExhausted);

  store_->Unpin(Id(1));  // Evictable again, as most recently used.
  ASSERT_TRUE(PutSecondary(Id(4), 10).ok());
  EXPECT_THAT(evicted_, ElementsAre(Id(2), Id(3)));
  ASSERT_TRUE(PutSecondary(Id(5), 10).ok());
  EXPECT_THAT(evicted_, ElementsAre(Id(2), Id(3), Id(1)));
}

TEST_F(ObjectStoreTest, PinnedPrimaryStaysPrimaryAfterUnpin) {
  MakeStore(10);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Synthetic(10)).ok());
  store_->Pin(Id(1));
  store_->Unpin(Id(1));
  EXPECT_EQ(store_->Create(Id(2), 1).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(ObjectStoreTest, FreeOfPinnedObjectIsDeferredUntilLastUnpin) {
  MakeStore(100);
  ASSERT_TRUE(PutSecondary(Id(1), 10).ok());
  ASSERT_TRUE(store_->PutPrimary(Id(2), Filled(20)).ok());
  store_->Pin(Id(1));
  store_->Pin(Id(2));
  store_->Pin(Id(2));
  store_->Free(Id(1));
  store_->Free(Id(2));
  EXPECT_TRUE(store_->Contains(Id(1)));
  ASSERT_NE(store_->Get(Id(2)), nullptr);
  EXPECT_EQ(store_->Get(Id(2))->size(), 20);
  EXPECT_EQ(store_->stats().used_bytes, 30);

  store_->Unpin(Id(1));
  store_->Unpin(Id(2));
  EXPECT_FALSE(store_->Contains(Id(1)));
  EXPECT_TRUE(store_->Contains(Id(2)));
  store_->Unpin(Id(2));
  EXPECT_THAT(store_->ListObjects(), IsEmpty());
  EXPECT_EQ(store_->stats().used_bytes, 0);
  EXPECT_THAT(evicted_, IsEmpty());  // Frees are not evictions.
}

TEST_F(ObjectStoreTest, ReservationsCountTowardCapacityAndAreNotEvictable) {
  MakeStore(30);
  ASSERT_TRUE(store_->Create(Id(1), 10).ok());
  EXPECT_FALSE(store_->Contains(Id(1)));
  EXPECT_EQ(store_->Get(Id(1)), nullptr);
  EXPECT_THAT(store_->ListObjects(), IsEmpty());
  EXPECT_EQ(store_->stats().used_bytes, 10);
  EXPECT_EQ(store_->stats().num_objects, 0);

  ASSERT_TRUE(PutSecondary(Id(2), 10).ok());
  ASSERT_TRUE(store_->Create(Id(3), 10).ok());
  ASSERT_TRUE(store_->Create(Id(4), 10).ok());  // Evicts 2, not a reservation.
  EXPECT_THAT(evicted_, ElementsAre(Id(2)));
  EXPECT_EQ(store_->Create(Id(5), 1).code(),
            absl::StatusCode::kResourceExhausted);

  store_->Seal(Id(1), Synthetic(10));  // Now visible and evictable.
  EXPECT_TRUE(store_->Contains(Id(1)));
  EXPECT_FALSE(store_->IsPrimary(Id(1)));
  store_->Abort(Id(3));
  store_->Free(Id(4));   // Frees abort pending Creates too.
  store_->Abort(Id(4));  // Already gone: no-op.
  EXPECT_EQ(store_->stats().used_bytes, 10);
  ASSERT_TRUE(store_->Create(Id(5), 30).ok());
  EXPECT_THAT(evicted_, ElementsAre(Id(2), Id(1)));
}

TEST_F(ObjectStoreTest, ZeroSizeObjectsFitInAFullStore) {
  MakeStore(10);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Synthetic(10)).ok());
  ASSERT_TRUE(store_->PutPrimary(Id(2), Filled(0)).ok());
  ASSERT_NE(store_->Get(Id(2)), nullptr);
  EXPECT_EQ(store_->Get(Id(2))->data.size(), 0u);
  ASSERT_TRUE(store_->Create(Id(3), 0).ok());
  store_->Seal(Id(3), Filled(0));
  EXPECT_THAT(store_->ListObjects(), ElementsAre(Id(1), Id(2), Id(3)));
  EXPECT_EQ(store_->stats().used_bytes, 10);
}

TEST_F(ObjectStoreTest, NegativeCreateSizeIsInvalidArgument) {
  MakeStore(10);
  EXPECT_EQ(store_->Create(Id(1), -1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->stats().used_bytes, 0);
}

TEST_F(ObjectStoreTest, StatsCountObjectsPrimariesAndEvictions) {
  MakeStore(50);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Synthetic(10)).ok());
  ASSERT_TRUE(PutSecondary(Id(2), 15).ok());
  ASSERT_TRUE(PutSecondary(Id(3), 5).ok());
  ASSERT_TRUE(store_->Create(Id(4), 40).ok());  // Evicts 2 and 3.
  ObjectStore::Stats stats = store_->stats();
  EXPECT_EQ(stats.used_bytes, 50);
  EXPECT_EQ(stats.capacity_bytes, 50);
  EXPECT_EQ(stats.num_objects, 1);
  EXPECT_EQ(stats.num_primary, 1);
  EXPECT_EQ(stats.num_evictions, 2);
  EXPECT_EQ(stats.bytes_evicted, 20);
}

TEST_F(ObjectStoreTest, ListenerRunsAfterTheCallsChangesAndMayReenter) {
  MakeStore(20);
  ASSERT_TRUE(PutSecondary(Id(1), 10).ok());
  ASSERT_TRUE(PutSecondary(Id(2), 10).ok());
  std::vector<int64_t> used_seen;
  store_->SetEvictionListener([&](ObjectId id) {
    EXPECT_FALSE(store_->Contains(id));
    EXPECT_TRUE(store_->Contains(Id(3)));
    used_seen.push_back(store_->stats().used_bytes);
  });
  ASSERT_TRUE(store_->PutPrimary(Id(3), Synthetic(20)).ok());
  EXPECT_THAT(used_seen, ElementsAre(20, 20));
}

TEST_F(ObjectStoreTest, GetPointerSurvivesOtherInsertions) {
  MakeStore(1 << 20);
  ASSERT_TRUE(store_->PutPrimary(Id(0), Filled(3)).ok());
  const StoredObject* first = store_->Get(Id(0));
  for (uint64_t n = 1; n < 1000; ++n) {
    ASSERT_TRUE(store_->PutPrimary(Id(n), Filled(1)).ok());
  }
  EXPECT_EQ(store_->Get(Id(0)), first);
  EXPECT_EQ(first->size(), 3);
}

// A deliberately naive reference: a sorted map and a use counter, scanned in
// full for each eviction. Reports evictions and status codes like the store.
class ReferenceStore {
 public:
  explicit ReferenceStore(int64_t capacity) : capacity_(capacity) {}

  absl::StatusCode Add(ObjectId id, int64_t size, bool primary) {
    if (objects_.count(id)) return absl::StatusCode::kAlreadyExists;
    int64_t used = 0;
    std::map<int64_t, ObjectId> evictable;  // By last use.
    for (const auto& [other, object] : objects_) {
      used += object.size;
      if (object.sealed && !object.primary && object.pins == 0) {
        evictable[object.last_use] = other;
      }
    }
    int64_t evictable_bytes = 0;
    for (const auto& [use, other] : evictable) {
      evictable_bytes += objects_[other].size;
    }
    if (used + size - evictable_bytes > capacity_) {
      return absl::StatusCode::kResourceExhausted;
    }
    for (auto it = evictable.begin(); used + size > capacity_; ++it) {
      used -= objects_[it->second].size;
      objects_.erase(it->second);
      evicted.push_back(it->second);
    }
    objects_[id] = Object{size, primary, /*sealed=*/primary, 0, ++clock_};
    return absl::StatusCode::kOk;
  }
  void Seal(ObjectId id) {
    objects_[id].sealed = true;
    objects_[id].last_use = ++clock_;
  }
  void Get(ObjectId id) { objects_[id].last_use = ++clock_; }
  void Pin(ObjectId id) { ++objects_[id].pins; }
  void Unpin(ObjectId id) {
    Object& object = objects_[id];
    object.last_use = ++clock_;
    if (--object.pins == 0 && object.free_pending) objects_.erase(id);
  }
  void Free(ObjectId id) {
    if (objects_.count(id) && objects_[id].pins > 0) {
      objects_[id].free_pending = true;
    } else {
      objects_.erase(id);
    }
  }
  bool Has(ObjectId id) const { return objects_.count(id) > 0; }
  bool Sealed(ObjectId id) const { return Has(id) && objects_.at(id).sealed; }
  int64_t Size(ObjectId id) const { return objects_.at(id).size; }
  int64_t Pins(ObjectId id) const { return Has(id) ? objects_.at(id).pins : 0; }
  int64_t Used() const {
    int64_t used = 0;
    for (const auto& [id, object] : objects_) used += object.size;
    return used;
  }
  std::vector<ObjectId> SealedIds() const {
    std::vector<ObjectId> ids;
    for (const auto& [id, object] : objects_) {
      if (object.sealed) ids.push_back(id);
    }
    return ids;
  }

  std::vector<ObjectId> evicted;

 private:
  struct Object {
    int64_t size = 0;
    bool primary = false;
    bool sealed = false;
    int64_t pins = 0;
    int64_t last_use = 0;
    bool free_pending = false;
  };
  const int64_t capacity_;
  int64_t clock_ = 0;
  std::map<ObjectId, Object> objects_;
};

TEST_F(ObjectStoreTest, AgreesWithReferenceOnRandomCalls) {
  constexpr int64_t kCapacity = 100;
  MakeStore(kCapacity);
  ReferenceStore reference(kCapacity);
  std::mt19937 random(42);
  auto uniform = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(random);
  };
  // Weights of the calls below, chosen so that the store stays near full and
  // each kind of copy (primary, pinned, reserved, evictable) stays common.
  std::discrete_distribution<int> call({1, 2, 4, 2, 1, 4, 2, 3, 3});
  for (int step = 0; step < 20000; ++step) {
    const ObjectId id = Id(uniform(25));
    const int64_t size = uniform(35);
    switch (call(random)) {
      case 0:
        ASSERT_EQ(store_->PutPrimary(id, Synthetic(size)).code(),
                  reference.Add(id, size, /*primary=*/true));
        break;
      case 1:
        ASSERT_EQ(store_->Create(id, size).code(),
                  reference.Add(id, size, /*primary=*/false));
        break;
      case 2: {  // A whole transfer at once.
        const absl::StatusCode code =
            reference.Add(id, size, /*primary=*/false);
        ASSERT_EQ(PutSecondary(id, size).code(), code);
        if (code == absl::StatusCode::kOk) reference.Seal(id);
        break;
      }
      case 3:
        if (reference.Has(id) && !reference.Sealed(id)) {
          store_->Seal(id, Synthetic(reference.Size(id)));
          reference.Seal(id);
        }
        break;
      case 4:
        if (reference.Has(id) && !reference.Sealed(id)) {
          store_->Abort(id);
          reference.Free(id);
        }
        break;
      case 5:
        ASSERT_EQ(store_->Get(id) != nullptr, reference.Sealed(id));
        if (reference.Sealed(id)) reference.Get(id);
        break;
      case 6:
        if (reference.Sealed(id)) {
          store_->Pin(id);
          reference.Pin(id);
        }
        break;
      case 7:
        if (reference.Pins(id) > 0) {
          store_->Unpin(id);
          reference.Unpin(id);
        }
        break;
      case 8:
        store_->Free(id);
        reference.Free(id);
        break;
    }
    ASSERT_EQ(evicted_, reference.evicted) << "step " << step;
    ASSERT_EQ(store_->ListObjects(), reference.SealedIds()) << "step " << step;
    ASSERT_EQ(store_->stats().used_bytes, reference.Used()) << "step " << step;
  }
  EXPECT_GT(store_->stats().num_evictions, 500);  // 849 with this seed.
}

TEST_F(ObjectStoreTest, ReplaceDataKeepsTheObjectAndItsAccounting) {
  MakeStore(100);
  ASSERT_TRUE(store_->PutPrimary(Id(1), Filled(10)).ok());
  store_->ReplaceData(Id(1), miniray::Bytes(std::string(10, 'y')));
  EXPECT_EQ(store_->Get(Id(1))->data.view(), std::string(10, 'y'));
  EXPECT_TRUE(store_->IsPrimary(Id(1)));
  EXPECT_EQ(store_->stats().used_bytes, 10);
}

TEST(ObjectStoreDeathTest, MisuseIsAProgrammingError) {
  ObjectStore store(Capacity(100));
  EXPECT_DEATH(store.Pin(Id(1)), "Pin of");
  EXPECT_DEATH(store.Unpin(Id(1)), "Unpin of");
  EXPECT_DEATH(store.Seal(Id(1), Filled(1)), "without Create");
  ASSERT_TRUE(store.Create(Id(1), 5).ok());
  EXPECT_DEATH(store.Pin(Id(1)), "not sealed");
  EXPECT_DEATH(store.Seal(Id(1), Filled(4)), "other than reserved");
  store.Seal(Id(1), Filled(5));
  EXPECT_DEATH(store.Abort(Id(1)), "Abort of sealed");
  EXPECT_DEATH(store.ReplaceData(Id(2), miniray::Bytes(std::string())),
               "ReplaceData of absent");
  EXPECT_DEATH(store.ReplaceData(Id(1), miniray::Bytes(std::string(4, 'x'))),
               "Check failed");
}

}  // namespace
}  // namespace miniray
