// Proves the raylet's lease protocol against a real GCS in the simulator:
// local grants while resources are free, queueing until a worker is
// returned, spillback above the spread threshold, infeasible replies after
// the timeout, and dependencies pulled (or failing) before a grant.
#include "src/raylet/raylet.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "gtest/gtest.h"
#include "src/gcs/gcs_server.h"
#include "src/rpc/convert.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"
#include "src/testing/fake_owner.h"
#include "src/testing/fake_workers.h"

namespace miniray {
namespace {

const Address kGcsAddress = "head:6379";
const absl::Duration kPeriod = absl::Milliseconds(100);
const absl::Duration kWorkerStartup = absl::Milliseconds(50);

ResourceSet Cpus(double amount) {
  return ResourceSet::FromMap({{"CPU", amount}});
}

// A lease request on its way; filled in when the reply comes.
struct PendingLease {
  bool done = false;
  absl::Duration at;
  rpc::LeaseReply reply;
};

class RayletTest : public ::testing::Test {
 protected:
  RayletTest()
      : network_(loop_, {}),
        gcs_(loop_, network_, kGcsAddress, {.heartbeat_period = kPeriod}),
        workers_(loop_, network_, kWorkerStartup),
        driver_(network_, "head:9000") {
    CHECK(gcs_.Start().ok());
    CHECK(driver_.Start().ok());
  }

  // Starts the raylet of a node named `name` with `cpus` CPUs.
  Raylet& AddNode(const std::string& name, double cpus) {
    Raylet::Options options;
    options.node_name = name;
    options.resources = Cpus(cpus);
    options.gcs_address = kGcsAddress;
    options.heartbeat_period = kPeriod;
    options.spread_threshold = 0.5;
    options.infeasible_timeout = absl::Seconds(1);
    const Address address = absl::StrCat(name, ":7000");
    Rng& rng = *rngs_.emplace_back(std::make_unique<Rng>(1, name));
    Raylet& raylet = *raylets_.emplace_back(
        std::make_unique<Raylet>(loop_, network_, rng, metrics_, address,
                                 workers_.LauncherFor(address), options));
    CHECK(raylet.Start(nullptr).ok());
    cpus_ += cpus;
    return raylet;
  }

  // Runs until every raylet sees every node alive and all workers are up.
  void WaitForCluster() {
    const bool up = loop_.RunUntil(
        [&] {
          if (metrics_.workers_started < cpus_) return false;
          for (const auto& raylet : raylets_) {
            if (!raylet->has_cluster_view()) return false;
            size_t alive = 0;
            for (const NodeView& node : raylet->view().nodes()) {
              alive += node.alive;
            }
            if (alive < raylets_.size()) return false;
          }
          return true;
        },
        loop_.Now() + absl::Seconds(5));
    ASSERT_TRUE(up) << "the cluster did not come up";
  }

  std::shared_ptr<PendingLease> RequestLease(
      const Raylet& raylet, double cpus,
      std::vector<rpc::ObjectRefProto> dependencies = {},
      bool grant_or_reject = false) {
    rpc::LeaseRequest request;
    rpc::TaskSpec& spec = *request.mutable_spec();
    *spec.mutable_id() = ToProto(TaskId{MakeWorkerId(0, 0), ++next_task_});
    spec.set_name(absl::StrCat("task", next_task_));
    *spec.mutable_resources() = Cpus(cpus).ToProto();
    spec.set_owner_address(driver_.address());
    for (const auto& ref : dependencies) *spec.add_dependencies() = ref;
    request.set_grant_or_reject(grant_or_reject);
    auto lease = std::make_shared<PendingLease>();
    driver_.Call<RequestWorkerLease>(
        raylet.address(), request,
        [this, lease](absl::StatusOr<rpc::LeaseReply> reply) {
          ASSERT_TRUE(reply.ok()) << reply.status();
          lease->done = true;
          lease->at = loop_.elapsed();
          lease->reply = *std::move(reply);
        });
    return lease;
  }

  // Runs until `lease` is answered (at most `limit`), and returns the reply.
  rpc::LeaseReply Await(const std::shared_ptr<PendingLease>& lease,
                        absl::Duration limit = absl::Seconds(5)) {
    loop_.RunUntil([&] { return lease->done; }, loop_.Now() + limit);
    EXPECT_TRUE(lease->done) << "no reply within " << limit;
    return lease->reply;
  }

  void ReturnWorker(const Raylet& raylet, uint64_t lease_id) {
    rpc::ReturnWorkerRequest request;
    request.set_lease_id(lease_id);
    driver_.Call<miniray::ReturnWorker>(raylet.address(), request, nullptr);
  }

  void RunFor(absl::Duration duration) {
    loop_.RunUntil([] { return false; }, loop_.Now() + duration);
  }

  SimLoop loop_;
  SimNetwork network_;
  Metrics metrics_;
  GcsServer gcs_;
  FakeWorkers workers_;
  RpcEndpoint driver_;
  std::vector<std::unique_ptr<Rng>> rngs_;
  std::vector<std::unique_ptr<Raylet>> raylets_;
  double cpus_ = 0;
  uint64_t next_task_ = 0;
};

TEST_F(RayletTest, GrantsLocallyWhileResourcesAreFree) {
  Raylet& head = AddNode("head", 2);
  WaitForCluster();
  EXPECT_EQ(workers_.num_launched(), 2);  // one prestarted per CPU

  const rpc::LeaseReply first = Await(RequestLease(head, 1));
  const rpc::LeaseReply second = Await(RequestLease(head, 1));
  ASSERT_TRUE(first.has_granted()) << first.DebugString();
  ASSERT_TRUE(second.has_granted()) << second.DebugString();
  EXPECT_EQ(first.granted().node_id(), head.node_id());
  EXPECT_EQ(NodeOfWorker(first.granted().worker_id()), head.node_id());
  EXPECT_NE(first.granted().worker_id(), second.granted().worker_id());
  EXPECT_NE(first.granted().lease_id(), second.granted().lease_id());
  const std::vector<Address> up = workers_.addresses();
  EXPECT_NE(std::find(up.begin(), up.end(), first.granted().worker_address()),
            up.end());
  EXPECT_EQ(metrics_.leases_granted, 2u);

  // The next heartbeats tell the GCS the node is fully used.
  RunFor(kPeriod * 2);
  const ResourceSet available =
      ResourceSet::FromProto(gcs_.nodes()[head.node_id()].available());
  EXPECT_EQ(available.Get("CPU"), 0);
}

TEST_F(RayletTest, QueuesBeyondItsCpusUntilAWorkerIsReturned) {
  Raylet& head = AddNode("head", 1);
  WaitForCluster();
  const rpc::LeaseReply first = Await(RequestLease(head, 1));
  ASSERT_TRUE(first.has_granted());

  std::shared_ptr<PendingLease> second = RequestLease(head, 1);
  RunFor(absl::Seconds(1));
  EXPECT_FALSE(second->done) << second->reply.DebugString();

  const absl::Duration returned_at = loop_.elapsed();
  ReturnWorker(head, first.granted().lease_id());
  const rpc::LeaseReply reply = Await(second);
  ASSERT_TRUE(reply.has_granted()) << reply.DebugString();
  EXPECT_LT(second->at - returned_at, absl::Milliseconds(1));
  // The returned worker is reused: waiting for a CPU starts no new worker.
  EXPECT_EQ(reply.granted().worker_id(), first.granted().worker_id());
  EXPECT_EQ(workers_.num_launched(), 1);
}

TEST_F(RayletTest, SpillsBackAboveTheSpreadThreshold) {
  Raylet& head = AddNode("head", 2);
  Raylet& worker = AddNode("worker", 2);
  WaitForCluster();

  const rpc::LeaseReply first = Await(RequestLease(head, 1));
  ASSERT_TRUE(first.has_granted());
  EXPECT_EQ(first.granted().node_id(), head.node_id());

  // Head is now 50% used, not under the threshold; the idle node is better.
  const rpc::LeaseReply second = Await(RequestLease(head, 1));
  ASSERT_TRUE(second.has_spillback()) << second.DebugString();
  EXPECT_EQ(second.spillback().node_id(), worker.node_id());
  EXPECT_EQ(second.spillback().raylet_address(), "worker:7000");
  EXPECT_EQ(metrics_.spillbacks, 1u);

  const rpc::LeaseReply there =
      Await(RequestLease(worker, 1, {}, /*grant_or_reject=*/true));
  ASSERT_TRUE(there.has_granted()) << there.DebugString();
  EXPECT_EQ(there.granted().node_id(), worker.node_id());
  EXPECT_EQ(NodeOfWorker(there.granted().worker_id()), worker.node_id());
}

TEST_F(RayletTest, AnswersInfeasibleAfterTheTimeout) {
  Raylet& head = AddNode("head", 2);
  AddNode("worker", 2);
  WaitForCluster();

  const absl::Duration asked_at = loop_.elapsed();
  std::shared_ptr<PendingLease> lease = RequestLease(head, 8);
  const rpc::LeaseReply reply = Await(lease);
  ASSERT_TRUE(reply.has_infeasible()) << reply.DebugString();
  EXPECT_NE(reply.infeasible().find("{CPU: 8}"), std::string::npos)
      << reply.infeasible();
  const absl::Duration waited = lease->at - asked_at;
  EXPECT_GE(waited, absl::Seconds(1));
  EXPECT_LT(waited, absl::Seconds(1) + absl::Milliseconds(1));
}

TEST_F(RayletTest, InfeasibleRequestWaitsForABigEnoughNodeToJoin) {
  Raylet& head = AddNode("head", 2);
  WaitForCluster();
  const absl::Duration asked_at = loop_.elapsed();
  std::shared_ptr<PendingLease> lease = RequestLease(head, 8);
  RunFor(absl::Milliseconds(300));
  Raylet& big = AddNode("big", 8);

  const rpc::LeaseReply reply = Await(lease);
  ASSERT_TRUE(reply.has_spillback()) << reply.DebugString();
  EXPECT_EQ(reply.spillback().node_id(), big.node_id());
  // Answered once the new node was broadcast, before the timeout.
  EXPECT_LT(lease->at - asked_at, absl::Milliseconds(500));
}

// Regression: every cluster view update rescheduled infeasible requests with
// a fresh timeout, so with any resource churn they were never answered.
TEST_F(RayletTest, InfeasibleTimeoutIsNotResetByClusterViewUpdates) {
  Raylet& head = AddNode("head", 2);
  WaitForCluster();
  const absl::Duration asked_at = loop_.elapsed();
  std::shared_ptr<PendingLease> infeasible = RequestLease(head, 8);
  // Another task takes and returns a CPU every 200ms; the GCS broadcasts the
  // changing availability back to the raylet.
  for (int i = 0; i < 15 && !infeasible->done; ++i) {
    const rpc::LeaseReply churn = Await(RequestLease(head, 1));
    ASSERT_TRUE(churn.has_granted());
    RunFor(absl::Milliseconds(100));
    ReturnWorker(head, churn.granted().lease_id());
    RunFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(infeasible->done) << "not answered in 3s of churn";
  EXPECT_TRUE(infeasible->reply.has_infeasible());
  EXPECT_LT(infeasible->at - asked_at, absl::Milliseconds(1100));
}

TEST_F(RayletTest, GrantsOnlyOnceADependencyIsLocal) {
  Raylet& head = AddNode("head", 2);
  Raylet& worker = AddNode("worker", 2);
  WaitForCluster();
  FakeOwner owner(network_, "owner:9000");
  ASSERT_TRUE(owner.Start().ok());
  const ObjectId id = ObjectId::ForPut(MakeWorkerId(worker.node_id(), 1), 1);
  Bytes bytes(std::string(1 << 20, 'x'));
  ASSERT_TRUE(worker.store().PutPrimary(id, StoredObject{bytes}).ok());
  owner.SetLocations(id, {worker.node_id()}, bytes.size());

  bool local_at_grant = false;
  std::shared_ptr<PendingLease> lease =
      RequestLease(head, 1, {owner.RefTo(id)});
  loop_.RunUntil(
      [&] {
        if (!lease->done) return false;
        local_at_grant = head.store().Contains(id);
        return true;
      },
      loop_.Now() + absl::Seconds(5));
  ASSERT_TRUE(lease->done);
  ASSERT_TRUE(lease->reply.has_granted()) << lease->reply.DebugString();
  EXPECT_EQ(lease->reply.granted().node_id(), head.node_id());
  EXPECT_TRUE(local_at_grant);
  EXPECT_FALSE(head.store().IsPrimary(id));  // a secondary copy
  RunFor(absl::Milliseconds(1));             // the owner hears of the copy
  ASSERT_EQ(owner.updates().size(), 1u);
  EXPECT_EQ(owner.updates()[0].node_id(), head.node_id());
}

TEST_F(RayletTest, UnpullableDependencyFailsTheRequest) {
  Raylet& head = AddNode("head", 2);
  WaitForCluster();
  rpc::ObjectRefProto ref;
  *ref.mutable_id() = ToProto(ObjectId::ForPut(MakeWorkerId(0, 5), 1));
  ref.set_owner_address("head:9999");  // nothing listens there

  const rpc::LeaseReply reply = Await(RequestLease(head, 1, {ref}));
  ASSERT_TRUE(reply.has_dependency_failed()) << reply.DebugString();
  EXPECT_EQ(reply.dependency_failed().type(), rpc::OWNER_DIED);
  // The failed request holds nothing: both CPUs are still there to lease.
  EXPECT_TRUE(Await(RequestLease(head, 1)).has_granted());
  EXPECT_TRUE(Await(RequestLease(head, 1)).has_granted());
}

}  // namespace
}  // namespace miniray
