#!/usr/bin/env bash
# Proves that `miniray local` runs scenarios on a real cluster of processes
# with the results `miniray sim` gets, that a kill_node fault really kills
# the node's process and the job still gets the right answer, that an actor
# on a killed node restarts on another, and that no node process outlives a
# run: not after a normal end, not after SIGINT.
set -u
miniray=${MINIRAY:-./miniray}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# json_field FIELD JSON: the value of a string or number field.
json_field() {
  sed -n "s/.*\"$1\": \(\"\([^\"]*\)\"\|\([^,}]*\)\).*/\2\3/p" <<<"$2"
}

# The cluster marker `local` prints on stderr; every node's argv has it.
marker_of() { sed -n 's/^miniray local: cluster \([^:]*\):.*/\1/p' "$1" 2>/dev/null; }

expect_no_leftovers() {
  local marker=$1 what=$2
  if [ -z "$marker" ]; then fail "$what: no cluster marker on stderr"; return; fi
  sleep 0.2
  if pgrep -f -- "--cluster=$marker" >/dev/null; then
    fail "$what: node processes left behind: $(pgrep -af -- "--cluster=$marker")"
  fi
}

err=$(mktemp)
for scenario in square_map sum_matrix counter_actor monte_carlo_pi_1node; do
  file=scenarios/$scenario.textproto
  want=$(json_field result "$("$miniray" sim "$file" --json)")
  out=$("$miniray" local "$file" --json 2>"$err")
  status=$?
  got=$(json_field result "$out")
  if [ "$status" != 0 ]; then
    fail "local $scenario: exit $status; stderr: $(cat "$err")"
  elif [ "$got" != "$want" ]; then
    fail "local $scenario: result '$got', sim says '$want'"
  fi
  expect_no_leftovers "$(marker_of "$err")" "local $scenario"
done

# A node killed for real while it surely runs tasks: its process is gone,
# tasks were retried, and the estimate is the one the simulator gets.
file=tests/testdata/local_kill_node.textproto
want=$("$miniray" sim "$file" --json 2>/dev/null)
out=$("$miniray" local "$file" --json 2>"$err")
status=$?
if [ "$status" != 0 ]; then
  fail "local_kill_node: exit $status; out: $out; stderr: $(cat "$err")"
fi
[ "$(json_field result "$out")" = "$(json_field result "$want")" ] ||
  fail "local_kill_node: result $(json_field result "$out")"
[ "$(json_field tasks_retried "$out")" -ge 1 ] 2>/dev/null ||
  fail "local_kill_node: no task retried: $out"
killed_pid=$(sed -n 's/.*killed node worker-1 (pid \([0-9]*\), SIGKILL).*/\1/p' <<<"$out")
if [ -z "$killed_pid" ]; then
  fail "local_kill_node: no kill in the fault log: $out"
elif kill -0 "$killed_pid" 2>/dev/null; then
  fail "local_kill_node: pid $killed_pid still runs"
fi
expect_no_leftovers "$(marker_of "$err")" "local_kill_node"

# An actor (max_restarts 1) on a node killed for real restarts on the other
# node: its calls return what the simulator's do, and the program saw the
# actor's node change.
file=scenarios/faults/actor_node_failover.textproto
want=$(json_field result "$("$miniray" sim "$file" --json 2>/dev/null)")
out=$("$miniray" local "$file" --json 2>"$err")
status=$?
got=$(json_field result "$out")
if [ "$status" != 0 ]; then
  fail "actor_node_failover: exit $status; out: $out; stderr: $(cat "$err")"
elif [ "$got" != "$want" ]; then
  fail "actor_node_failover: result '$got', sim says '$want'"
fi
case "$got" in
  *"moved to another node: yes") ;;
  *) fail "actor_node_failover: the actor did not move: '$got'" ;;
esac
grep -q 'killed node roomy (pid [0-9]*, SIGKILL)' <<<"$out" ||
  fail "actor_node_failover: no kill in the fault log: $out"
expect_no_leftovers "$(marker_of "$err")" "actor_node_failover"

# SIGINT in the middle of a run: exit 130, every node process gone. (A
# background job of a script starts with SIGINT ignored; `local` installs
# its handler before it prints the marker.)
rm -f "$err"
"$miniray" local scenarios/monte_carlo_pi_1node.textproto 2>"$err" >/dev/null &
local_pid=$!
for _ in $(seq 100); do
  [ -n "$(marker_of "$err")" ] && break
  sleep 0.05
done
marker=$(marker_of "$err")
pgrep -f -- "--cluster=$marker" >/dev/null ||
  fail "sigint: no node process found while running"
kill -INT "$local_pid"
wait "$local_pid"
status=$?
[ "$status" = 130 ] || fail "sigint: exit $status, want 130"
expect_no_leftovers "$marker" "sigint"

rm -f "$err"
if [ "$failures" != 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "PASS"
