#!/usr/bin/env bash
# Proves the observability flags of `miniray sim`: --events writes every
# scheduling, transfer and fault event (JSON lines or CSV, by extension; any
# other name is bad input, exit 2), the same seed gives a byte-identical file,
# and tracing does not change the run (same fingerprint as without);
# --report writes one self-contained HTML page with the summary, the task
# graph, the timeline and utilisation charts, the same for the same seed;
# long sim and fuzz runs show progress on a terminal (and only there) without
# changing the run.
set -u
miniray=./miniray
out=${TEST_TMPDIR:-/tmp}
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

lineage=scenarios/faults/lineage_reconstruction.textproto

# --- Event export ---
"$miniray" sim "$lineage" --json --events="$out/a.jsonl" >"$out/a.json" ||
  fail "sim --events=a.jsonl failed"
"$miniray" sim "$lineage" --json --events="$out/b.jsonl" >"$out/b.json" ||
  fail "sim --events=b.jsonl failed"
cmp -s "$out/a.jsonl" "$out/b.jsonl" || fail "same seed, different event files"
for event in program_started task_submitted lease_granted spillback \
    task_started task_finished object_created object_transferred \
    fault_injected node_died object_lost reconstruction_started \
    object_reconstructed program_finished; do
  grep -q "\"event\": \"$event\"" "$out/a.jsonl" || fail "no $event event"
done
grep -q '^{"time_us": 400000.000, "event": "fault_injected", "node": "worker-1", "detail": "killed node worker-1 (node id 2)"}$' \
  "$out/a.jsonl" || fail "the fault is not logged at the scenario's 400ms"

"$miniray" sim "$lineage" --events="$out/a.csv" >/dev/null || fail "sim --events=a.csv failed"
head -1 "$out/a.csv" | grep -qx 'time_us,event,task,name,object,node,to_node,worker,bytes,attempt,detail' ||
  fail "CSV header: $(head -1 "$out/a.csv")"
[ "$(($(wc -l <"$out/a.csv") - 1))" == "$(wc -l <"$out/a.jsonl")" ] ||
  fail "CSV and JSON lines list a different number of events"

# Tracing must not change the run.
"$miniray" sim "$lineage" --json >"$out/plain.json"
[ "$(grep -o '"fingerprint": "[0-9a-f]*"' "$out/plain.json")" == \
  "$(grep -o '"fingerprint": "[0-9a-f]*"' "$out/a.json")" ] ||
  fail "--events changed the fingerprint"

msg=$("$miniray" sim scenarios/square_map.textproto --events="$out/e.txt" 2>&1)
[ $? == 2 ] || fail "--events=e.txt: want exit 2"
grep -q "jsonl" <<<"$msg" || fail "--events=e.txt: message lacks the formats: $msg"
[ ! -e "$out/e.txt" ] || fail "--events=e.txt wrote a file"

# --- The HTML report ---
"$miniray" sim "$lineage" --report="$out/r1.html" >/dev/null || fail "sim --report failed"
"$miniray" sim "$lineage" --report="$out/r2.html" >/dev/null
cmp -s "$out/r1.html" "$out/r2.html" || fail "same seed, different reports"
for want in '<!DOCTYPE html>' '<h2>Summary</h2>' 'makespan_s' 'fingerprint' \
    '<h2>Task graph</h2>' '<title>t_0_0_1</title>' '<h2>Timeline</h2>' \
    '<h2>CPU utilisation</h2>' 'worker-1: killed node worker-1' 'CPUs busy (%)'; do
  grep -qF -- "$want" "$out/r1.html" || fail "report lacks '$want'"
done
! grep -qiE 'https?:|<script src|<link ' "$out/r1.html" || fail "report loads something from outside"
[ "$(grep -c '<svg' "$out/r1.html")" -ge 4 ] || fail "report has too few charts"
"$miniray" sim scenarios/square_map.textproto --report=/nonexistent/dir/r.html >/dev/null 2>&1
[ $? == 2 ] || fail "--report to an unwritable path: want exit 2"

# --- Progress on a terminal ---
cat >"$out/many.textproto" <<'SCENARIO'
name: "many_tasks"
cluster {
  node { name: "head" resources { key: "CPU" value: 4 } }
  node { name: "worker" count: 7 resources { key: "CPU" value: 8 } }
}
program { name: "workload" workload { stage { name: "t" count: 60000 duration: "5ms" } } }
SCENARIO
plain_err=$("$miniray" sim "$out/many.textproto" 2>&1 >"$out/many.txt")
[ -z "$plain_err" ] || fail "progress printed although stderr is not a terminal: $plain_err"
if command -v script >/dev/null; then
  # `script` runs the command on a pseudo-terminal.
  script -qec "$miniray sim $out/many.textproto" /dev/null >"$out/many_tty.txt"
  grep -q "tasks finished, [0-9]* events" "$out/many_tty.txt" ||
    fail "no progress line on a terminal: $(head -c 300 "$out/many_tty.txt")"
  [ "$(grep -o 'fingerprint [0-9a-f]*' "$out/many.txt")" == \
    "$(grep -o 'fingerprint [0-9a-f]*' "$out/many_tty.txt")" ] ||
    fail "progress changed the fingerprint"
  script -qec "$miniray fuzz scenarios/faults/kill_node_retry.textproto --seeds=6" \
    /dev/null >"$out/fuzz_tty.txt"
  grep -q "seeds run, 0 failing" "$out/fuzz_tty.txt" ||
    fail "no fuzz progress on a terminal: $(head -c 300 "$out/fuzz_tty.txt")"
else
  echo "script(1) is missing: progress on a terminal not tested"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all observability checks passed"
