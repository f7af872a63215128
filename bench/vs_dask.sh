#!/usr/bin/env bash
# miniray's real cluster against Dask distributed, side by side, in one run:
# no-op task throughput, sequential round-trip latency, actor calls, a
# 100 MiB put/get on the driver (scatter/gather for Dask), and a 1 GiB object
# made on one node and read on the other (the `transfer` program).
#
#   bazel build //:miniray && bench/vs_dask.sh        # or: bazel run //bench:vs_dask
#
# miniray: bench/scenarios/*.textproto through `miniray local --json` (a head
# and one worker node, 2 CPUs each; transfer pins its two tasks with custom
# resources and gives the nodes 3 GiB stores). Dask: bench/dask_bench.py on
# LocalCluster(n_workers=2, threads_per_worker=1, processes=True), run with
# Debian's /usr/bin/python3 (package python3-distributed). Benchmarks, not
# tests: figures depend on the machine and its load.
set -euo pipefail
# Under `bazel run`, work in the source tree.
cd "${BUILD_WORKSPACE_DIRECTORY:-$(dirname "$0")/..}"

miniray=bazel-bin/miniray
python=/usr/bin/python3
[ -x "$miniray" ] || { echo "vs_dask: build first: bazel build //:miniray" >&2; exit 2; }
"$python" -c 'import distributed' 2>/dev/null ||
  { echo "vs_dask: needs python3-distributed (apt-get install -y python3-distributed)" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

benches="noop_tasks task_latency actor_calls put_get transfer"
for bench in $benches; do
  echo "vs_dask: miniray $bench ..." >&2
  "$miniray" local "bench/scenarios/$bench.textproto" --json 2>"$out/$bench.err" >"$out/$bench.json" ||
    { cat "$out/$bench.err" >&2; exit 1; }
done
echo "vs_dask: dask ..." >&2
"$python" bench/dask_bench.py --tasks 10000 --round_trips 1000 --calls 10000 --mib 100 \
  --transfer_mib 1024 \
  2>"$out/dask.err" >"$out/dask.json" || { cat "$out/dask.err" >&2; exit 1; }

"$python" - "$out" $benches <<'EOF'
import json, re, sys
out = sys.argv[1]
mr = {b: json.load(open(f"{out}/{b}.json"))["result"] for b in sys.argv[2:]}
dask = json.load(open(f"{out}/dask.json"))

def num(pattern, text):
    return float(re.search(pattern, text).group(1))

rows = [  # (figure, miniray, dask, higher is better)
    ("no-op tasks/s", num(r": (\d+) tasks/s", mr["noop_tasks"]), dask["noop_tasks"]["per_s"], True),
    ("round trip p50 (us)", num(r"p50 (\d+) us", mr["task_latency"]), dask["task_latency"]["p50_us"], False),
    ("round trip p99 (us)", num(r"p99 (\d+) us", mr["task_latency"]), dask["task_latency"]["p99_us"], False),
    ("actor calls/s", num(r": (\d+) calls/s", mr["actor_calls"]), dask["actor_calls"]["per_s"], True),
    ("100 MiB put+get (GB/s)", num(r"put\+get ([\d.]+) GB/s", mr["put_get"]), dask["put_get"]["put_get_gbps"], True),
    ("1 GiB transfer (GB/s)", num(r"s, ([\d.]+) GB/s", mr["transfer"]), dask["transfer"]["gbps"], True),
]
print(f"{'figure':<24}{'miniray':>12}{'dask':>12}{'miniray better by':>20}")
for name, m, d, higher in rows:
    better = m / d if higher else d / m
    fmt = "{:>12.2f}" if m < 100 else "{:>12.0f}"
    print(f"{name:<24}" + fmt.format(m) + fmt.format(d) + f"{better:>19.1f}x")
print()
for bench, result in mr.items():
    print(f"miniray {bench}: {result}")
print(f"dask: {json.dumps(dask)}")
EOF
