#!/usr/bin/env bash
# Proves that a cluster deployed as on real machines works end to end: a
# head and two nodes started as daemons with a token join one cluster that
# `status` lists as 3 alive nodes, `submit` runs square_map on it with the
# right result, a node or a `status` with the wrong token is refused with a
# clear message, an unreachable head is reported as such, and `stop` leaves
# no process behind.
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
      --token="$token" --num-cpus=2 --cluster="$marker" >"$out" 2>"$err"; then
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

for i in 1 2; do
  MINIRAY_TOKEN=$token "$miniray" start --address="$address" --num-cpus=4 \
    --node-name="worker-$i" --cluster="$marker" >"$out" 2>"$err" ||
    fail "start worker-$i: $(cat "$out" "$err")"
done

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
[ "$(grep -c '^miniray: stopped ' "$out")" = 3 ] || fail "stop said: $(cat "$out")"
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
