#include "src/runtime/sim/sim_network.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "glog/logging.h"
#include "src/runtime/rng.h"

namespace miniray {
namespace {

// Framing and headers a real RPC adds to its payload.
constexpr int64_t kHeaderBytes = 64;

uint64_t PairKey(uint32_t a, uint32_t b) {
  return (static_cast<uint64_t>(a) << 32) | b;
}

absl::string_view HostPart(absl::string_view address) {
  const size_t colon = address.rfind(':');
  return colon == absl::string_view::npos ? address : address.substr(0, colon);
}

}  // namespace

SimNetwork::SimNetwork(SimLoop& loop, Options options, uint64_t seed)
    : loop_(loop), options_(options),
      rng_(std::make_unique<Rng>(seed, "network")) {}

SimNetwork::~SimNetwork() = default;

void SimNetwork::SetLink(absl::string_view a, absl::string_view b,
                         absl::Duration latency, double bandwidth_bytes_per_s) {
  const uint32_t ha = HostOf(a), hb = HostOf(b);
  link_models_[PairKey(std::min(ha, hb), std::max(ha, hb))] =
      Link{latency, bandwidth_bytes_per_s};
}

void SimNetwork::SetHostUp(absl::string_view host, bool up) {
  const uint32_t h = HostOf(host);
  if (up) {
    hosts_down_.erase(h);
  } else {
    hosts_down_.insert(h);
  }
}

void SimNetwork::SetCut(absl::string_view from, absl::string_view to,
                        bool cut) {
  const uint64_t key = PairKey(HostOf(from), HostOf(to));
  if (cut) {
    cuts_.try_emplace(key);
    return;
  }
  auto it = cuts_.find(key);
  if (it == cuts_.end()) return;
  std::vector<Held> held = std::move(it->second);
  cuts_.erase(it);
  for (Held& message : held) {
    Send(HostOf(from), HostOf(to), message.bytes, std::move(message.arrive),
         std::move(message.lost));
  }
}

void SimNetwork::SetMessageFaults(absl::string_view from, absl::string_view to,
                                  const MessageFaults& faults) {
  if (from.empty() && to.empty()) {
    all_faults_ = faults;
  } else {
    link_faults_[PairKey(HostOf(from), HostOf(to))] = faults;
  }
}

const SimNetwork::MessageFaults* SimNetwork::FaultsOn(uint32_t src,
                                                      uint32_t dst) const {
  if (!link_faults_.empty()) {
    auto it = link_faults_.find(PairKey(src, dst));
    if (it != link_faults_.end()) return &it->second;
  }
  return all_faults_.has_value() ? &*all_faults_ : nullptr;
}

void SimNetwork::ResetCallsTo(const Address& address) {
  std::vector<uint64_t> reset;
  for (const auto& [id, call] : pending_) {
    if (call.delivered && call.to == address) reset.push_back(id);
  }
  std::sort(reset.begin(), reset.end());  // deterministic order
  for (uint64_t id : reset) {
    const PendingCall& call = pending_.at(id);
    SendReply(id, HostOf(call.to), HostOf(call.from),
              absl::UnavailableError(absl::StrCat(
                  "connection reset: the process at ", address, " died")));
  }
}

void SimNetwork::Send(uint32_t src, uint32_t dst, int64_t bytes,
                      std::function<void()> arrive, std::function<void()> lost,
                      std::function<void()> duplicate) {
  if (hosts_down_.contains(src) || hosts_down_.contains(dst)) return;
  if (!cuts_.empty()) {
    auto cut = cuts_.find(PairKey(src, dst));
    if (cut != cuts_.end()) {
      ++stats_.held;
      cut->second.push_back(Held{bytes, std::move(arrive), std::move(lost)});
      return;
    }
  }
  absl::Time arrival = Transmit(src, dst, bytes);
  const MessageFaults* faults = FaultsOn(src, dst);
  if (faults != nullptr) {
    if (faults->drop > 0 && rng_->UniformDouble() < faults->drop) {
      ++stats_.dropped;
      loop_.Mix(0xd10b);
      if (lost) loop_.RunAt(arrival + LinkBetween(dst, src).latency, std::move(lost));
      return;
    }
    if (faults->delay > 0 && rng_->UniformDouble() < faults->delay) {
      ++stats_.delayed;
      arrival += faults->max_delay * rng_->UniformDouble();
    }
    if (duplicate && faults->duplicate > 0 &&
        rng_->UniformDouble() < faults->duplicate) {
      ++stats_.duplicated;
      // The copy arrives right after the original.
      loop_.RunAt(arrival, std::move(arrive));
      loop_.RunAt(arrival + absl::Nanoseconds(1), std::move(duplicate));
      return;
    }
  }
  loop_.RunAt(arrival, std::move(arrive));
}

absl::Status SimNetwork::Listen(const Address& address,
                                RequestHandler handler) {
  HostOf(address);
  if (!endpoints_.emplace(address, std::move(handler)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("something already listens on ", address));
  }
  return absl::OkStatus();
}

void SimNetwork::Close(const Address& address) { endpoints_.erase(address); }

uint32_t SimNetwork::HostOf(absl::string_view address) {
  absl::string_view host = HostPart(address);
  auto it = hosts_.find(host);
  if (it != hosts_.end()) return it->second;
  const uint32_t index = hosts_.size();
  hosts_.emplace(std::string(host), index);
  return index;
}

SimNetwork::Link& SimNetwork::LinkBetween(uint32_t src, uint32_t dst) {
  auto [it, inserted] = links_.try_emplace(PairKey(src, dst));
  if (inserted) {
    auto model = link_models_.find(PairKey(std::min(src, dst), std::max(src, dst)));
    if (model != link_models_.end()) {
      it->second = model->second;
    } else if (src == dst) {
      it->second = Link{options_.local_latency, 0};  // no bandwidth limit
    } else {
      it->second = Link{options_.latency, options_.bandwidth_bytes_per_s};
    }
    it->second.busy_until_ns = 0;
  }
  return it->second;
}

absl::Time SimNetwork::Transmit(uint32_t src, uint32_t dst, int64_t bytes) {
  Link& link = LinkBetween(src, dst);
  ++stats_.messages;
  stats_.bytes += bytes;
  if (src != dst) stats_.bytes_between_hosts += bytes;
  const int64_t now_ns = absl::ToInt64Nanoseconds(loop_.elapsed());
  int64_t sent_ns = now_ns;
  if (link.bandwidth_bytes_per_s > 0) {
    const int64_t start_ns = std::max(now_ns, link.busy_until_ns);
    const double wire_ns = bytes * 1e9 / link.bandwidth_bytes_per_s;
    sent_ns = start_ns + static_cast<int64_t>(std::ceil(wire_ns));
    link.busy_until_ns = sent_ns;
  }
  return absl::UnixEpoch() + absl::Nanoseconds(sent_ns) + link.latency;
}

void SimNetwork::Call(const Address& from, const Address& to,
                      absl::string_view method, Payload request,
                      const CallOptions& options, ReplyCallback on_reply) {
  const uint32_t src = HostOf(from), dst = HostOf(to);
  loop_.Mix(StableHash(method));
  loop_.Mix(StableHash(to));
  // The hash of the bytes, whatever pieces they come in.
  loop_.Mix(request.pieces().size() == 1 ? StableHash(request.pieces()[0].view())
                                         : StableHash(request.Flatten()));
  const uint64_t call_id = next_call_id_++;
  if (on_reply) {
    PendingCall& call = pending_[call_id];
    call.on_reply = std::move(on_reply);
    call.from = from;
    call.to = to;
    if (options.timeout != absl::InfiniteDuration()) {
      call.timeout_timer = loop_.RunAfter(options.timeout, [this, call_id] {
        Complete(call_id, absl::DeadlineExceededError("no reply in time"));
      });
    }
  }
  const int64_t bytes = kHeaderBytes + method.size() + request.size() +
                        options.synthetic_bytes;
  // A duplicate is delivered as a call nobody waits for: the caller gets
  // the first copy's reply. Both share the request's bytes.
  std::function<void()> duplicate;
  if (all_faults_.has_value() || !link_faults_.empty()) {
    duplicate = [this, from, to, method = std::string(method), request] {
      Deliver(/*call_id=*/0, from, to, method, request);
    };
  }
  Send(src, dst, bytes,
       [this, call_id, from, to, method = std::string(method),
        request = std::move(request)] {
         Deliver(call_id, from, to, method, request);
       },
       [this, call_id] {
         Complete(call_id, absl::UnavailableError(
                               "connection lost: the request was dropped"));
       },
       std::move(duplicate));
}

void SimNetwork::Deliver(uint64_t call_id, const Address& from,
                         const Address& to, const std::string& method,
                         Payload request) {
  const uint32_t src = HostOf(from), dst = HostOf(to);
  if (hosts_down_.contains(dst)) return;  // died while the message flew
  auto endpoint = endpoints_.find(to);
  if (endpoint == endpoints_.end()) {
    SendReply(call_id, dst, src,
              absl::UnavailableError(absl::StrCat("nothing listens on ", to)));
    return;
  }
  auto pending = pending_.find(call_id);
  const bool wanted = pending != pending_.end();
  ReplyCallback reply;
  if (wanted) {
    pending->second.delivered = true;
    reply = [this, call_id, src, dst](absl::StatusOr<std::string> r) {
      SendReply(call_id, dst, src, std::move(r));
    };
  } else {
    reply = [](absl::StatusOr<std::string>) {};
  }
  // Copy the handler: it may close its own endpoint while it runs.
  RequestHandler handler = endpoint->second;
  handler(method, std::move(request), std::move(reply));
}

void SimNetwork::SendReply(uint64_t call_id, uint32_t src, uint32_t dst,
                           absl::StatusOr<std::string> reply) {
  if (!pending_.contains(call_id)) return;  // timed out, or nobody waits
  if (hosts_down_.contains(src) || hosts_down_.contains(dst)) return;
  const int64_t bytes =
      kHeaderBytes + (reply.ok() ? reply->size() : reply.status().message().size());
  loop_.Mix(reply.ok() ? StableHash(*reply) : reply.status().raw_code());
  auto reply_ptr = std::make_shared<absl::StatusOr<std::string>>(std::move(reply));
  Send(src, dst, bytes,
       [this, call_id, reply_ptr] { Complete(call_id, std::move(*reply_ptr)); },
       [this, call_id] {
         Complete(call_id, absl::UnavailableError(
                               "connection lost: the reply was dropped"));
       });
}

void SimNetwork::Complete(uint64_t call_id, absl::StatusOr<std::string> reply) {
  auto it = pending_.find(call_id);
  if (it == pending_.end()) return;
  PendingCall call = std::move(it->second);
  pending_.erase(it);
  loop_.Cancel(call.timeout_timer);
  // A caller that stopped listening is gone: its process died.
  if (!endpoints_.contains(call.from)) return;
  call.on_reply(std::move(reply));
}

}  // namespace miniray
