// Real transport speed on loopback: GrpcTransport round-trip latency, call
// throughput with many calls in flight, and bulk throughput of 1 MiB
// payloads, all in one process (a client and a server transport, each on
// its own event loop, as two processes would be).
//
//   bazel run -c opt //bench:rpc_bench
//   bazel run -c opt //bench:rpc_bench -- --calls=100000 --in_flight=512
//   bazel run -c opt //bench:rpc_bench -- --idle_spin_us=0   # loops sleep at
//   once
//
// Each figure runs its calls from the client's loop: a reply's callback
// starts the next call, so no other thread is in the way. Prints one line
// per figure.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gflags/gflags.h"
#include "glog/logging.h"
#include "src/runtime/real/grpc_transport.h"

DEFINE_int32(latency_calls, 10000, "Sequential small calls for latency.");
DEFINE_int32(calls, 50000, "Small calls for the throughput figure.");
DEFINE_int32(in_flight, 256, "Calls in flight for the throughput figure.");
DEFINE_int32(bulk_calls, 2000, "1 MiB calls for the bulk figure.");
DEFINE_int32(bulk_in_flight, 8, "1 MiB calls in flight.");
DEFINE_int64(idle_spin_us, -1,
             "How long the two event loops poll before sleeping when idle "
             "(EventLoop::IdleSpin::max); -1 keeps EventLoop's default, 0 "
             "turns the spin off.");

namespace miniray {
namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

EventLoop::IdleSpin IdleSpin() {
  EventLoop::IdleSpin spin;
  if (FLAGS_idle_spin_us >= 0)
    spin.max = absl::Microseconds(FLAGS_idle_spin_us);
  return spin;
}

// A client and a server on loopback, with the cluster token on, as in a
// real cluster.

struct Pair {
  EventLoop server_loop{"bench-server", IdleSpin()};
  EventLoop client_loop{"bench-client", IdleSpin()};
  GrpcTransport server{server_loop, {.token = "bench-token"}};
  GrpcTransport client{client_loop, {.token = "bench-token"}};
  Address address;
  // When the server's handler last ran (on the server's loop), in steady
  // clock nanoseconds: splits a round trip into its two legs.
  std::atomic<int64_t> handled_ns{0};

  Pair() {
    // Small requests are echoed; large ones get an empty reply, so bulk
    // bytes cross once, as an object transfer's do.
    auto bound = server.ListenAndGetAddress(
        "127.0.0.1:0",
        [this](absl::string_view, Payload request, ReplyCallback reply) {
          handled_ns.store(NowNs());
          reply(request.size() > 4096 ? std::string() : request.Flatten());
        });
    CHECK(bound.ok()) << bound.status();
    address = *bound;
  }
};

// Runs `total` calls of `payload` with `in_flight` at a time from the
// client's loop; calls `on_done(i, start)` for each reply. Returns seconds.
double RunCalls(Pair& pair, int total, int in_flight,
                const std::string& payload,
                const std::function<void(SteadyClock::time_point)>& on_done) {
  int started = 0, finished = 0, failed = 0;
  absl::Notification all_done;
  std::function<void()> start_one = [&] {
    ++started;
    const SteadyClock::time_point sent = SteadyClock::now();
    pair.client.Call("bench-client:0", pair.address, "Bench.Echo", payload, {},
                     [&, sent](absl::StatusOr<std::string> reply) {
                       if (!reply.ok()) ++failed;
                       if (on_done) on_done(sent);
                       if (started < total) start_one();
                       // The last touch: RunCalls returns, and its locals
                       // go, once this notifies.
                       if (++finished == total) all_done.Notify();
                     });
  };
  const SteadyClock::time_point start = SteadyClock::now();
  pair.client_loop.Post([&] {
    for (int i = 0; i < std::min(in_flight, total); ++i) start_one();
  });
  all_done.WaitForNotification();
  const double seconds = SecondsSince(start);
  CHECK_EQ(failed, 0) << "calls failed";
  return seconds;
}

// The p-th quantile of `values`, which it sorts.
double Quantile(std::vector<double>& values, double q) {
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) * q];
}

// Round trips one at a time. Each is split where the server's handler runs
// (one process, so both sides read the same clock): the request leg is the
// client's Call to the handler on the server's loop, the reply leg the
// handler to the reply callback on the client's loop.
void Latency(Pair& pair) {
  std::vector<double> total, request, reply;
  total.reserve(FLAGS_latency_calls);
  RunCalls(pair, FLAGS_latency_calls, 1, "ping",
           [&](SteadyClock::time_point sent) {
             const int64_t now = NowNs();
             const int64_t sent_ns =
                 std::chrono::duration_cast<std::chrono::nanoseconds>(
                     sent.time_since_epoch())
                     .count();
             const int64_t handled = pair.handled_ns.load();
             total.push_back((now - sent_ns) / 1e3);
             request.push_back((handled - sent_ns) / 1e3);
             reply.push_back((now - handled) / 1e3);
           });
  const double max = *std::max_element(total.begin(), total.end());
  std::printf(
      "rpc_bench latency: %d sequential 4 B calls, p50 %.1f us, p99 %.1f us, "
      "max %.1f us (request leg p50 %.1f us, reply leg p50 %.1f us)\n",
      FLAGS_latency_calls, Quantile(total, 0.5), Quantile(total, 0.99), max,
      Quantile(request, 0.5), Quantile(reply, 0.5));
}

void Throughput(Pair& pair) {
  const double seconds =
      RunCalls(pair, FLAGS_calls, FLAGS_in_flight, "ping", nullptr);
  std::printf(
      "rpc_bench throughput: %d 4 B calls, %d in flight, %.2f s, "
      "%.0f calls/s\n",
      FLAGS_calls, FLAGS_in_flight, seconds, FLAGS_calls / seconds);
}

void Bulk(Pair& pair) {
  const std::string payload(1 << 20, 'x');
  const double seconds =
      RunCalls(pair, FLAGS_bulk_calls, FLAGS_bulk_in_flight, payload, nullptr);
  const double bytes = static_cast<double>(FLAGS_bulk_calls) * payload.size();
  std::printf(
      "rpc_bench bulk: %d 1 MiB calls, %d in flight, %.2f s, %.2f GB/s "
      "(%.2f GiB/s)\n",
      FLAGS_bulk_calls, FLAGS_bulk_in_flight, seconds, bytes / seconds / 1e9,
      bytes / seconds / (1 << 30));
}

}  // namespace
}  // namespace miniray

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);
  miniray::Pair pair;
  // Warm up: connect, and let gRPC size its buffers.
  miniray::RunCalls(pair, 1000, 16, "ping", nullptr);
  miniray::Latency(pair);
  miniray::Throughput(pair);
  miniray::Bulk(pair);
  return 0;
}
