#!/usr/bin/env bash
# Proves that `miniray local --dashboard_port` serves a working dashboard: in
# headless Chromium, with the token, the page lists every node of the
# cluster, the actor, the program's tasks all finished, and the task graph as
# an inline <svg>; that requests without the token get 401; that /metrics of
# the head and of the driver parse as Prometheus text. First, on a job of
# 1.5 s tasks, that the head's /api/tasks shows tasks move while the job
# runs: a task seen running is later seen finished, and the counts end with
# all seven finished. Saves a screenshot to $DASHBOARD_SCREENSHOT (default:
# the test's outputs dir).
set -u
miniray=${MINIRAY:-./miniray}
scenario=${SCENARIO:-scenarios/parameter_server.textproto}
browser=${CHROMIUM:-chromium}
shot=${DASHBOARD_SCREENSHOT:-${TEST_UNDECLARED_OUTPUTS_DIR:-/tmp}/dashboard.png}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

work=$(mktemp -d)
export HOME=${HOME:-$work}
cluster=""
trap 'kill -TERM $cluster 2>/dev/null; wait $cluster 2>/dev/null; rm -rf "$work"' EXIT

# dashboard_of ERRFILE: the dashboard's URL with the token, once printed.
dashboard_of() {
  local deadline=$((SECONDS + 30))
  until grep -q 'dashboard at http://' "$1" 2>/dev/null || [ $SECONDS -ge $deadline ]; do
    kill -0 $cluster 2>/dev/null || break
    sleep 0.05
  done
  grep -o 'http://[^ ]*?token=[0-9a-f]*' "$1" | head -1
}

# Tasks move: polled with deadlines, no sleeping to let them finish.
"$miniray" local tests/testdata/slow_tasks.textproto --dashboard_port=0 \
  --keep_alive >"$work/slow.out" 2>"$work/slow.err" &
cluster=$!
url=$(dashboard_of "$work/slow.err")
[ -n "$url" ] || { echo "FAIL: slow_tasks: no dashboard URL:"; cat "$work/slow.err"; exit 1; }
auth=(-H "Authorization: Bearer ${url##*token=}")
base=${url%%/\?token=*}
running=""
deadline=$((SECONDS + 30))
while [ -z "$running" ] && [ $SECONDS -lt $deadline ]; do
  running=$(curl -s "${auth[@]}" "$base/api/tasks" |
            grep -o '"id":"[^"]*","name":"slow","kind":"task","state":"running"' |
            head -1 | cut -d'"' -f4)
  sleep 0.05
done
[ -n "$running" ] || fail "slow_tasks: /api/tasks never showed a running task"
finished=""
deadline=$((SECONDS + 30))
while [ -n "$running" ] && [ -z "$finished" ] && [ $SECONDS -lt $deadline ]; do
  tasks=$(curl -s "${auth[@]}" "$base/api/tasks")
  if grep -q "\"id\":\"$running\",[^}]*\"state\":\"finished\"" <<<"$tasks" &&
     grep -q '"counts":{"pending":0,"running":0,"finished":7,' <<<"$tasks"; then
    finished=yes
  fi
  sleep 0.05
done
[ -n "$finished" ] || fail "slow_tasks: task $running did not show finished, or not all 7 did: ${tasks:-}"
kill -TERM $cluster; wait $cluster 2>/dev/null

"$miniray" local "$scenario" --dashboard_port=0 --keep_alive \
  >"$work/out" 2>"$work/err" &
cluster=$!

# Wait for the program to end (the summary on stdout); the cluster stays up.
for _ in $(seq 1 300); do
  grep -q "^result:\|^error:" "$work/out" 2>/dev/null && break
  kill -0 $cluster 2>/dev/null || break
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*?token=[0-9a-f]*' "$work/err" | head -1)
if [ -z "$url" ]; then
  echo "FAIL: no dashboard URL on stderr:"; cat "$work/err"; exit 1
fi
token=${url##*token=}
base=${url%%/\?token=*}
driver_metrics=$(sed -n "s/.*driver's tasks and \/metrics at \(.*\)$/\1/p" "$work/err")
echo "dashboard at $base; program said: $(head -1 "$work/out")"

# Without the token: 401, with a message; with a wrong one too.
for path in / /api/nodes /api/tasks /metrics; do
  code=$(curl -s -o "$work/body" -w '%{http_code}' "$base$path")
  [ "$code" = 401 ] || fail "$path without token: HTTP $code, want 401"
done
grep -q "needs the cluster token" "$work/body" || fail "401 body: $(cat "$work/body")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer x$token" "$base/api/nodes")
[ "$code" = 401 ] || fail "wrong token: HTTP $code, want 401"

# /metrics parses as Prometheus text (the same checks as views_test's parser).
check_prometheus() {
  python3 - "$1" <<'PY' || fail "$2: not Prometheus text"
import re, sys
sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$')
typed, n = set(), 0
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line or line.startswith("# HELP "): continue
    if line.startswith("# TYPE "):
        name = line.split()[2]
        assert name not in typed, "typed twice: " + line
        typed.add(name); continue
    assert sample.match(line), "bad line: " + line
    n += 1
assert n > 0, "no samples"
PY
}
curl -s -H "Authorization: Bearer $token" "$base/metrics" >"$work/head.prom"
check_prometheus "$work/head.prom" "head /metrics"
grep -q '^miniray_node_heartbeat_age_seconds{node="head"}' "$work/head.prom" ||
  fail "head /metrics has no heartbeat age"
curl -s -H "Authorization: Bearer $token" "$driver_metrics" >"$work/driver.prom"
check_prometheus "$work/driver.prom" "driver /metrics"
grep -q '^miniray_tasks{state="finished"} [1-9]' "$work/driver.prom" ||
  fail "driver /metrics counts no finished tasks"

# The page, in headless Chromium: ?token= sets the cookie, then the page
# polls the API; give it a few (virtual) seconds.
chrome=(--headless --no-sandbox --disable-gpu --hide-scrollbars
        --user-data-dir="$work/profile"
        --virtual-time-budget=6000 --window-size=1400,2200)
timeout 40 "$browser" "${chrome[@]}" --dump-dom "$url" >"$work/dom.html" 2>/dev/null ||
  fail "chromium --dump-dom failed"
for node in $(curl -s -H "Authorization: Bearer $token" "$base/api/nodes" |
              grep -o '"name":"[^"]*"' | cut -d'"' -f4); do
  grep -q "<td>$node</td>" "$work/dom.html" || fail "node $node not in the page"
done
grep -q 'class="ACTOR_ALIVE"' "$work/dom.html" || fail "no live actor in the page"
finished=$(grep -o 'id="count-finished">[0-9]*' "$work/dom.html" | grep -o '[0-9]*$')
pending=$(grep -o 'id="count-pending">[0-9]*' "$work/dom.html" | grep -o '[0-9]*$')
[ "${finished:-0}" -ge 40 ] || fail "page shows ${finished:-no} finished tasks, want >= 40"
[ "${pending:-1}" = 0 ] || fail "page shows ${pending:-?} pending tasks after the end"
grep -q '<div id="graph"><svg' "$work/dom.html" || fail "no <svg> task graph in the page"
grep -q 'Counter\|Update\|update' "$work/dom.html" || true

timeout 40 "$browser" "${chrome[@]}" --screenshot="$shot" "$url" >/dev/null 2>&1
[ -s "$shot" ] || fail "no screenshot at $shot"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s); stderr of the cluster:"; cat "$work/err"
  exit 1
fi
echo "PASS (screenshot: $shot)"
