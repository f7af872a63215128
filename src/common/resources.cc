#include "src/common/resources.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace miniray {
namespace {
constexpr double kEpsilon = 1e-9;
}  // namespace

ResourceSet ResourceSet::FromMap(const std::map<std::string, double>& amounts) {
  ResourceSet set;
  for (const auto& [name, amount] : amounts) set.Set(name, amount);
  return set;
}

ResourceSet ResourceSet::FromProto(const rpc::ResourcesProto& proto) {
  ResourceSet set;
  const int n = std::min(proto.name_size(), proto.amount_size());
  for (int i = 0; i < n; ++i) set.Set(proto.name(i), proto.amount(i));
  return set;
}

void ResourceSet::AssignFromProto(const rpc::ResourcesProto& proto) {
  const int n = std::min(proto.name_size(), proto.amount_size());
  // Fast path: same names in the same (sorted) order, as a node's resources
  // are from one report to the next. Zero amounts are dropped as in Set.
  bool same = true;
  size_t kept = 0;
  for (int i = 0; i < n && same; ++i) {
    if (proto.amount(i) <= kEpsilon) continue;
    same = kept < entries_.size() && entries_[kept].first == proto.name(i);
    ++kept;
  }
  if (!same || kept != entries_.size()) {
    *this = FromProto(proto);
    return;
  }
  kept = 0;
  for (int i = 0; i < n; ++i) {
    if (proto.amount(i) <= kEpsilon) continue;
    entries_[kept++].second = proto.amount(i);
  }
}

rpc::ResourcesProto ResourceSet::ToProto() const {
  rpc::ResourcesProto proto;
  for (const auto& [name, amount] : entries_) {
    proto.add_name(name);
    proto.add_amount(amount);
  }
  return proto;
}

double ResourceSet::Get(absl::string_view name) const {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), name,
      [](const auto& entry, absl::string_view n) { return entry.first < n; });
  return it != entries_.end() && it->first == name ? it->second : 0.0;
}

void ResourceSet::Set(absl::string_view name, double amount) {
  auto it = std::lower_bound(
      entries_.begin(), entries_.end(), name,
      [](const auto& entry, absl::string_view n) { return entry.first < n; });
  const bool present = it != entries_.end() && it->first == name;
  if (amount <= kEpsilon) {
    if (present) entries_.erase(it);
    return;
  }
  if (present) {
    it->second = amount;
  } else {
    entries_.insert(it, {std::string(name), amount});
  }
}

bool ResourceSet::IsSubsetOf(const ResourceSet& other) const {
  for (const auto& [name, amount] : entries_) {
    if (amount > other.Get(name) + kEpsilon) return false;
  }
  return true;
}

void ResourceSet::Add(const ResourceSet& other) {
  for (const auto& [name, amount] : other.entries_) {
    Set(name, Get(name) + amount);
  }
}

void ResourceSet::Subtract(const ResourceSet& other) {
  for (const auto& [name, amount] : other.entries_) {
    Set(name, std::max(0.0, Get(name) - amount));
  }
}

std::string ResourceSet::ToString() const {
  return absl::StrCat(
      "{",
      absl::StrJoin(entries_, ", ",
                    [](std::string* out, const auto& entry) {
                      absl::StrAppend(out, entry.first, ": ", entry.second);
                    }),
      "}");
}

}  // namespace miniray
