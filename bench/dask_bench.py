"""The Dask side of bench/vs_dask.sh: the same measurements as the
miniray programs in src/programs/bench_programs.cc, on
LocalCluster(n_workers=2, threads_per_worker=1, processes=True).

Run with Debian's python (python3-distributed): /usr/bin/python3 bench/dask_bench.py
Prints one JSON object: {"noop_tasks": {...}, "task_latency": {...}, ...}.
"""
import argparse
import json
import time

from distributed import Client, LocalCluster, wait


def noop(x):
    return x


def blob_size(blob):
    return len(blob)


def make_blob(nbytes):
    return b"x" * nbytes


class Counter:
    def __init__(self):
        self.count = 0

    def increment(self):
        self.count += 1
        return self.count


def noop_tasks(client, n):
    client.submit(noop, 0, pure=False).result()  # warm-up
    start = time.perf_counter()
    futures = [client.submit(noop, i, pure=False) for i in range(n)]
    client.gather(futures)
    seconds = time.perf_counter() - start
    return {"n": n, "seconds": seconds, "per_s": n / seconds}


def task_latency(client, n):
    for _ in range(10):  # warm-up
        client.submit(noop, 0, pure=False).result()
    round_trips_us = []
    for i in range(n):
        start = time.perf_counter()
        client.submit(noop, i, pure=False).result()
        round_trips_us.append((time.perf_counter() - start) * 1e6)
    round_trips_us.sort()
    return {
        "n": n,
        "p50_us": round_trips_us[int(0.50 * (n - 1))],
        "p99_us": round_trips_us[int(0.99 * (n - 1))],
    }


def actor_calls(client, n):
    counter = client.submit(Counter, actor=True).result()
    counter.increment().result()  # warm-up
    start = time.perf_counter()
    futures = [counter.increment() for _ in range(n)]
    for f in futures:
        f.result()
    seconds = time.perf_counter() - start
    return {"n": n, "seconds": seconds, "per_s": n / seconds}


def put_get(client, mib, remote):
    nbytes = mib << 20
    blob = b"x" * nbytes
    start = time.perf_counter()
    [future] = client.scatter([blob])
    put_done = time.perf_counter()
    back = future.result()
    get_done = time.perf_counter()
    assert len(back) == nbytes
    result = {
        "mib": mib,
        "put_s": put_done - start,
        "get_s": get_done - put_done,
        "put_get_gbps": nbytes / (get_done - start) / 1e9,
    }
    if remote:
        # Read it in a task on a worker that does not hold it.
        holders = client.who_has([future])[future.key]
        others = [w for w in client.scheduler_info()["workers"] if w not in holders]
        start = time.perf_counter()
        size = client.submit(blob_size, future, workers=others[:1], pure=False).result()
        seconds = time.perf_counter() - start
        assert size == nbytes
        result["remote_gbps"] = nbytes / seconds / 1e9
    return result


def transfer(client, mib):
    """A task on one worker makes a blob; once it exists, a task on the other
    worker reads it (miniray's `transfer` program)."""
    nbytes = mib << 20
    first, second = sorted(client.scheduler_info()["workers"])[:2]
    blob = client.submit(make_blob, nbytes, workers=[first], pure=False)
    wait([blob])
    start = time.perf_counter()
    size = client.submit(blob_size, blob, workers=[second], pure=False).result()
    seconds = time.perf_counter() - start
    assert size == nbytes
    return {"mib": mib, "seconds": seconds, "gbps": nbytes / seconds / 1e9}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--round_trips", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=10000)
    parser.add_argument("--mib", type=int, default=100)
    parser.add_argument("--remote", type=int, default=0)
    parser.add_argument("--transfer_mib", type=int, default=0,
                        help="also time a blob of this size between the workers")
    args = parser.parse_args()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        results = {
            "noop_tasks": noop_tasks(client, args.tasks),
            "task_latency": task_latency(client, args.round_trips),
            "actor_calls": actor_calls(client, args.calls),
            "put_get": put_get(client, args.mib, args.remote),
        }
        if args.transfer_mib > 0:
            results["transfer"] = transfer(client, args.transfer_mib)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
