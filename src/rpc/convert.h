// Conversions between the id types of src/common/ids.h and their protos.
#ifndef MINIRAY_RPC_CONVERT_H_
#define MINIRAY_RPC_CONVERT_H_

#include "src/common/ids.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

inline rpc::TaskIdProto ToProto(const TaskId& id) {
  rpc::TaskIdProto proto;
  proto.set_worker(id.worker);
  proto.set_seq(id.seq);
  return proto;
}

inline TaskId FromProto(const rpc::TaskIdProto& proto) {
  return TaskId{proto.worker(), proto.seq()};
}

inline rpc::ObjectIdProto ToProto(const ObjectId& id) {
  rpc::ObjectIdProto proto;
  *proto.mutable_task() = ToProto(id.task);
  proto.set_index(id.index);
  return proto;
}

inline ObjectId FromProto(const rpc::ObjectIdProto& proto) {
  return ObjectId{FromProto(proto.task()), proto.index()};
}

inline rpc::ErrorInfo MakeError(rpc::ErrorType type, std::string message) {
  rpc::ErrorInfo error;
  error.set_type(type);
  error.set_message(std::move(message));
  return error;
}

}  // namespace miniray

#endif  // MINIRAY_RPC_CONVERT_H_
