// Proves that a caller runs each of its actor calls once, in order, when it
// hears that the actor restarted before it hears that calls it had sent to
// the old incarnation failed. Real timing allows that order (the failure of
// a call can be redialed while the GCS restarts the actor); the simulator,
// which resets a killed worker's connections at once, never makes it.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "src/core_worker/core_worker.h"
#include "src/object_store/object_store.h"
#include "src/rpc/convert.h"
#include "src/runtime/sim/sim_executor.h"
#include "src/runtime/sim/sim_loop.h"
#include "src/runtime/sim/sim_network.h"

namespace miniray {
namespace {

// The actor: appends its argument to a log.
std::vector<std::string>* caller_log = nullptr;

const bool registered = [] {
  FunctionRegistry::Global().RegisterFactory(
      "CallerLog", "CallerLog",
      [](const ArgumentViews&) { return std::make_shared<int>(0); });
  FunctionRegistry::Global().RegisterMethod(
      "CallerLog::Add", "CallerLog", [](void*, const ArgumentViews& args) {
        caller_log->push_back(std::string(args.at(0)));
        return std::vector<std::string>{"ok"};
      });
  return true;
}();

const Address kGcs = "gcs:1";
const Address kOldActor = "old:10001";
const Address kNewActor = "new:10001";

class ActorCallerTest : public ::testing::Test {
 protected:
  ActorCallerTest()
      : network_(loop_, {}),
        executor_(loop_),
        store_(ObjectStore::Options{1 << 20}),
        gcs_(network_, kGcs),
        old_actor_(network_, kOldActor),
        creator_(network_, "creator:1") {
    caller_log = &log_;
    actor_id_ = TaskId{MakeWorkerId(9, 1), 1};
    // The GCS: answers lookups by name at once, and a lookup for a restart
    // once the actor has restarted that often.
    gcs_.Handle<GetActorInfo>([this](rpc::GetActorInfoRequest request,
                                     Respond<GetActorInfo> respond) {
      if (restarts_ < request.min_num_restarts()) {
        waiting_lookups_.push_back(std::move(respond));
        return;
      }
      respond(Info());
    });
    // The old incarnation: its calls get no answer until the test fails
    // them, in the order it chooses.
    old_actor_.Handle<PushTask>(
        [this](rpc::PushTaskRequest request, Respond<PushTask> respond) {
          held_[request.spec().caller_seq()] = std::move(respond);
        });
    EXPECT_TRUE(gcs_.Start().ok());
    EXPECT_TRUE(old_actor_.Start().ok());
    EXPECT_TRUE(creator_.Start().ok());
    new_actor_ = MakeWorker(MakeWorkerId(2, 1), kNewActor);
    caller_ = MakeWorker(MakeWorkerId(1, 1), "owner:9000");
    // The new incarnation is up already (its creation ran there).
    rpc::PushTaskRequest create;
    *create.mutable_spec()->mutable_id() = ToProto(actor_id_);
    create.mutable_spec()->set_function("CallerLog");
    create.mutable_spec()->set_actor_creation(true);
    *create.mutable_spec()->mutable_actor_id() = ToProto(actor_id_);
    creator_.Call<PushTask>(kNewActor, create, nullptr);
    RunAll();
  }

  std::unique_ptr<CoreWorker> MakeWorker(WorkerId id, const Address& address) {
    CoreWorker::Options options;
    options.worker_id = id;
    options.node_id = NodeOfWorker(id);
    options.address = address;
    options.raylet_address = "raylet:7000";
    options.gcs_address = kGcs;
    options.is_driver = true;  // no raylet to report to
    auto worker = std::make_unique<CoreWorker>(
        CoreWorkerRuntime{loop_, network_, executor_, store_client_, metrics_},
        options);
    EXPECT_TRUE(worker->Start().ok());
    return worker;
  }

  rpc::GetActorInfoReply Info() {
    rpc::GetActorInfoReply reply;
    reply.set_found(true);
    rpc::ActorInfo* info = reply.mutable_actor();
    *info->mutable_actor_id() = ToProto(actor_id_);
    info->set_state(rpc::ACTOR_ALIVE);
    info->set_address(restarts_ == 0 ? kOldActor : kNewActor);
    info->set_node_id(restarts_ == 0 ? 9 : 2);
    info->set_num_restarts(restarts_);
    info->set_max_task_retries(-1);
    return reply;
  }

  void Restart() {
    restarts_ = 1;
    for (auto& respond : waiting_lookups_) respond(Info());
    waiting_lookups_.clear();
  }

  void FailHeldCall(uint64_t seq) {
    ASSERT_TRUE(held_.count(seq)) << "call " << seq << " was not sent";
    held_[seq](absl::UnavailableError("the worker died"));
    held_.erase(seq);
    RunAll();
  }

  void RunAll() {
    while (loop_.RunOne()) {
    }
  }

  SimLoop loop_;
  SimNetwork network_;
  SimExecutor executor_;
  ObjectStore store_;
  InProcessStoreClient store_client_{store_};
  Metrics metrics_;
  RpcEndpoint gcs_;
  RpcEndpoint old_actor_;
  RpcEndpoint creator_;
  std::unique_ptr<CoreWorker> new_actor_;
  std::unique_ptr<CoreWorker> caller_;
  TaskId actor_id_;
  uint32_t restarts_ = 0;
  std::vector<Respond<GetActorInfo>> waiting_lookups_;
  std::map<uint64_t, Respond<PushTask>> held_;
  std::vector<std::string> log_;
};

TEST_F(ActorCallerTest, RestartHeardBeforeOldCallsFailRunsEachCallOnceInOrder) {
  std::vector<rpc::ObjectValue> results;
  bool done = false;
  executor_.Spawn(
      [&] {
        std::optional<TaskId> actor = caller_->GetNamedActor("log");
        ASSERT_TRUE(actor.has_value());
        std::vector<ObjectId> refs;
        for (const char* arg : {"a", "b"}) {
          TaskOptions options;
          options.resources = ResourceSet();
          std::vector<TaskArgument> args(1);
          args[0].value = arg;
          for (ObjectId id :
               caller_->SubmitActorTask(*actor, "CallerLog::Add",
                                        std::move(args), options)) {
            refs.push_back(id);
          }
        }
        results = caller_->Get(refs);
        done = true;
      },
      nullptr);
  RunAll();
  ASSERT_EQ(held_.size(), 2u) << "both calls wait at the old incarnation";

  // Call 2 fails first: the caller asks the GCS, which answers once the
  // actor has restarted. Call 1 is still out at the old incarnation.
  FailHeldCall(2);
  Restart();
  RunAll();
  // Then call 1's failure comes, after the news of the restart.
  FailHeldCall(1);

  ASSERT_TRUE(done) << "the caller still waits for its calls";
  ASSERT_EQ(results.size(), 2u);
  for (const rpc::ObjectValue& result : results) {
    EXPECT_FALSE(result.has_error()) << result.error().message();
  }
  EXPECT_EQ(log_, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace miniray
