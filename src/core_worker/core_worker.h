// CoreWorker: the part of Ray that lives in every driver and worker process.
//
// As an owner it submits tasks (resolving their arguments first, then
// through the TaskSubmitter's leases), owns the objects its tasks return and
// the objects it Puts, counts references to them, answers where their
// copies are, and frees them when they go out of scope. It creates actors
// through the GCS and sends method calls straight to the actor's worker, in
// order per caller (actor_client.cc). As an executor it runs the tasks
// pushed to it by other owners, and hosts an actor if it was leased for one
// (task_executor.cc).
//
// The program-facing methods (SubmitTask, Get, Put, Wait) may block and must
// be called from code started by the Executor (a fiber in the simulator);
// everything else runs on the event loop.
//
//   CoreWorker worker(runtime, store, metrics, options);
//   RETURN_IF_ERROR(worker.Start());
//   std::vector<ObjectId> out = worker.SubmitTask("Square", {Arg(3)}, {});
//   rpc::ObjectValue nine = worker.Get({out[0]})[0];
#ifndef MINIRAY_CORE_WORKER_CORE_WORKER_H_
#define MINIRAY_CORE_WORKER_CORE_WORKER_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "src/common/ids.h"
#include "src/common/metrics.h"
#include "src/common/resources.h"
#include "src/core_worker/function_registry.h"
#include "src/core_worker/memory_store.h"
#include "src/core_worker/reference_counter.h"
#include "src/core_worker/task_submitter.h"
#include "src/object_store/store_client.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"
#include "src/runtime/executor.h"
#include "src/trace/trace_recorder.h"

namespace miniray {

// An argument of a task: a value, or a reference to an object.
struct TaskArgument {
  std::optional<ObjectId> ref;
  Address ref_owner;  // with `ref`: its owner's address
  std::string value;  // without `ref`: the serialized value
};

struct TaskOptions {
  ResourceSet resources = ResourceSet::FromMap({{"CPU", 1}});
  int num_returns = 1;
  // Times the task runs again if its worker or node dies (Ray's default 3).
  int max_retries = 3;
  // Retry also when the task's code throws (Ray's retry_exceptions).
  bool retry_exceptions = false;
  std::string name;
  // A synthetic task runs no code (see rpc::TaskSpec).
  int64_t synthetic_duration_ns = 0;
  int64_t synthetic_output_bytes = 0;
};

struct ActorOptions {
  ResourceSet resources = ResourceSet::FromMap({{"CPU", 1}});
  // A name other workers can look the actor up by; empty for none.
  std::string name;
  // Times the GCS restarts the actor after its worker dies (-1: always).
  int max_restarts = 0;
  // Times a method call is sent again after the actor's worker died (-1:
  // always). Ray's defaults are 0 for both.
  int max_task_retries = 0;
};

struct WaitOutcome {
  std::vector<ObjectId> ready;
  std::vector<ObjectId> not_ready;
};

// The collaborators a core worker needs from its process and node.
struct CoreWorkerRuntime {
  Clock& clock;
  Transport& transport;
  Executor& executor;
  // The node's object store. Workers of a node share it, as they share
  // plasma's memory in Ray: in the same process (the simulator) or through
  // shared memory (a worker process of a real cluster).
  StoreClient& local_store;
  Metrics& metrics;
  // Where task and object events go; null when tracing is off.
  TraceRecorder* trace = nullptr;
};

class CoreWorker {
 public:
  struct Options {
    WorkerId worker_id = 0;
    NodeId node_id = kNoNode;
    Address address;
    Address raylet_address;
    Address gcs_address;
    bool is_driver = false;
    int64_t max_inline_bytes = 100 * 1024;
    int max_pending_lease_requests = 10;
    // TaskSubmitter::Options::idle_worker_keep.
    absl::Duration idle_worker_keep = absl::ZeroDuration();
    // Simulated time spent on each task before its function runs.
    absl::Duration task_overhead = absl::ZeroDuration();
    // A planted bug for testing the fuzzer: lost objects are never rebuilt.
    bool disable_reconstruction = false;
    // The owner records in its trace when it pushes a task to a worker
    // (started) and when the reply comes (finished). For a real cluster,
    // where the executing worker's trace is in another process; in the
    // simulator the executor records both, so this stays off there.
    bool trace_as_owner = false;
  };

  CoreWorker(CoreWorkerRuntime runtime, Options options);
  ~CoreWorker();

  // Listens; a worker (not a driver) then tells its raylet it is ready.
  absl::Status Start();

  // ---- Program-facing; may block (call from Executor-started code). ----

  std::vector<ObjectId> SubmitTask(const std::string& function,
                                   std::vector<TaskArgument> args,
                                   const TaskOptions& options);
  // Creates an actor by running the registered factory `factory` on a
  // worker the GCS leases for it; returns the actor's id at once.
  TaskId CreateActor(const std::string& factory, std::vector<TaskArgument> args,
                     const ActorOptions& options);
  // Calls `method` on an actor. Calls from this process run in the order
  // they were made.
  std::vector<ObjectId> SubmitActorTask(TaskId actor, const std::string& method,
                                        std::vector<TaskArgument> args,
                                        const TaskOptions& options);
  // The id of the actor named `name`, once it exists; nullopt if no actor
  // has that name. Blocks.
  std::optional<TaskId> GetNamedActor(const std::string& name);
  // The total resources of the live nodes, as the GCS sees them. Blocks.
  ResourceSet ClusterResources();

  // Blocks until every object is available; returns their values (or the
  // errors they hold), in order.
  std::vector<rpc::ObjectValue> Get(const std::vector<ObjectId>& ids);
  // Stores a value in the local object store; ResourceExhausted if it does
  // not fit.
  absl::StatusOr<ObjectId> Put(rpc::ObjectValue value);
  // Blocks until `num_returns` of `ids` are available or `timeout` passes.
  WaitOutcome Wait(const std::vector<ObjectId>& ids, int num_returns,
                  absl::Duration timeout);
  // The error an available object holds, if any (no blocking, no fetch).
  rpc::ErrorInfo PeekError(ObjectId id) const;
  // Simulated work: in the simulator, the calling fiber sleeps.
  void Work(absl::Duration duration) { runtime_.executor.Sleep(duration); }

  // Reference counting for ObjectRef handles (any thread of control).
  void AddLocalReference(ObjectId id) { refs_.AddLocal(id); }
  void RemoveLocalReference(ObjectId id) { refs_.RemoveLocal(id); }

  // Runs `body` as this process's program code (a fiber in the simulator).
  void Spawn(std::function<void()> body);

  WorkerId worker_id() const { return options_.worker_id; }
  NodeId node_id() const { return options_.node_id; }
  const Address& address() const { return endpoint_.address(); }
  Clock& clock() { return runtime_.clock; }
  size_t num_owned_objects() const { return refs_.size(); }
  // Synthetic tasks take `factor` times their duration (a slow node; code
  // that calls Work is slowed by the executor instead).
  void set_compute_slowdown(double factor) { compute_slowdown_ = factor; }
  // As set_compute_slowdown, read at each synthetic task from `factor`
  // (a real node's slowdown, which `local` may change while it runs).
  void set_compute_slowdown_source(std::function<double()> factor) {
    compute_slowdown_source_ = std::move(factor);
  }
  // True while a task or actor method runs here.
  bool running_task() const { return current_task_.has_value(); }
  size_t num_in_memory_objects() const { return memory_.size(); }

  // The core worker of the running program or task code, or null.
  static CoreWorker* Current();

 private:
  // A method call waiting to be sent to its actor.
  struct ActorCall {
    std::shared_ptr<rpc::TaskSpec> spec;
    bool resolved = false;
    bool skip = false;  // its arguments failed: only the sequence advances
  };
  // What a caller knows of one actor.
  struct ActorClient {
    rpc::ActorState state = rpc::ACTOR_PENDING;
    Address address;
    NodeId node = kNoNode;
    rpc::ErrorInfo death;
    bool lookup_in_flight = false;
    uint64_t next_seq = 1;      // next sequence number to give a call
    uint64_t next_to_send = 1;  // calls are sent in sequence order
    // The incarnation callers last saw alive, and the first sequence number
    // sent to it.
    uint32_t num_restarts = 0;
    uint64_t seq_start = 1;
    int max_task_retries = 0;
    std::map<uint64_t, ActorCall> calls;
    // Calls sent and not yet answered, by sequence number.
    std::map<uint64_t, std::shared_ptr<rpc::TaskSpec>> sent;
  };
  // What the hosting worker knows of the actor it runs.
  struct HostedActor {
    std::shared_ptr<void> instance;
    std::string actor_class;  // as registered with its factory
    std::map<WorkerId, uint64_t> next_seq;  // per caller, from 1
    std::map<WorkerId, uint64_t> last_run;  // the last sequence number run
    // Calls that arrived ahead of their turn, by (caller, seq).
    std::map<std::pair<WorkerId, uint64_t>,
             std::pair<rpc::PushTaskRequest, Respond<PushTask>>>
        early;
    std::deque<std::pair<rpc::PushTaskRequest, Respond<PushTask>>> ready;
    bool running = false;
  };
  using Invoker = std::function<std::vector<std::string>(
      const ArgumentViews& args)>;

  // Calls `Method` at `to` and blocks the calling fiber/thread until the
  // reply comes.
  template <typename Method>
  absl::StatusOr<typename Method::Reply> CallAndWait(
      const Address& to, const typename Method::Request& request);

  // ---- Owner side (core_worker.cc) ----
  std::shared_ptr<rpc::TaskSpec> NewTaskSpec(const std::string& function,
                                             std::vector<TaskArgument> args,
                                             const TaskOptions& options,
                                             std::vector<ObjectId>* ref_args);
  std::vector<ObjectId> RegisterReturns(const rpc::TaskSpec& spec);
  void TraceSubmitted(const rpc::TaskSpec& spec, TaskKind kind);
  // Logs a retry or a lost object to the trace, if there is one.
  void TraceRetryOrLoss(TraceEventType type, std::optional<TaskId> task,
                        std::optional<ObjectId> object, NodeId node,
                        const std::string& why, int attempt = 0);
  void NotifyBlocked(bool blocked);
  void ResolveAndSubmit(std::shared_ptr<rpc::TaskSpec> spec,
                        std::vector<ObjectId> ref_args);
  void FinishResolution(std::shared_ptr<rpc::TaskSpec> spec,
                        const std::vector<ObjectId>& ref_args);
  void OnTaskDone(const rpc::TaskSpec& spec,
                  absl::StatusOr<rpc::PushTaskReply> reply);
  void FailTask(const rpc::TaskSpec& spec, const rpc::ErrorInfo& error);
  void ReleaseArguments(const rpc::TaskSpec& spec);
  void OnOutOfScope(ObjectId id, const ReferenceCounter::Reference& ref);
  rpc::ObjectValue ReadFromPlasma(ObjectId id);
  // Asks the local raylet to pull `ref` into the node's store; blocks.
  rpc::ErrorInfo FetchToLocalStore(const rpc::ObjectRefProto& ref);
  void HandleGetObjectLocations(rpc::GetObjectLocationsRequest request,
                                Respond<GetObjectLocations> respond);
  void HandleNodeDied(rpc::NodeDiedRequest request, Respond<NodeDied> respond);
  // Runs the task again if its retry budget allows; returns whether it did.
  bool MaybeRetry(const rpc::TaskSpec& spec, const std::string& why);

  // ---- Lineage reconstruction (reconstruction.cc) ----
  // What the owner keeps to run a task again: its spec as submitted (with
  // arguments still as references), while any of its returns is referenced.
  struct Lineage {
    std::shared_ptr<const rpc::TaskSpec> spec;
    int live_returns = 0;
  };
  void RecordLineage(const rpc::TaskSpec& spec);
  void ReleaseLineage(ObjectId id);
  // Objects whose every copy was on `node`: rebuild them by running the
  // tasks that made them again, or mark them lost.
  void RecoverObjectsOf(NodeId node);
  // Submits `task` again from its lineage; false if it cannot be rebuilt.
  bool Reconstruct(TaskId task);
  // A task whose argument could not be fetched runs again from its lineage
  // (waiting for the argument to be rebuilt); false if no retries are left.
  bool RetryFromLineage(const rpc::TaskSpec& spec);
  void HandleUpdateObjectLocation(rpc::UpdateObjectLocationRequest request,
                                  Respond<UpdateObjectLocation> respond);

  void Dispatch(std::shared_ptr<rpc::TaskSpec> spec);

  // ---- Actors, caller side (actor_client.cc) ----
  void SendCreateActor(std::shared_ptr<rpc::TaskSpec> spec);
  void OnActorCallReady(std::shared_ptr<rpc::TaskSpec> spec, bool skip);
  void SendActorCalls(TaskId actor);
  void LookUpActor(TaskId actor);
  void OnActorInfo(const rpc::ActorInfo& info);
  // The actors that lived on a dead node are dead: their calls fail.
  void OnActorNodeDied(NodeId node);
  // A call sent to the actor's incarnation `incarnation` (its restarts
  // then) got no answer because its worker failed: it is queued again if
  // its retries allow, else failed; if that incarnation is the one the
  // caller knows alive, the caller then asks the GCS what became of it.
  void OnActorCallFailed(TaskId actor, std::shared_ptr<rpc::TaskSpec> spec,
                         const std::string& why, uint32_t incarnation);

  // ---- Executor side (task_executor.cc) ----
  // For TaskSubmitter::Options::on_pushed: null unless trace_as_owner.
  std::function<void(const rpc::TaskSpec&, NodeId, WorkerId)>
  OwnerPushTracer();
  // With trace_as_owner: the actor's creation task started and ended when
  // the GCS says the actor is alive (or dead).
  void TraceActorAsOwner(const rpc::ActorInfo& info);
  void HandlePushTask(rpc::PushTaskRequest request, Respond<PushTask> respond);
  void RunSyntheticTask(const rpc::TaskSpec& spec, Respond<PushTask> respond);
  // Runs `invoke` on the task's arguments on a fiber, stores the returns and
  // responds; then runs `after`, if any.
  void Execute(std::shared_ptr<rpc::TaskSpec> spec, Invoker invoke,
               Respond<PushTask> respond, uint64_t lease_id,
               std::function<void()> after);
  Invoker InvokerFor(const rpc::TaskSpec& spec);
  void EnqueueActorCall(rpc::PushTaskRequest request, Respond<PushTask> respond);
  void RunNextActorCall();
  rpc::ReturnObject StoreReturn(ObjectId id, rpc::ObjectValue value);
  // Resolves a by-reference argument to its bytes, pulling it if needed.
  rpc::ObjectValue FetchArgument(const rpc::ObjectRefProto& ref);
  // As FetchArgument, without copying the bytes out of the store.
  struct Fetched {
    StoredObject object;
    rpc::ErrorInfo error;
  };
  Fetched FetchFromStore(const rpc::ObjectRefProto& ref);

  CoreWorkerRuntime runtime_;
  const Options options_;
  RpcEndpoint endpoint_;
  MemoryStore memory_;
  ReferenceCounter refs_;
  std::unique_ptr<TaskSubmitter> submitter_;
  uint64_t next_seq_ = 1;
  // The task this worker is running, and its lease (0 when none or when an
  // actor method runs): the parent of tasks it submits, and the lease whose
  // CPUs are lent while it blocks.
  std::optional<TaskId> current_task_;
  std::optional<std::pair<TaskId, uint32_t>> last_push_;  // (task, attempt)
  double compute_slowdown_ = 1.0;
  std::function<double()> compute_slowdown_source_;
  uint64_t blocked_reports_ = 0;  // TaskBlocked sequence numbers
  uint64_t current_lease_ = 0;
  // Caller side: actors this process calls. Ordered for determinism.
  std::map<TaskId, ActorClient> actors_;
  // Owner side: lineage of tasks whose returns are still referenced.
  std::map<TaskId, Lineage> lineage_;
  // Executor side: the actor this worker hosts, if any.
  std::unique_ptr<HostedActor> hosted_;
  // Raylet addresses of nodes holding copies of owned objects.
  absl::flat_hash_map<NodeId, Address> raylets_;
};

template <typename Method>
absl::StatusOr<typename Method::Reply> CoreWorker::CallAndWait(
    const Address& to, const typename Method::Request& request) {
  struct Result {
    absl::StatusOr<typename Method::Reply> reply =
        absl::UnknownError("no reply");
    Event* event = nullptr;  // null once the waiter has gone
  };
  std::unique_ptr<Event> done = runtime_.executor.NewEvent();
  auto result = std::make_shared<Result>();
  result->event = done.get();
  endpoint_.Call<Method>(
      to, request, [result](absl::StatusOr<typename Method::Reply> reply) {
        result->reply = std::move(reply);
        if (result->event != nullptr) result->event->Notify();
      });
  done->Wait();
  result->event = nullptr;
  return std::move(result->reply);
}

}  // namespace miniray

#endif  // MINIRAY_CORE_WORKER_CORE_WORKER_H_
