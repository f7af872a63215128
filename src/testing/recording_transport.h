// RecordingTransport: a Transport that counts what a component sends.
//
// It passes every call on to another transport and counts, per method, the
// messages sent, their serialized bytes and the synthetic bytes they stand
// for. Give it to one component to see exactly
// what that component put on the wire:
//
//   RecordingTransport recorder(network);
//   RpcEndpoint endpoint(recorder, "a:7000");
//   ...
//   EXPECT_EQ(recorder.sent("ObjectManager.PushChunk").messages, 3);
//
// Single-threaded, as the transport it wraps.
#ifndef MINIRAY_TESTING_RECORDING_TRANSPORT_H_
#define MINIRAY_TESTING_RECORDING_TRANSPORT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "src/runtime/transport.h"

namespace miniray {

class RecordingTransport : public Transport {
 public:
  struct Count {
    int messages = 0;
    int64_t bytes = 0;            // serialized requests
    int64_t synthetic_bytes = 0;  // CallOptions::synthetic_bytes
  };

  explicit RecordingTransport(Transport& inner) : inner_(inner) {}

  absl::Status Listen(const Address& address, RequestHandler handler) override {
    return inner_.Listen(address, std::move(handler));
  }
  void Close(const Address& address) override { inner_.Close(address); }
  void Call(const Address& from, const Address& to, absl::string_view method,
            Payload request, const CallOptions& options,
            ReplyCallback on_reply) override;

  // What was sent with `method` so far (zero if nothing).
  Count sent(absl::string_view method) const;

 private:
  Transport& inner_;
  std::map<std::string, Count, std::less<>> sent_;
};

}  // namespace miniray

#endif  // MINIRAY_TESTING_RECORDING_TRANSPORT_H_
