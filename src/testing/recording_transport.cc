#include "src/testing/recording_transport.h"

#include <utility>

namespace miniray {

void RecordingTransport::Call(const Address& from, const Address& to,
                              absl::string_view method, Payload request,
                              const CallOptions& options,
                              ReplyCallback on_reply) {
  Count& count = sent_[std::string(method)];
  ++count.messages;
  count.bytes += static_cast<int64_t>(request.size());
  count.synthetic_bytes += options.synthetic_bytes;
  inner_.Call(from, to, method, std::move(request), options,
              std::move(on_reply));
}

RecordingTransport::Count RecordingTransport::sent(
    absl::string_view method) const {
  auto it = sent_.find(method);
  return it == sent_.end() ? Count() : it->second;
}

}  // namespace miniray
