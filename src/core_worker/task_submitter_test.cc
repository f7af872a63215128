// Proves the owner's leasing protocol against a scripted raylet: a bounded
// number of lease requests in flight, spillbacks followed with
// grant_or_reject, several tasks pushed through one lease before it is
// returned, queued tasks failed when the raylet says infeasible, and failed
// lease requests retried (at the local raylet, after a backoff, a bounded
// number of times) rather than failing the queue at once, and, when asked
// to keep idle workers, the next task sent to the kept worker directly.
#include "src/core_worker/task_submitter.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/rpc/convert.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"

namespace miniray {
namespace {

class TaskSubmitterTest : public ::testing::Test {
 protected:
  TaskSubmitterTest()
      : network_(loop_, {}),
        owner_(network_, "owner:1"),
        raylet_(network_, "n0:7000"),
        other_raylet_(network_, "n1:7000"),
        worker_(network_, "n0:10001") {
    raylet_.Handle<RequestWorkerLease>(
        [this](rpc::LeaseRequest request, Respond<RequestWorkerLease> respond) {
          requests_.push_back(request);
          pending_.push_back(std::move(respond));
        });
    raylet_.Handle<ReturnWorker>(
        [this](rpc::ReturnWorkerRequest r, Respond<ReturnWorker> respond) {
          returned_.push_back(r.lease_id());
          respond(rpc::ReturnWorkerReply());
        });
    other_raylet_.Handle<RequestWorkerLease>(
        [this](rpc::LeaseRequest request, Respond<RequestWorkerLease> respond) {
          other_requests_.push_back(request);
          rpc::LeaseReply reply;
          reply.mutable_granted()->set_lease_id(77);
          reply.mutable_granted()->set_worker_address("n0:10001");
          respond(std::move(reply));
        });
    other_raylet_.Handle<ReturnWorker>(
        [this](rpc::ReturnWorkerRequest r, Respond<ReturnWorker> respond) {
          returned_.push_back(r.lease_id());
          respond(rpc::ReturnWorkerReply());
        });
    worker_.Handle<PushTask>(
        [this](rpc::PushTaskRequest request, Respond<PushTask> respond) {
          pushed_.push_back(request.spec().id().seq());
          respond(rpc::PushTaskReply());
        });
    EXPECT_TRUE(owner_.Start().ok());
    EXPECT_TRUE(raylet_.Start().ok());
    EXPECT_TRUE(other_raylet_.Start().ok());
    EXPECT_TRUE(worker_.Start().ok());
    submitter_ = std::make_unique<TaskSubmitter>(
        loop_, owner_, TaskSubmitter::Options{"n0:7000", /*local_node=*/0, 3},
        [this](const rpc::TaskSpec& spec, absl::StatusOr<rpc::PushTaskReply>) {
          done_.push_back(spec.id().seq());
        },
        [this](const rpc::TaskSpec& spec, const rpc::ErrorInfo& error) {
          failed_.push_back(spec.id().seq());
          last_error_ = error;
        });
  }

  void Submit(int n) {
    for (int i = 0; i < n; ++i) {
      rpc::TaskSpec spec;
      spec.mutable_id()->set_seq(next_seq_++);
      spec.set_num_returns(1);
      submitter_->Submit(spec);
    }
  }
  void RunAll() {
    while (loop_.RunOne()) {
    }
  }
  void Grant(size_t index, uint64_t lease_id) {
    rpc::LeaseReply reply;
    reply.mutable_granted()->set_lease_id(lease_id);
    reply.mutable_granted()->set_worker_address("n0:10001");
    pending_.at(index)(std::move(reply));
  }

  SimLoop loop_;
  SimNetwork network_;
  RpcEndpoint owner_, raylet_, other_raylet_, worker_;
  std::unique_ptr<TaskSubmitter> submitter_;
  std::vector<rpc::LeaseRequest> requests_, other_requests_;
  std::vector<Respond<RequestWorkerLease>> pending_;
  std::vector<uint64_t> returned_, pushed_, done_, failed_;
  rpc::ErrorInfo last_error_;
  uint64_t next_seq_ = 1;
};

TEST_F(TaskSubmitterTest, BoundsLeaseRequestsInFlight) {
  Submit(10);
  RunAll();
  EXPECT_EQ(requests_.size(), 3u);  // max_pending_lease_requests
}

TEST_F(TaskSubmitterTest, OneLeaseRunsManyTasksThenIsReturned) {
  Submit(5);
  RunAll();
  ASSERT_EQ(requests_.size(), 3u);
  Grant(0, 11);
  RunAll();
  // The granted worker drains the queue; a grant frees a slot, so the
  // submitter asks again only while tasks remain uncovered.
  EXPECT_EQ(pushed_, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(done_.size(), 5u);
  EXPECT_EQ(returned_, std::vector<uint64_t>{11});
  // The leases granted later find nothing to do and go straight back.
  for (size_t i = 1; i < pending_.size(); ++i) Grant(i, 20 + i);
  RunAll();
  EXPECT_EQ(returned_.size(), pending_.size());
}

TEST_F(TaskSubmitterTest, KeptIdleWorkerTakesTheNextTaskWithoutALease) {
  TaskSubmitter::Options options{"n0:7000", /*local_node=*/0, 3};
  options.idle_worker_keep = absl::Milliseconds(10);
  submitter_ = std::make_unique<TaskSubmitter>(
      loop_, owner_, options,
      [this](const rpc::TaskSpec& spec, absl::StatusOr<rpc::PushTaskReply>) {
        done_.push_back(spec.id().seq());
      },
      [](const rpc::TaskSpec&, const rpc::ErrorInfo&) {});
  Submit(1);
  loop_.RunUntil([&] { return !pending_.empty(); },
                 loop_.Now() + absl::Seconds(1));
  Grant(0, 11);
  loop_.RunUntil([&] { return done_.size() == 1; },
                 loop_.Now() + absl::Seconds(1));
  EXPECT_TRUE(returned_.empty()) << "returned before the keep was over";

  Submit(1);  // within the keep: straight to the kept worker
  loop_.RunUntil([&] { return done_.size() == 2; },
                 loop_.Now() + absl::Seconds(1));
  EXPECT_EQ(requests_.size(), 1u);
  EXPECT_EQ(pushed_, (std::vector<uint64_t>{1, 2}));

  RunAll();  // the keep runs out: the worker goes back
  EXPECT_EQ(returned_, std::vector<uint64_t>{11});
  EXPECT_GE(loop_.elapsed(), absl::Milliseconds(10));
}

TEST_F(TaskSubmitterTest, FollowsSpillbackWithGrantOrReject) {
  Submit(1);
  RunAll();
  rpc::LeaseReply spill;
  spill.mutable_spillback()->set_node_id(1);
  spill.mutable_spillback()->set_raylet_address("n1:7000");
  pending_.at(0)(std::move(spill));
  RunAll();
  ASSERT_EQ(other_requests_.size(), 1u);
  EXPECT_TRUE(other_requests_[0].grant_or_reject());
  EXPECT_EQ(pushed_, std::vector<uint64_t>{1});
  EXPECT_EQ(returned_, std::vector<uint64_t>{77});
}

TEST_F(TaskSubmitterTest, InfeasibleFailsEveryQueuedTask) {
  Submit(4);
  RunAll();
  rpc::LeaseReply reply;
  reply.set_infeasible("no node has {GPU: 8}");
  pending_.at(0)(std::move(reply));
  RunAll();
  EXPECT_EQ(failed_, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(last_error_.type(), rpc::TASK_UNSCHEDULABLE);
  EXPECT_EQ(last_error_.message(), "no node has {GPU: 8}");
  EXPECT_EQ(submitter_->num_queued(), 0u);
}

TEST_F(TaskSubmitterTest, NodeDeathEndsItsTasksAndRetriesItsLeaseRequests) {
  Submit(2);
  RunAll();
  ASSERT_EQ(requests_.size(), 2u);
  // The lease comes from node 1 (the task runs there); node 0's raylet
  // never answers the second request.
  rpc::LeaseReply reply;
  reply.mutable_granted()->set_lease_id(5);
  reply.mutable_granted()->set_worker_address("n0:10001");
  reply.mutable_granted()->set_node_id(1);
  // Hold the push: the worker does not answer.
  worker_.Handle<PushTask>(
      [this](rpc::PushTaskRequest request, Respond<PushTask>) {
        pushed_.push_back(request.spec().id().seq());
      });
  pending_.at(0)(std::move(reply));
  RunAll();
  ASSERT_EQ(pushed_.size(), 1u);
  submitter_->OnNodeDied(1);
  RunAll();
  // The running task ended with an error its owner may retry.
  ASSERT_EQ(done_.size(), 1u);
  submitter_->OnNodeDied(0);
  RunAll();
  // The request to the dead local raylet was asked again.
  EXPECT_EQ(requests_.size(), 3u);
}

TEST_F(TaskSubmitterTest, FailedLocalLeaseRequestIsRetriedNotFailed) {
  Submit(1);
  RunAll();
  pending_.at(0)(absl::UnavailableError("connection refused"));
  RunAll();  // runs the backoff timer too
  EXPECT_TRUE(failed_.empty());
  ASSERT_EQ(requests_.size(), 2u);
  Grant(1, 9);
  RunAll();
  EXPECT_EQ(pushed_, std::vector<uint64_t>{1});
}

TEST_F(TaskSubmitterTest, LocalLeaseFailuresAreBoundedThenFailTheQueue) {
  Submit(2);
  RunAll();
  // Every request, first and retried, fails: the bound ends it.
  for (size_t answered = 0; answered < requests_.size(); ++answered) {
    pending_.at(answered)(absl::UnavailableError("connection refused"));
    RunAll();
  }
  EXPECT_EQ(failed_, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(last_error_.type(), rpc::WORKER_DIED);
  EXPECT_NE(last_error_.message().find("after 8 attempts"), std::string::npos)
      << last_error_.message();
  EXPECT_EQ(submitter_->num_queued(), 0u);
}

TEST_F(TaskSubmitterTest, FailedSpilledLeaseRequestGoesBackToTheLocalRaylet) {
  other_raylet_.Handle<RequestWorkerLease>(
      [this](rpc::LeaseRequest request, Respond<RequestWorkerLease> respond) {
        other_requests_.push_back(request);
        respond(absl::UnavailableError("connection refused"));
      });
  Submit(1);
  RunAll();
  rpc::LeaseReply spill;
  spill.mutable_spillback()->set_node_id(1);
  spill.mutable_spillback()->set_raylet_address("n1:7000");
  pending_.at(0)(std::move(spill));
  RunAll();
  EXPECT_EQ(other_requests_.size(), 1u);
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_FALSE(requests_[1].grant_or_reject());
  EXPECT_TRUE(failed_.empty());
}

}  // namespace
}  // namespace miniray
