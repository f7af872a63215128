#!/usr/bin/env bash
# Proves that `miniray local` runs scenarios on a real cluster of processes
# with the results `miniray sim` gets, that tasks run in worker processes
# the nodes start, that a kill_node fault really kills the node's process and
# the job still gets the right answer (and that its --report page, drawn
# from the driver's trace, shows the run and the kill), that killed workers
# and an actor on a killed node come back, that a slow node is slow, that
# message faults are applied, and
# that no node or worker
# process outlives a run: not after a normal end, not after SIGINT.
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

# run_local FILE [FLAG...]: runs FILE under `local --json` (stderr to $err)
# and under `sim`. Sets out (local's summary), status (local's exit), got
# (local's result) and want (sim's result).
run_local() {
  local file=$1
  shift
  want=$(json_field result "$("$miniray" sim "$file" --json 2>/dev/null)")
  out=$("$miniray" local "$file" --json "$@" 2>"$err")
  status=$?
  got=$(json_field result "$out")
  # What a run that went wrong said, for the failure's diagnosis.
  if [ "$got" != "$want" ]; then
    echo "--- local $file: stderr (warnings and errors):"
    grep -v '^I' "$err" | tail -30
  fi
}

for scenario in square_map sum_matrix counter_actor monte_carlo_pi_1node; do
  run_local "scenarios/$scenario.textproto"
  if [ "$status" != 0 ]; then
    fail "local $scenario: exit $status; stderr: $(cat "$err")"
  elif [ "$got" != "$want" ]; then
    fail "local $scenario: result '$got', sim says '$want'"
  fi
  expect_no_leftovers "$(marker_of "$err")" "local $scenario"
done

# A node killed for real while it surely runs tasks: its process is gone,
# tasks were retried, and the estimate is the one the simulator gets.
report=$(mktemp --suffix=.html)
run_local tests/testdata/local_kill_node.textproto --report="$report"
if [ "$status" != 0 ]; then
  fail "local_kill_node: exit $status; out: $out; stderr: $(cat "$err")"
fi
[ -s "$report" ] || fail "local --report wrote nothing"
grep -q '<h1>miniray local run: local_kill_node' "$report" || fail "report: no title"
[ "$(grep -c '<svg' "$report")" -ge 2 ] || fail "report: no timeline and utilisation <svg>"
grep -q 'class="note">at [0-9.]* s: worker-1: kill_node' "$report" ||
  fail "report: the kill is not marked"
grep -q 'wall-clock time since the program started' "$report" ||
  fail "report: the timeline does not say its times are wall-clock"
grep -q '<td class="key">tasks_retried</td><td class="value">[1-9]' "$report" ||
  fail "report: the summary shows no retried task"
rm -f "$report"
[ "$got" = "$want" ] ||
  fail "local_kill_node: result '$got', sim says '$want'"
[ "$(json_field tasks_retried "$out")" -ge 1 ] 2>/dev/null ||
  fail "local_kill_node: no task retried: $out"
killed_pid=$(sed -n 's/.*killed node worker-1 (pid \([0-9]*\), SIGKILL).*/\1/p' <<<"$out")
if [ -z "$killed_pid" ]; then
  fail "local_kill_node: no kill in the fault log: $out"
elif kill -0 "$killed_pid" 2>/dev/null; then
  fail "local_kill_node: pid $killed_pid still runs"
fi
expect_no_leftovers "$(marker_of "$err")" "local_kill_node"

# A worker process and an actor's worker process killed for real, with the
# simulator's results. The actor is restarted (the GCS counts it) and its
# scenario's expectations are met. (Whether the killed worker was running
# a task depends on real timing: kill_worker_retry's expectation of a
# retry is not checked.)
for scenario in faults/kill_worker_retry faults/actor_restart; do
  run_local "scenarios/$scenario.textproto"
  [ "$status" = 0 ] || [ "$scenario" = faults/kill_worker_retry ] ||
    fail "local $scenario: exit $status; out: $out"
  # Every record is processed; how many by the restarted actor (count=)
  # depends on how many calls it had answered when the kill came, which
  # real timing decides.
  [ "${got%count=*}" = "${want%count=*}" ] ||
    fail "local $scenario: result '$got', sim says '$want'"
  grep -q '"faults": \[".*: killed \(worker\|actor\) ' <<<"$out" ||
    fail "local $scenario: no worker killed: $out"
done
[ "$(json_field actors_restarted "$out")" -ge 1 ] 2>/dev/null ||
  fail "local actor_restart: actors_restarted $(json_field actors_restarted "$out")"

# A slow node from the start: its workers are started slow, so its tasks
# take 4 times longer and the run meets the scenario's min_makespan (40 ms;
# about 22 ms when the fault is not applied).
run_local scenarios/faults/slow_node.textproto
[ "$status" = 0 ] && [ "$got" = "$want" ] ||
  fail "local slow_node: exit $status (min_makespan?); out: $out"
grep -q 'node worker-1 is slow' <<<"$out" ||
  fail "local slow_node: not in the fault log: $out"

# A slow node that heals goes on the fault board, which the node's workers
# read at each task: the run meets the same min_makespan.
run_local tests/testdata/local_slow_node_later.textproto
[ "$status" = 0 ] && [ "$got" = "$want" ] ||
  fail "local slow node on the board: exit $status (min_makespan?); out: $out"

# Message faults for real: every process maps local's fault board and
# applies its rules to the messages it receives and answers. The counter
# actor still counts each call once and in order, and the fault log counts
# the messages that every process duplicated and delayed (with 20% and 50%
# of dozens of messages, both are surely above zero).
run_local scenarios/faults/messages_delay_duplicate.textproto
[ "$status" = 0 ] && [ "$got" == "$want" ] ||
  fail "local messages_delay_duplicate: exit $status, '$got', sim says '$want'"
grep -Eq 'applied in all processes so far: 0 dropped, [1-9][0-9]* duplicated, [1-9][0-9]* delayed' <<<"$out" ||
  fail "local messages_delay_duplicate: no faults counted: $out"

# An actor (max_restarts 1) on a node killed for real restarts on the other
# node: its calls return what the simulator's do, and the program saw the
# actor's node change.
run_local scenarios/faults/actor_node_failover.textproto
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

# A partition, exact: every process's transport holds the messages that
# cross the cut (the fault board), so worker-0 is cut off from the head
# and the other worker: the GCS declares it dead, its tasks are retried,
# and the result is the simulator's.
run_local tests/testdata/local_partition.textproto
[ "$got" = "$want" ] ||
  fail "local partition: result '$got', sim says '$want'"
grep -q 'partition worker-0 <-> every other node: messages across it are held' <<<"$out" ||
  fail "local partition: no cut in the fault log: $out"
# The heal comes at 1.65 s, if the program (its tasks retried on the other
# worker) has not finished by then.
if python3 -c "import sys; sys.exit(float(sys.argv[1]) < 1.75)" \
    "$(json_field makespan_s "$out")"; then
  grep -q 'partition worker-0 <-> every other node healed' <<<"$out" ||
    fail "local partition: no heal in the fault log: $out"
fi
[ "$(json_field tasks_retried "$out")" -ge 1 ] 2>/dev/null ||
  fail "local partition: no task retried: $out"
expect_no_leftovers "$(marker_of "$err")" "local partition"

# Every node process gone in the middle of a job (killed from outside here;
# an overloaded machine's GCS can declare them all dead): `local` ends at
# once with a clear error instead of waiting out the scenario's max_time.
rm -f "$err"
"$miniray" local tests/testdata/local_every_node_killed.textproto --json \
  2>"$err" >"$err.out" &
local_pid=$!
for _ in $(seq 100); do
  [ -n "$(marker_of "$err")" ] && break
  sleep 0.05
done
marker=$(marker_of "$err")
sleep 0.5  # the job is under way (not a race: any moment of it will do)
pkill -KILL -f -- " node .*--cluster=$marker" ||
  fail "every node killed: no node process found"
for _ in $(seq 300); do
  kill -0 "$local_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$local_pid" 2>/dev/null; then
  fail "every node killed: local still runs 30 s later"
  kill -INT "$local_pid"
fi
wait "$local_pid"
grep -q '"error": "every node process has exited' "$err.out" ||
  fail "every node killed: no clear error: $(cat "$err.out")"
expect_no_leftovers "$marker" "every node killed"
rm -f "$err.out"

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
# Tasks run in worker processes of their own, started by the node.
workers=""
for _ in $(seq 100); do
  workers=$(pgrep -f -- "worker --cluster=$marker --worker_id=")
  [ -n "$workers" ] && break
  sleep 0.05
done
[ -n "$workers" ] || fail "no worker process found while tasks run"
# They run nicer than their node (Ray's worker_niceness), so that busy
# tasks do not starve the node's heartbeats.
for pid in $workers; do
  nice=$(ps -o ni= -p "$pid" | tr -d ' ')
  [ -z "$nice" ] || [ "$nice" = 15 ] ||
    fail "worker process $pid runs at niceness $nice, want 15"
done
kill -INT "$local_pid"
wait "$local_pid"
status=$?
[ "$status" = 130 ] || fail "sigint: exit $status, want 130"
expect_no_leftovers "$marker" "sigint"
for pid in $workers; do
  kill -0 "$pid" 2>/dev/null && fail "sigint: worker process $pid still runs"
done

rm -f "$err"
if [ "$failures" != 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "PASS"
