// Identifiers of nodes, workers, tasks and objects.
//
// As in Ray, an object's id is derived from the task that creates it, so the
// owner of an object can always tell which task to re-run to rebuild it:
//
//   TaskId task{/*worker=*/worker_id, /*seq=*/17};
//   ObjectId first_return = ObjectId::ForReturn(task, 1);   // "3.17.1"
//   ObjectId put = ObjectId::ForPut(worker_id, 18);          // "3.18.0"
//
// Ids are small value types: cheap to copy, hashable, ordered (so containers
// that must iterate deterministically can use std::map), and printable.
#ifndef MINIRAY_COMMON_IDS_H_
#define MINIRAY_COMMON_IDS_H_

#include <cstdint>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace miniray {

// Nodes are numbered by the GCS in order of registration, from 0 (the head).
using NodeId = uint32_t;
inline constexpr NodeId kNoNode = UINT32_MAX;

// A worker (or driver) process. The high 32 bits are the node the worker was
// started on, the low 32 bits a counter local to that node, from 1.
using WorkerId = uint64_t;
inline WorkerId MakeWorkerId(NodeId node, uint32_t local) {
  return (static_cast<uint64_t>(node) << 32) | local;
}
inline NodeId NodeOfWorker(WorkerId worker) {
  return static_cast<NodeId>(worker >> 32);
}

// A task, named by the worker that submitted it and that worker's counter.
struct TaskId {
  WorkerId worker = 0;
  uint64_t seq = 0;

  friend bool operator==(const TaskId& a, const TaskId& b) {
    return a.worker == b.worker && a.seq == b.seq;
  }
  friend bool operator!=(const TaskId& a, const TaskId& b) { return !(a == b); }
  friend bool operator<(const TaskId& a, const TaskId& b) {
    return std::tie(a.worker, a.seq) < std::tie(b.worker, b.seq);
  }
  template <typename H>
  friend H AbslHashValue(H h, const TaskId& id) {
    return H::combine(std::move(h), id.worker, id.seq);
  }
  // "N.L.S": node, local worker counter, sequence number.
  std::string ToString() const {
    return absl::StrCat(NodeOfWorker(worker), ".", worker & 0xffffffffu, ".",
                        seq);
  }
};

// An object: the `index`-th return value (from 1) of task `task`, or, with
// index 0, the object stored by a Put that was given the id `task`.
struct ObjectId {
  TaskId task;
  uint32_t index = 0;

  static ObjectId ForReturn(TaskId task, uint32_t index) {
    return ObjectId{task, index};
  }
  static ObjectId ForPut(WorkerId worker, uint64_t seq) {
    return ObjectId{TaskId{worker, seq}, 0};
  }
  bool IsPut() const { return index == 0; }

  friend bool operator==(const ObjectId& a, const ObjectId& b) {
    return a.task == b.task && a.index == b.index;
  }
  friend bool operator!=(const ObjectId& a, const ObjectId& b) {
    return !(a == b);
  }
  friend bool operator<(const ObjectId& a, const ObjectId& b) {
    return std::tie(a.task, a.index) < std::tie(b.task, b.index);
  }
  template <typename H>
  friend H AbslHashValue(H h, const ObjectId& id) {
    return H::combine(std::move(h), id.task, id.index);
  }
  std::string ToString() const {
    return absl::StrCat(task.ToString(), ".", index);
  }
};

}  // namespace miniray

#endif  // MINIRAY_COMMON_IDS_H_
