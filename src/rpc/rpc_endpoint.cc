#include "src/rpc/rpc_endpoint.h"

namespace miniray {

absl::Status RpcEndpoint::Start() {
  absl::Status status = transport_.Listen(
      address_, [this](absl::string_view method, Payload request,
                       ReplyCallback reply) {
        Dispatch(method, std::move(request), std::move(reply));
      });
  started_ = status.ok();
  return status;
}

void RpcEndpoint::Stop() {
  if (!started_) return;
  started_ = false;
  transport_.Close(address_);
}

void RpcEndpoint::Dispatch(absl::string_view method, Payload request,
                           ReplyCallback reply) {
  auto it = handlers_.find(method);
  if (it == handlers_.end()) {
    reply(absl::UnimplementedError(
        absl::StrCat(address_, " does not serve ", method)));
    return;
  }
  it->second(std::move(request), std::move(reply));
}

}  // namespace miniray
