// FakeWorkers: worker processes for a raylet under test that only start.
//
// The launcher it makes does what a real worker process does on startup,
// and nothing more: after `startup` of virtual time the worker listens at
// "<raylet host>:<10000 + local id>" and tells its raylet it is ready
// (WorkerReady). It serves no tasks: raylet tests only lease workers.
//
//   FakeWorkers workers(loop, network, absl::Milliseconds(50));
//   Raylet raylet(..., workers.LauncherFor("head:7000"), options);
//
// Single-threaded, on the loop of its clock.
#ifndef MINIRAY_TESTING_FAKE_WORKERS_H_
#define MINIRAY_TESTING_FAKE_WORKERS_H_

#include <memory>
#include <vector>

#include "src/raylet/worker_pool.h"
#include "src/rpc/rpc_endpoint.h"
#include "src/runtime/clock.h"

namespace miniray {

class FakeWorkers {
 public:
  FakeWorkers(Clock& clock, Transport& transport, absl::Duration startup)
      : clock_(clock), transport_(transport), startup_(startup) {}

  // A launcher for the raylet listening at `raylet_address`.
  WorkerPool::Launcher LauncherFor(Address raylet_address);

  // Workers whose launch was asked for, started or not.
  int num_launched() const { return launched_; }
  // The addresses of the workers that are up, in start order.
  std::vector<Address> addresses() const;

 private:
  void StartWorker(const Address& raylet_address, WorkerId id);

  Clock& clock_;
  Transport& transport_;
  const absl::Duration startup_;
  int launched_ = 0;
  std::vector<std::unique_ptr<RpcEndpoint>> endpoints_;
};

}  // namespace miniray

#endif  // MINIRAY_TESTING_FAKE_WORKERS_H_
