#include "src/runtime/sim/sim_network.h"

#include <algorithm>
#include <cmath>
#include <utility>

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

SimNetwork::SimNetwork(SimLoop& loop, Options options)
    : loop_(loop), options_(options) {}

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
                      absl::string_view method, std::string request,
                      const CallOptions& options, ReplyCallback on_reply) {
  const uint32_t src = HostOf(from), dst = HostOf(to);
  loop_.Mix(StableHash(method));
  loop_.Mix(StableHash(to));
  loop_.Mix(StableHash(request));
  const uint64_t call_id = next_call_id_++;
  if (on_reply) {
    PendingCall& call = pending_[call_id];
    call.on_reply = std::move(on_reply);
    call.from = from;
    if (options.timeout != absl::InfiniteDuration()) {
      call.timeout_timer = loop_.RunAfter(options.timeout, [this, call_id] {
        Complete(call_id, absl::DeadlineExceededError("no reply in time"));
      });
    }
  }
  if (hosts_down_.contains(src) || hosts_down_.contains(dst)) return;
  const int64_t bytes = kHeaderBytes + method.size() + request.size() +
                        options.synthetic_bytes;
  const absl::Time arrival = Transmit(src, dst, bytes);
  loop_.RunAt(arrival, [this, call_id, from, to, method = std::string(method),
                        request = std::move(request)]() mutable {
    Deliver(call_id, from, to, method, std::move(request));
  });
}

void SimNetwork::Deliver(uint64_t call_id, const Address& from,
                         const Address& to, const std::string& method,
                         std::string request) {
  const uint32_t src = HostOf(from), dst = HostOf(to);
  if (hosts_down_.contains(dst)) return;  // died while the message flew
  auto endpoint = endpoints_.find(to);
  if (endpoint == endpoints_.end()) {
    SendReply(call_id, dst, src,
              absl::UnavailableError(absl::StrCat("nothing listens on ", to)));
    return;
  }
  const bool wanted = pending_.contains(call_id);
  ReplyCallback reply;
  if (wanted) {
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
  const absl::Time arrival = Transmit(src, dst, bytes);
  loop_.RunAt(arrival, [this, call_id, reply = std::move(reply)]() mutable {
    Complete(call_id, std::move(reply));
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
