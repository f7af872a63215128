// Real transport speed on loopback: GrpcTransport round-trip latency, call
// throughput with many calls in flight, and bulk throughput of 1 MiB
// payloads, all in one process (a client and a server transport, each on
// its own event loop, as two processes would be).
//
//   bazel run -c opt //bench:rpc_bench
//   bazel run -c opt //bench:rpc_bench -- --calls=100000 --in_flight=512
//
// Each figure runs its calls from the client's loop: a reply's callback
// starts the next call, so no other thread is in the way. Prints one line
// per figure.
#include <algorithm>
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

namespace miniray {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// A client and a server on loopback, with the cluster token on, as in a
// real cluster.
struct Pair {
  EventLoop server_loop{"bench-server"};
  EventLoop client_loop{"bench-client"};
  GrpcTransport server{server_loop, {.token = "bench-token"}};
  GrpcTransport client{client_loop, {.token = "bench-token"}};
  Address address;

  Pair() {
    // Small requests are echoed; large ones get an empty reply, so bulk
    // bytes cross once, as an object transfer's do.
    auto bound = server.ListenAndGetAddress(
        "127.0.0.1:0",
        [](absl::string_view, std::string request, ReplyCallback reply) {
          reply(request.size() > 4096 ? std::string() : std::move(request));
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

void Latency(Pair& pair) {
  std::vector<double> micros;
  micros.reserve(FLAGS_latency_calls);
  RunCalls(
      pair, FLAGS_latency_calls, 1, "ping", [&](SteadyClock::time_point sent) {
        micros.push_back(
            std::chrono::duration<double, std::micro>(SteadyClock::now() - sent)
                .count());
      });
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[(micros.size() - 1) * q]; };
  std::printf(
      "rpc_bench latency: %d sequential 4 B calls, p50 %.1f us, p99 %.1f us, "
      "max %.1f us\n",
      FLAGS_latency_calls, at(0.5), at(0.99), micros.back());
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
