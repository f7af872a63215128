// Proves that a worker hosting an actor runs each caller's calls in the
// caller's order even when they arrive out of order, one at a time, and
// moves past a skipped call.
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

// The actor: appends its argument to a shared log.
std::vector<std::string>* log_calls = nullptr;

const bool registered = [] {
  FunctionRegistry::Global().RegisterFactory(
      "TestLog", "TestLog", [](const ArgumentViews&) {
        return std::make_shared<int>(0);
      });
  FunctionRegistry::Global().RegisterMethod(
      "TestLog::Add", "TestLog",
      [](void*, const ArgumentViews& args) {
        log_calls->push_back(std::string(args.at(0)));
        return std::vector<std::string>{"ok"};
      });
  return true;
}();

class ActorReceiverTest : public ::testing::Test {
 protected:
  ActorReceiverTest()
      : network_(loop_, {}),
        executor_(loop_),
        store_(ObjectStore::Options{1 << 20}),
        caller_(network_, "node:1") {
    log_calls = &log_;
    CoreWorker::Options options;
    options.worker_id = MakeWorkerId(0, 1);
    options.node_id = 0;
    options.address = "node:10001";
    options.raylet_address = "node:7000";
    options.is_driver = true;  // no raylet to report to
    worker_ = std::make_unique<CoreWorker>(
        CoreWorkerRuntime{loop_, network_, executor_, store_client_, metrics_},
        options);
    EXPECT_TRUE(worker_->Start().ok());
    EXPECT_TRUE(caller_.Start().ok());
    rpc::PushTaskRequest create;
    create.mutable_spec()->mutable_id()->set_seq(1);
    create.mutable_spec()->set_function("TestLog");
    create.mutable_spec()->set_actor_creation(true);
    *create.mutable_spec()->mutable_actor_id() = create.spec().id();
    Push(create);
  }

  void Push(const rpc::PushTaskRequest& request) {
    caller_.Call<PushTask>("node:10001", request,
                           [this](absl::StatusOr<rpc::PushTaskReply> reply) {
                             replies_ += reply.ok() ? 1 : 0;
                           });
    while (loop_.RunOne()) {
    }
  }

  rpc::PushTaskRequest Call(WorkerId caller, uint64_t seq, std::string arg,
                            bool skip = false) {
    rpc::PushTaskRequest request;
    rpc::TaskSpec* spec = request.mutable_spec();
    spec->mutable_id()->set_worker(caller);
    spec->mutable_id()->set_seq(100 + seq);
    spec->set_function("TestLog::Add");
    spec->mutable_actor_id()->set_seq(1);
    spec->set_owner_worker(caller);
    spec->set_caller_seq(seq);
    spec->set_num_returns(1);
    spec->add_args()->mutable_value()->set_data(std::move(arg));
    request.set_skip(skip);
    return request;
  }

  SimLoop loop_;
  SimNetwork network_;
  SimExecutor executor_;
  ObjectStore store_;
  InProcessStoreClient store_client_{store_};
  Metrics metrics_;
  RpcEndpoint caller_;
  std::unique_ptr<CoreWorker> worker_;
  std::vector<std::string> log_;
  int replies_ = 0;
};

TEST_F(ActorReceiverTest, RunsEachCallersCallsInOrder) {
  Push(Call(7, 3, "a3"));
  Push(Call(7, 2, "a2"));
  Push(Call(8, 1, "b1"));  // another caller is not held up
  EXPECT_EQ(log_, (std::vector<std::string>{"b1"}));
  Push(Call(7, 1, "a1"));
  EXPECT_EQ(log_, (std::vector<std::string>{"b1", "a1", "a2", "a3"}));
  EXPECT_EQ(replies_, 5);  // the creation and four calls
}

TEST_F(ActorReceiverTest, SkippedCallsOnlyAdvanceTheSequence) {
  Push(Call(7, 2, "a2"));
  Push(Call(7, 1, "", /*skip=*/true));
  EXPECT_EQ(log_, (std::vector<std::string>{"a2"}));
}

}  // namespace
}  // namespace miniray
