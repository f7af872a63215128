#include "src/shared_store/shared_store_client.h"

#include <unistd.h>

#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/rpc/convert.h"
#include "src/shared_store/shared_segment.h"

namespace miniray {

SharedStoreClient::SharedStoreClient(Transport& transport, Executor& executor,
                                     Address self, Options options)
    : endpoint_(transport, std::move(self)),
      executor_(executor),
      options_(std::move(options)),
      segment_stem_(absl::StrCat(options_.segment_prefix, "w", getpid(), ".")) {}

template <typename Method>
absl::StatusOr<typename Method::Reply> SharedStoreClient::CallAndWait(
    const typename Method::Request& request) {
  struct Result {
    absl::StatusOr<typename Method::Reply> reply =
        absl::UnknownError("no reply");
    Event* event = nullptr;  // null once the waiter has gone
  };
  std::unique_ptr<Event> done = executor_.NewEvent();
  auto result = std::make_shared<Result>();
  result->event = done.get();
  endpoint_.Call<Method>(
      options_.store_address, request,
      [result](absl::StatusOr<typename Method::Reply> reply) {
        result->reply = std::move(reply);
        if (result->event != nullptr) result->event->Notify();
      });
  done->Wait();
  result->event = nullptr;
  return std::move(result->reply);
}

absl::Status SharedStoreClient::PutPrimary(ObjectId id, StoredObject object) {
  const std::string name = absl::StrCat(segment_stem_, next_segment_++);
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      SharedSegment::CreateWith(name, object.data.view());
  if (!segment.ok()) return segment.status();
  rpc::StorePutRequest request;
  *request.mutable_id() = ToProto(id);
  request.set_segment(name);
  request.set_synthetic_bytes(object.synthetic_bytes);
  absl::StatusOr<rpc::StorePutReply> reply = CallAndWait<PutObject>(request);
  if (!reply.ok()) return reply.status();  // the segment is unlinked
  // The service has the segment (or has unlinked it, refusing the object).
  (*segment)->Release();
  return absl::Status(static_cast<absl::StatusCode>(reply->code()),
                      reply->message());
}

std::optional<StoredObject> SharedStoreClient::Get(ObjectId id) {
  rpc::StoreGetRequest request;
  *request.mutable_id() = ToProto(id);
  absl::StatusOr<rpc::StoreGetReply> reply = CallAndWait<GetObject>(request);
  if (!reply.ok() || !reply->found()) return std::nullopt;
  // The store may free the object between its answer and our mapping: then
  // the name is gone, and the object is as absent as if it had not answered.
  absl::StatusOr<std::shared_ptr<SharedSegment>> segment =
      SharedSegment::Open(reply->segment(), /*unlink_at_end=*/false);
  if (!segment.ok() ||
      static_cast<int64_t>((*segment)->size()) != reply->size()) {
    return std::nullopt;
  }
  return StoredObject{SharedSegment::AsBytes(*segment),
                      reply->synthetic_bytes()};
}

}  // namespace miniray
