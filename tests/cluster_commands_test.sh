#!/usr/bin/env bash
# Proves that a cluster deployed as on real machines works end to end: a
# head and two nodes started as daemons with a token join one cluster that
# `status` lists as 3 alive nodes, `submit` runs square_map on it with the
# right result, a node or a `status` with the wrong token is refused with a
# clear message, an unreachable head is reported as such, and `stop` leaves
# no process behind. Observability: the head serves the dashboard (200 with
# the token, 401 without), `status` prints its URL, the nodes' heartbeats
# bring their memory use to the head's /api/nodes and /metrics, a non-head
# node serves its own /metrics, and the head's /api/tasks shows the tasks of
# a job `submit` runs while it runs.
set -u
miniray=${MINIRAY:-./miniray}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# This test's pidfiles and logs only: `stop` must not touch anything else.
export MINIRAY_TMPDIR=$(mktemp -d)
marker="miniray-cct-$$-$RANDOM"
token="test-token-$RANDOM$RANDOM"
cleanup() {
  "$miniray" stop >/dev/null 2>&1
  pkill -KILL -f -- "--cluster=$marker" 2>/dev/null
  rm -rf "$MINIRAY_TMPDIR"
}
trap cleanup EXIT
out=$(mktemp) err=$(mktemp)

# The head, on a free port: another process may hold the first one tried.
address=""
for _ in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  if "$miniray" start --head --port="$port" --node-ip-address=127.0.0.1 \
      --token="$token" --num-cpus=2 --dashboard-port=0 --cluster="$marker" \
      >"$out" 2>"$err"; then
    address="127.0.0.1:$port"
    break
  fi
done
if [ -z "$address" ]; then
  fail "start --head: $(cat "$out" "$err")"
  exit 1
fi
grep -q "Cluster token: $token" "$out" || fail "start --head did not print the token: $(cat "$out")"
grep -q "miniray start --address=$address" "$out" ||
  fail "start --head did not print how to join: $(cat "$out")"
dashboard=$(sed -n 's|^Dashboard: \(http://[^/]*\)/?token=.*|\1|p' "$out")
[ -n "$dashboard" ] || fail "start --head printed no dashboard URL: $(cat "$out")"

for i in 1 2; do
  MINIRAY_TOKEN=$token "$miniray" start --address="$address" --num-cpus=4 \
    --node-name="worker-$i" --cluster="$marker" >"$out" 2>"$err" ||
    fail "start worker-$i: $(cat "$out" "$err")"
done
worker_metrics=$(sed -n 's|^  /metrics at \(http://.*\)$|\1|p' "$out")

# Registration is asynchronous to nobody but the GCS: poll with a deadline.
deadline=$((SECONDS + 20))
status=""
until grep -q "^3 nodes, 3 alive" <<<"$status" || [ $SECONDS -ge $deadline ]; do
  status=$(MINIRAY_TOKEN=$token "$miniray" status --address="$address" 2>&1)
  sleep 0.1
done
grep -q "^3 nodes, 3 alive" <<<"$status" || fail "status: $status"
for name in head worker-1 worker-2; do
  grep -q "^$name .* alive .*{CPU: " <<<"$status" || fail "status has no alive $name: $status"
done

got=$(MINIRAY_TOKEN=$token "$miniray" submit --address="$address" \
  scenarios/square_map.textproto --json 2>"$err")
grep -q '"result": "\[0, 1, 4, 9\]"' <<<"$got" ||
  fail "submit: $got; stderr: $(cat "$err")"

# The dashboard: `status` prints its URL; the token is needed (401 without,
# or with a wrong one; 200 with it, as a header or once as ?token=).
grep -q "^Dashboard: $dashboard/ " <<<"$status" || fail "status has no dashboard URL: $status"
auth=(-H "Authorization: Bearer $token")
for path in / /api/nodes /metrics; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$dashboard$path")
  [ "$code" = 401 ] || fail "dashboard $path without token: HTTP $code, want 401"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$dashboard$path")
  [ "$code" = 200 ] || fail "dashboard $path with the token: HTTP $code, want 200"
done
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x$token" "$dashboard/api/nodes")
[ "$code" = 401 ] || fail "dashboard with a wrong token: HTTP $code, want 401"
code=$(curl -s -o /dev/null -w '%{http_code}' "$dashboard/?token=$token")
[ "$code" = 302 ] || fail "dashboard /?token=: HTTP $code, want 302 (cookie and redirect)"

# Every node's heartbeat brings its memory and store use to the head.
nodes=$(curl -s "${auth[@]}" "$dashboard/api/nodes")
python3 - "$nodes" <<'PY' || fail "/api/nodes lacks per-node use: $nodes"
import json, sys
nodes = {n["name"]: n for n in json.loads(sys.argv[1])["nodes"]}
for name in ("head", "worker-1", "worker-2"):
    n = nodes[name]
    assert n["store_used_bytes"] >= 0 and n["store_capacity_bytes"] > 0, n
    assert n["rss_bytes"] > 0 and n["host_memory_total_bytes"] > 0, n
    assert 0 <= n["host_cpu_percent"] <= 100 and n["cpu_percent"] >= 0, n
    assert n["http_address"].startswith("127.0.0.1:"), n
PY
head_metrics=$(curl -s "${auth[@]}" "$dashboard/metrics")
grep -q '^miniray_node_rss_bytes{node="worker-2"} [1-9]' <<<"$head_metrics" ||
  fail "head /metrics has no memory use of worker-2"
grep -q '^miniray_node_host_memory_total_bytes{node="worker-1"} [1-9]' <<<"$head_metrics" ||
  fail "head /metrics has no host memory of worker-1"

# A non-head node serves its own /metrics (its port from `start` and status).
[ -n "$worker_metrics" ] || fail "start printed no /metrics URL for worker-2"
grep -q "^worker-2 .* ${worker_metrics#http://}\$" <<<"$status" ||
  fail "status does not show worker-2's /metrics ($worker_metrics): $status"
code=$(curl -s -o /dev/null -w '%{http_code}' "$worker_metrics")
[ "$code" = 401 ] || fail "worker /metrics without token: HTTP $code, want 401"
curl -s "${auth[@]}" "$worker_metrics" |
  grep -q '^miniray_object_store_capacity_bytes{node="worker-2"} [1-9]' ||
  fail "worker-2 /metrics has no object store gauge"

# A submitted job's tasks are on the head's dashboard while it runs (the
# driver registers its endpoint with the GCS; the head asks it): some not
# yet finished, polled with a deadline.
MINIRAY_TOKEN=$token "$miniray" submit --address="$address" \
  tests/testdata/slow_tasks.textproto >"$out" 2>"$err" &
job=$!
deadline=$((SECONDS + 20))
seen=""
while [ $SECONDS -lt $deadline ] && kill -0 $job 2>/dev/null; do
  tasks=$(curl -s "${auth[@]}" "$dashboard/api/tasks")
  if grep -q '"name":"slow","kind":"task","state":"\(pending\|running\)"' <<<"$tasks"; then
    seen=yes
    break
  fi
  sleep 0.1
done
[ -n "$seen" ] || fail "the head's /api/tasks never showed the job's unfinished tasks: ${tasks:-}"
wait $job || fail "submit slow_tasks: $(cat "$out" "$err")"

# Tasks submitted by tasks (fib's recursion, owned by workers) reach the
# GCS's task table too, and stay there after the job ended: all 177 Fib
# tasks finished, 176 of them with a parent task. Workers report once a
# second: polled with a deadline.
got=$(MINIRAY_TOKEN=$token "$miniray" submit --address="$address" \
  scenarios/fib.textproto --json 2>"$err")
grep -q '"result": "55"' <<<"$got" || fail "submit fib: $got; stderr: $(cat "$err")"
deadline=$((SECONDS + 20))
nested=""
until [ -n "$nested" ] || [ $SECONDS -ge $deadline ]; do
  tasks=$(curl -s "${auth[@]}" "$dashboard/api/tasks")
  nested=$(python3 - "$tasks" <<'PY'
import json, sys
fib = [t for t in json.loads(sys.argv[1])["tasks"] if t["name"] == "Fib"]
done = [t for t in fib if t["state"] == "finished"]
if len(done) == 177 and sum(1 for t in done if t["parent"]) == 176:
    print("yes")
PY
)
  [ -n "$nested" ] || sleep 0.2
done
[ -n "$nested" ] || fail "the head's /api/tasks lacks fib's nested tasks: ${tasks:0:400}"

# A second head cannot take the dashboard's port (start fails, clearly); a
# --no-token head's dashboard needs no token.
port2=$((20000 + RANDOM % 39000))
"$miniray" start --head --port="$port2" --node-ip-address=127.0.0.1 \
  --no-token --dashboard-port="${dashboard##*:}" --cluster="$marker-taken" \
  >"$out" 2>"$err" && fail "a second head took the dashboard port ${dashboard##*:}"
grep -q "the dashboard cannot listen on 127.0.0.1:${dashboard##*:}" "$out" "$err" ||
  fail "taken dashboard port: $(cat "$out" "$err")"
# (Another GCS port: the failed head's process may still be closing its.)
if "$miniray" start --head --port="$((port2 + 1))" --node-ip-address=127.0.0.1 \
    --no-token --dashboard-port=0 --cluster="$marker-open" >"$out" 2>"$err"; then
  open=$(sed -n 's|^Dashboard: \(http://[^/]*\)/$|\1|p' "$out")
  code=$(curl -s -o /dev/null -w '%{http_code}' "$open/api/nodes")
  [ "$code" = 200 ] || fail "--no-token dashboard ($open) without token: HTTP $code, want 200"
else
  fail "start --head --no-token: $(cat "$out" "$err")"
fi

# A wrong token is refused, clearly, and leaves no process.
"$miniray" start --address="$address" --token=wrong --cluster="$marker-bad" \
  >"$out" 2>"$err"
code=$?
[ "$code" = 1 ] || fail "wrong token: exit $code"
grep -q "refused this node: wrong or missing cluster token" "$err" ||
  fail "wrong token: stderr: $(cat "$err")"
if pgrep -f -- "--cluster=$marker-bad" >/dev/null; then
  fail "wrong token: a process stayed: $(pgrep -af -- "--cluster=$marker-bad")"
fi
"$miniray" status --address="$address" --token=wrong >"$out" 2>"$err" &&
  fail "status with a wrong token succeeded"
grep -q "wrong or missing cluster token" "$err" || fail "status wrong token: $(cat "$err")"
"$miniray" status --address=127.0.0.1:1 --token=x >"$out" 2>"$err" &&
  fail "status of no head succeeded"
grep -q "cannot reach the head at 127.0.0.1:1" "$err" || fail "unreachable: $(cat "$err")"

# stop ends the three daemons (it waits for them) and says so.
"$miniray" stop >"$out" 2>"$err" || fail "stop: $(cat "$out" "$err")"
[ "$(grep -c '^miniray: stopped ' "$out")" = 4 ] || fail "stop said: $(cat "$out")"
if pgrep -f -- "--cluster=$marker" >/dev/null; then
  fail "processes left after stop: $(pgrep -af -- "--cluster=$marker")"
fi
"$miniray" stop >"$out" 2>&1
grep -q "no node started" "$out" || fail "second stop: $(cat "$out")"

rm -f "$out" "$err"
if [ "$failures" != 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "PASS"
