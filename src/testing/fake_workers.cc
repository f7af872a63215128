#include "src/testing/fake_workers.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"

namespace miniray {
namespace {

constexpr int kFirstWorkerPort = 10000;

absl::string_view HostOf(absl::string_view address) {
  return address.substr(0, address.rfind(':'));
}

}  // namespace

WorkerPool::Launcher FakeWorkers::LauncherFor(Address raylet_address) {
  return [this, raylet_address](WorkerId id) {
    ++launched_;
    clock_.RunAfter(startup_, [this, raylet_address, id] {
      StartWorker(raylet_address, id);
    });
  };
}

void FakeWorkers::StartWorker(const Address& raylet_address, WorkerId id) {
  const Address address =
      absl::StrCat(HostOf(raylet_address), ":",
                   kFirstWorkerPort + static_cast<int>(id & 0xffff));
  auto endpoint = std::make_unique<RpcEndpoint>(transport_, address);
  CHECK(endpoint->Start().ok()) << "two workers at " << address;
  rpc::WorkerReadyRequest request;
  request.set_worker_id(id);
  request.set_address(address);
  endpoint->Call<WorkerReady>(raylet_address, request, nullptr);
  endpoints_.push_back(std::move(endpoint));
}

std::vector<Address> FakeWorkers::addresses() const {
  std::vector<Address> addresses;
  for (const auto& endpoint : endpoints_)
    addresses.push_back(endpoint->address());
  return addresses;
}

}  // namespace miniray
