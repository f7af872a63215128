// Proves the GCS's membership protocol in the simulator: dense node ids in
// arrival order, a full cluster view for a joining raylet and deltas after,
// death after heartbeat_period * heartbeat_misses_max of silence, broadcast to
// the survivors, a GCS that does not blame the nodes for its own stall, the
// answers to Heartbeat and GetAllNodes, and the nodes' counters summed.
#include "src/gcs/gcs_server.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gtest/gtest.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"

namespace miniray {
namespace {

const Address kGcsAddress = "head:6379";
const absl::Duration kPeriod = absl::Milliseconds(100);
constexpr int kMissesMax = 3;

rpc::ResourcesProto Cpus(double amount) {
  rpc::ResourcesProto resources;
  resources.add_name("CPU");
  resources.add_amount(amount);
  return resources;
}

// A raylet as the GCS sees it: it registers, heartbeats while told to, and
// records the cluster view updates it receives.
class FakeRaylet {
 public:
  struct Update {
    absl::Duration at;
    rpc::ClusterViewUpdate view;
  };

  FakeRaylet(SimLoop& loop, SimNetwork& network, const std::string& name)
      : loop_(loop), name_(name), endpoint_(network, name + ":7000") {
    endpoint_.Handle<UpdateClusterView>(
        [this](rpc::ClusterViewUpdate update,
               Respond<UpdateClusterView> respond) {
          updates_.push_back({loop_.elapsed(), std::move(update)});
          respond(rpc::ClusterViewAck());
        });
    CHECK(endpoint_.Start().ok());
  }
  ~FakeRaylet() { StopHeartbeats(); }

  void Register(double cpus, int64_t store_bytes = 1 << 20) {
    rpc::RegisterNodeRequest request;
    request.set_name(name_);
    request.set_raylet_address(endpoint_.address());
    *request.mutable_total() = Cpus(cpus);
    request.set_object_store_capacity(store_bytes);
    endpoint_.Call<RegisterNode>(
        kGcsAddress, request,
        [this](absl::StatusOr<rpc::RegisterNodeReply> reply) {
          ASSERT_TRUE(reply.ok()) << reply.status();
          node_id_ = reply->node_id();
        });
  }

  // Sends one heartbeat, reporting `available_cpus` if >= 0, and `usage`.
  void Heartbeat(double available_cpus = -1,
                 const rpc::NodeUsage* usage = nullptr) {
    rpc::HeartbeatRequest request;
    request.set_node_id(node_id_);
    if (usage != nullptr) *request.mutable_usage() = *usage;
    if (available_cpus >= 0) {
      request.set_resources_changed(true);
      *request.mutable_available() = Cpus(available_cpus);
    }
    last_heartbeat_ = loop_.elapsed();
    endpoint_.Call<miniray::Heartbeat>(
        kGcsAddress, request,
        [this](absl::StatusOr<rpc::HeartbeatReply> reply) {
          ASSERT_TRUE(reply.ok()) << reply.status();
          replies_.push_back(reply->known());
        });
  }

  void StartHeartbeats() {
    Heartbeat();
    timer_ = loop_.RunAfter(kPeriod, [this] { StartHeartbeats(); });
  }
  void StopHeartbeats() { loop_.Cancel(timer_); }

  uint32_t node_id() const { return node_id_; }
  const Address& address() const { return endpoint_.address(); }
  const std::vector<Update>& updates() const { return updates_; }
  // The `known` field of each heartbeat reply, in order.
  const std::vector<bool>& replies() const { return replies_; }
  absl::Duration last_heartbeat() const { return last_heartbeat_; }

 private:
  SimLoop& loop_;
  const std::string name_;
  RpcEndpoint endpoint_;
  uint32_t node_id_ = UINT32_MAX;
  std::vector<Update> updates_;
  std::vector<bool> replies_;
  absl::Duration last_heartbeat_;
  TimerId timer_ = 0;
};

// The ids of the nodes in an update, with "!" after dead ones: "0,1!".
std::string Ids(const rpc::ClusterViewUpdate& view) {
  std::string ids;
  for (const rpc::NodeInfo& node : view.nodes()) {
    absl::StrAppend(&ids, ids.empty() ? "" : ",", node.node_id(),
                    node.alive() ? "" : "!");
  }
  return ids;
}

// The GCS's clock, whose timers can be held as if the GCS's process were
// not scheduled for a while: a timer due meanwhile fires when the pause ends.
class PausableClock : public Clock {
 public:
  explicit PausableClock(SimLoop& loop) : loop_(loop) {}

  void PauseFor(absl::Duration pause) { paused_until_ = loop_.Now() + pause; }

  absl::Time Now() const override { return loop_.Now(); }
  TimerId RunAfter(absl::Duration delay, std::function<void()> fn) override {
    const TimerId id = next_id_++;
    Schedule(id, delay, std::move(fn));
    return id;
  }
  void Cancel(TimerId id) override {
    auto it = loop_ids_.find(id);
    if (it == loop_ids_.end()) return;
    loop_.Cancel(it->second);
    loop_ids_.erase(it);
  }

 private:
  void Schedule(TimerId id, absl::Duration delay, std::function<void()> fn) {
    loop_ids_[id] = loop_.RunAfter(delay, [this, id, fn = std::move(fn)] {
      if (loop_.Now() < paused_until_) {
        Schedule(id, paused_until_ - loop_.Now(), fn);
        return;
      }
      loop_ids_.erase(id);
      fn();
    });
  }

  SimLoop& loop_;
  absl::Time paused_until_ = absl::InfinitePast();
  TimerId next_id_ = 1;
  absl::flat_hash_map<TimerId, TimerId> loop_ids_;
};

class GcsServerTest : public ::testing::Test {
 protected:
  GcsServerTest()
      : network_(loop_, {}),
        gcs_clock_(loop_),
        gcs_(gcs_clock_, network_, kGcsAddress,
             {.heartbeat_period = kPeriod, .heartbeat_misses_max = kMissesMax}),
        client_(network_, "client:1") {
    CHECK(gcs_.Start().ok());
    CHECK(client_.Start().ok());
  }

  FakeRaylet& AddRaylet(const std::string& name) {
    return *raylets_.emplace_back(
        std::make_unique<FakeRaylet>(loop_, network_, name));
  }

  // Registers a raylet and keeps it heartbeating.
  FakeRaylet& Join(const std::string& name, double cpus) {
    FakeRaylet& raylet = AddRaylet(name);
    raylet.Register(cpus);
    RunFor(absl::Milliseconds(1));
    raylet.StartHeartbeats();
    return raylet;
  }

  void RunFor(absl::Duration duration) {
    loop_.RunUntil([] { return false; }, loop_.Now() + duration);
  }

  std::vector<rpc::NodeInfo> GetAllNodes() {
    std::vector<rpc::NodeInfo> nodes;
    bool done = false;
    client_.Call<miniray::GetAllNodes>(
        kGcsAddress, rpc::GetAllNodesRequest(),
        [&](absl::StatusOr<rpc::GetAllNodesReply> reply) {
          ASSERT_TRUE(reply.ok()) << reply.status();
          nodes.assign(reply->nodes().begin(), reply->nodes().end());
          done = true;
        });
    EXPECT_TRUE(
        loop_.RunUntil([&] { return done; }, loop_.Now() + absl::Seconds(1)));
    return nodes;
  }

  SimLoop loop_;
  SimNetwork network_;
  PausableClock gcs_clock_;
  GcsServer gcs_;
  RpcEndpoint client_;
  std::vector<std::unique_ptr<FakeRaylet>> raylets_;
};

TEST_F(GcsServerTest, NodeIdsAreDenseInArrivalOrder) {
  // "slow" asks first, but over a 10ms link: "fast" arrives first.
  network_.SetLink("slow", "head", absl::Milliseconds(10), 1e9);
  FakeRaylet& slow = AddRaylet("slow");
  FakeRaylet& fast = AddRaylet("fast");
  slow.Register(1);
  fast.Register(1);
  RunFor(absl::Milliseconds(50));
  FakeRaylet& late = AddRaylet("late");
  late.Register(1);
  RunFor(absl::Milliseconds(50));

  EXPECT_EQ(fast.node_id(), 0u);
  EXPECT_EQ(slow.node_id(), 1u);
  EXPECT_EQ(late.node_id(), 2u);
  ASSERT_EQ(gcs_.nodes().size(), 3u);
  for (uint32_t id = 0; id < 3; ++id) EXPECT_EQ(gcs_.nodes()[id].node_id(), id);
  EXPECT_EQ(gcs_.nodes()[0].name(), "fast");
  EXPECT_EQ(gcs_.nodes()[1].name(), "slow");
}

TEST_F(GcsServerTest, JoiningRayletGetsFullViewThenDeltas) {
  FakeRaylet& a = Join("a", 4);
  RunFor(kPeriod * 1.5);
  ASSERT_EQ(a.updates().size(), 1u);
  EXPECT_EQ(Ids(a.updates()[0].view), "0");

  FakeRaylet& b = Join("b", 2);
  RunFor(kPeriod * 1.5);
  // The newcomer sees everyone; the old member hears only of the newcomer.
  ASSERT_EQ(b.updates().size(), 1u);
  const rpc::ClusterViewUpdate& full = b.updates()[0].view;
  ASSERT_EQ(Ids(full), "0,1");
  EXPECT_EQ(full.nodes(0).raylet_address(), "a:7000");
  EXPECT_EQ(full.nodes(0).total().amount(0), 4);
  EXPECT_EQ(full.nodes(1).raylet_address(), "b:7000");
  ASSERT_EQ(a.updates().size(), 2u);
  const rpc::ClusterViewUpdate& joined = a.updates()[1].view;
  ASSERT_EQ(Ids(joined), "1");
  EXPECT_EQ(joined.nodes(0).raylet_address(), "b:7000");
  EXPECT_EQ(joined.nodes(0).total().amount(0), 2);

  // Heartbeats that change nothing are not broadcast.
  RunFor(kPeriod * 5);
  EXPECT_EQ(a.updates().size(), 2u);
  EXPECT_EQ(b.updates().size(), 1u);

  a.Heartbeat(/*available_cpus=*/1);
  RunFor(kPeriod * 1.5);
  ASSERT_EQ(a.updates().size(), 3u);
  ASSERT_EQ(b.updates().size(), 2u);
  const rpc::ClusterViewUpdate& delta = b.updates()[1].view;
  ASSERT_EQ(Ids(delta), "0");
  EXPECT_EQ(delta.nodes(0).available().amount(0), 1);
  EXPECT_EQ(Ids(a.updates()[2].view), "0");
}

TEST_F(GcsServerTest, SilentNodeIsDeclaredDeadAfterMissesAndBroadcast) {
  FakeRaylet& a = Join("a", 1);
  FakeRaylet& b = Join("b", 1);
  RunFor(absl::Seconds(1));
  const size_t b_updates = b.updates().size();
  const size_t a_updates = a.updates().size();
  b.StopHeartbeats();
  const absl::Duration silent_since = b.last_heartbeat();
  RunFor(absl::Seconds(1));

  ASSERT_EQ(a.updates().size(), a_updates + 1);
  const FakeRaylet::Update& death = a.updates().back();
  EXPECT_EQ(Ids(death.view), absl::StrCat(b.node_id(), "!"));
  // Declared at the first health check past period * misses of silence.
  const absl::Duration silence = death.at - silent_since;
  EXPECT_GT(silence, kPeriod * kMissesMax);
  EXPECT_LT(silence, kPeriod * (kMissesMax + 1) + absl::Milliseconds(1));
  // A dead node is told nothing more.
  EXPECT_EQ(b.updates().size(), b_updates);
  EXPECT_FALSE(gcs_.nodes()[b.node_id()].alive());
  EXPECT_TRUE(gcs_.nodes()[a.node_id()].alive());
}

TEST_F(GcsServerTest, OwnStallIsNotCountedAgainstTheNodes) {
  FakeRaylet& a = Join("a", 1);
  FakeRaylet& b = Join("b", 1);
  RunFor(absl::Seconds(1));
  // The GCS's process pauses for most of a second. a's heartbeats wait
  // behind the late health check (a is silent until just after it); b has
  // really died.
  a.StopHeartbeats();
  b.StopHeartbeats();
  gcs_clock_.PauseFor(absl::Milliseconds(990));
  RunFor(absl::Seconds(1));
  a.StartHeartbeats();
  RunFor(absl::Seconds(1));

  EXPECT_TRUE(gcs_.nodes()[a.node_id()].alive());
  // The pause delays b's death; it does not hide it.
  EXPECT_FALSE(gcs_.nodes()[b.node_id()].alive());
}

TEST_F(GcsServerTest, HeartbeatOfDeadOrUnknownNodeIsNotKnown) {
  FakeRaylet& a = Join("a", 1);
  FakeRaylet& b = Join("b", 1);
  RunFor(absl::Milliseconds(500));
  ASSERT_FALSE(b.replies().empty());
  EXPECT_TRUE(b.replies().back());
  b.StopHeartbeats();
  RunFor(kPeriod * (kMissesMax + 2));
  ASSERT_FALSE(gcs_.nodes()[b.node_id()].alive());

  b.Heartbeat();
  RunFor(absl::Milliseconds(10));
  EXPECT_FALSE(b.replies().back());
  EXPECT_TRUE(a.replies().back());
  // The late heartbeat does not bring the node back.
  RunFor(kPeriod * 3);
  EXPECT_FALSE(gcs_.nodes()[b.node_id()].alive());

  FakeRaylet& stranger = AddRaylet("stranger");  // never registered
  stranger.Heartbeat();
  RunFor(absl::Milliseconds(10));
  ASSERT_EQ(stranger.replies().size(), 1u);
  EXPECT_FALSE(stranger.replies()[0]);
}

TEST_F(GcsServerTest, GetAllNodesReturnsEveryNodeWithItsState) {
  FakeRaylet& a = AddRaylet("a");
  a.Register(4, /*store_bytes=*/1000);
  RunFor(absl::Milliseconds(1));
  a.StartHeartbeats();
  FakeRaylet& b = AddRaylet("b");
  b.Register(8, /*store_bytes=*/2000);
  RunFor(absl::Milliseconds(1));
  a.Heartbeat(/*available_cpus=*/3);  // b stays silent, and dies
  RunFor(absl::Seconds(1));

  const std::vector<rpc::NodeInfo> nodes = GetAllNodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].node_id(), 0u);
  EXPECT_EQ(nodes[0].name(), "a");
  EXPECT_EQ(nodes[0].raylet_address(), "a:7000");
  EXPECT_EQ(nodes[0].total().amount(0), 4);
  EXPECT_EQ(nodes[0].available().amount(0), 3);
  EXPECT_EQ(nodes[0].object_store_capacity(), 1000);
  EXPECT_TRUE(nodes[0].alive());
  EXPECT_EQ(nodes[1].node_id(), 1u);
  EXPECT_EQ(nodes[1].name(), "b");
  EXPECT_EQ(nodes[1].total().amount(0), 8);
  EXPECT_EQ(nodes[1].available().amount(0), 8);
  EXPECT_EQ(nodes[1].object_store_capacity(), 2000);
  EXPECT_FALSE(nodes[1].alive());
}

// `local` sums the counters every node reports with its heartbeats: the
// last report of each node, a dead one's included, the driver's node (which
// counts in the driver's own process) left out.
TEST_F(GcsServerTest, ClusterStatsSumTheNodesCountersExceptOne) {
  FakeRaylet& a = AddRaylet("a");
  FakeRaylet& driver = AddRaylet("driver");
  FakeRaylet& c = AddRaylet("c");
  for (FakeRaylet* raylet : {&a, &driver, &c}) raylet->Register(1);
  RunFor(absl::Milliseconds(1));
  rpc::NodeUsage usage;
  usage.set_objects_transferred(2);
  usage.set_spillbacks(1);
  a.Heartbeat(-1, &usage);
  driver.Heartbeat(-1, &usage);
  usage.set_objects_transferred(5);  // a later report replaces an earlier
  a.Heartbeat(-1, &usage);
  usage.set_objects_transferred(3);
  usage.set_leases_granted(7);
  c.Heartbeat(-1, &usage);
  RunFor(kPeriod * (kMissesMax + 2));  // c (and the others) die: kept
  rpc::GetClusterStatsRequest request;
  request.set_exclude_owner_node(driver.node_id());
  request.set_has_exclude_owner_node(true);
  rpc::NodeUsage sum;
  bool done = false;
  client_.Call<GetClusterStats>(
      kGcsAddress, request,
      [&](absl::StatusOr<rpc::GetClusterStatsReply> reply) {
        ASSERT_TRUE(reply.ok()) << reply.status();
        sum = reply->node_counters();
        done = true;
      });
  ASSERT_TRUE(
      loop_.RunUntil([&] { return done; }, loop_.Now() + absl::Seconds(1)));
  EXPECT_EQ(sum.objects_transferred(), 5 + 3);
  EXPECT_EQ(sum.spillbacks(), 1 + 1);
  EXPECT_EQ(sum.leases_granted(), 7);
}

}  // namespace
}  // namespace miniray
