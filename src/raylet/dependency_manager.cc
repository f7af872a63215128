#include "src/raylet/dependency_manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "src/rpc/convert.h"

namespace miniray {

DependencyManager::~DependencyManager() {
  for (auto& [seq, request] : requests_) clock_.Cancel(request.admission_timer);
}

void DependencyManager::Add(
    uint64_t seq,
    const google::protobuf::RepeatedPtrField<rpc::ObjectRefProto>& deps) {
  Request& request = requests_[seq];
  request.deps.assign(deps.begin(), deps.end());
  request.admission_timer = clock_.RunAfter(
      admission_timeout_, [this, seq] { OnAdmissionTimeout(seq); });
  Admit();
}

void DependencyManager::OnAdmissionTimeout(uint64_t seq) {
  auto it = requests_.find(seq);
  if (it == requests_.end() || it->second.admitted) return;
  const ObjectStore::Stats stats = store_.stats();
  Fail(seq,
       MakeError(rpc::OBJECT_STORE_FULL,
                 absl::StrCat(
                     "the arguments of a task (", MissingBytes(it->second),
                     " bytes to pull) found no room in the object store for ",
                     absl::FormatDuration(admission_timeout_), ": ",
                     stats.used_bytes - stats.evictable_bytes, " of ",
                     stats.capacity_bytes,
                     " bytes are held by objects in use (miniray does not "
                     "spill objects to disk)")));
  Admit();
}

size_t DependencyManager::num_waiting() const {
  size_t n = 0;
  for (const auto& [seq, request] : requests_) n += request.admitted ? 0 : 1;
  return n;
}

int64_t DependencyManager::MissingBytes(const Request& request) const {
  int64_t bytes = 0;
  for (const rpc::ObjectRefProto& dep : request.deps) {
    if (!store_.Contains(FromProto(dep.id()))) bytes += dep.size();
  }
  return bytes;
}

void DependencyManager::Admit() {
  for (auto it = requests_.begin(); it != requests_.end();) {
    const uint64_t seq = it->first;
    Request& request = it->second;
    ++it;  // Start may finish the request and erase it
    if (request.admitted) continue;
    const ObjectStore::Stats stats = store_.stats();
    const int64_t missing = MissingBytes(request);
    const int64_t held = stats.used_bytes - stats.evictable_bytes;
    if (missing > stats.capacity_bytes - held - reserved_bytes_) {
      if (missing > stats.capacity_bytes) {
        Fail(seq, MakeError(rpc::OBJECT_STORE_FULL,
                            absl::StrCat("the arguments need ", missing,
                                         " bytes; the object store holds ",
                                         stats.capacity_bytes)));
        continue;
      }
      return;  // first come, first served: later requests wait too
    }
    request.admitted = true;
    clock_.Cancel(request.admission_timer);
    request.reserved_bytes = missing;
    reserved_bytes_ += missing;
    Start(seq, request);
  }
}

void DependencyManager::Start(uint64_t seq, Request& request) {
  request.pending = request.deps.size() + 1;
  for (const rpc::ObjectRefProto& dep : request.deps) {
    object_manager_.Pull(dep, [this, seq, dep](const rpc::ErrorInfo& error) {
      OnPulled(seq, dep, error);
    });
  }
  OnPulled(seq, rpc::ObjectRefProto(), rpc::ErrorInfo());  // the +1 above
}

void DependencyManager::OnPulled(uint64_t seq, const rpc::ObjectRefProto& ref,
                                 const rpc::ErrorInfo& error) {
  auto it = requests_.find(seq);
  if (it == requests_.end()) return;  // removed or failed meanwhile
  Request& request = it->second;
  if (error.type() != rpc::ERROR_NONE) {
    Fail(seq, error);
    Admit();
    return;
  }
  if (ref.has_id()) {
    const ObjectId id = FromProto(ref.id());
    // The object arrived (or was here): pin it before anything evicts it.
    store_.Pin(id);
    request.pinned.push_back(id);
    const int64_t arrived = std::min(request.reserved_bytes, ref.size());
    request.reserved_bytes -= arrived;
    reserved_bytes_ -= arrived;
  }
  if (--request.pending > 0) return;
  reserved_bytes_ -= request.reserved_bytes;
  request.reserved_bytes = 0;
  on_ready_(seq, rpc::ErrorInfo());
}

void DependencyManager::Fail(uint64_t seq, const rpc::ErrorInfo& error) {
  Erase(seq);
  on_ready_(seq, error);
}

void DependencyManager::Remove(uint64_t seq) {
  Erase(seq);
  Admit();
}

void DependencyManager::Erase(uint64_t seq) {
  auto it = requests_.find(seq);
  if (it == requests_.end()) return;
  for (ObjectId id : it->second.pinned) store_.Unpin(id);
  clock_.Cancel(it->second.admission_timer);
  reserved_bytes_ -= it->second.reserved_bytes;
  requests_.erase(it);
}

}  // namespace miniray
