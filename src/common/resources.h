// ResourceSet: amounts of named resources ("CPU", "GPU", custom names).
//
//   ResourceSet node = ResourceSet::FromMap({{"CPU", 4}, {"GPU", 1}});
//   ResourceSet task = ResourceSet::FromMap({{"CPU", 1}});
//   if (task.IsSubsetOf(node)) node.Subtract(task);   // node: {CPU: 3, GPU: 1}
//
// Entries are kept sorted by name and zero amounts are dropped, so equal sets
// compare and print equally. Amounts are doubles (a task may ask for 0.5
// CPU); comparisons allow a tiny epsilon for rounding.
#ifndef MINIRAY_COMMON_RESOURCES_H_
#define MINIRAY_COMMON_RESOURCES_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/proto/miniray.pb.h"

namespace miniray {

class ResourceSet {
 public:
  ResourceSet() = default;
  static ResourceSet FromMap(const std::map<std::string, double>& amounts);
  static ResourceSet FromProto(const rpc::ResourcesProto& proto);
  rpc::ResourcesProto ToProto() const;
  // As FromProto, reusing this set's storage (the cluster view applies
  // thousands of these per broadcast).
  void AssignFromProto(const rpc::ResourcesProto& proto);

  double Get(absl::string_view name) const;
  void Set(absl::string_view name, double amount);

  // Every amount here is at most the same resource's amount in `other`.
  bool IsSubsetOf(const ResourceSet& other) const;
  void Add(const ResourceSet& other);
  // Subtracts, clamping at zero.
  void Subtract(const ResourceSet& other);

  bool empty() const { return entries_.empty(); }
  const std::vector<std::pair<std::string, double>>& entries() const {
    return entries_;
  }
  // "{CPU: 2, GPU: 1}"
  std::string ToString() const;

  friend bool operator==(const ResourceSet& a, const ResourceSet& b) {
    return a.ToString() == b.ToString();
  }

 private:
  std::vector<std::pair<std::string, double>> entries_;  // sorted, amounts > 0
};

}  // namespace miniray

#endif  // MINIRAY_COMMON_RESOURCES_H_
