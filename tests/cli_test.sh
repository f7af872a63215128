#!/usr/bin/env bash
# Proves the command line's contract: exit 0 when a scenario meets its
# expectations, 1 when it does not, 2 for bad input with a message naming
# the file, line and field; --json prints the summary fields of DESIGN.md.
set -u
miniray=./miniray
data=tests/testdata
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_run STATUS PATTERN ARGS...: runs miniray, checks exit status and output.
expect_run() {
  local want_status=$1 pattern=$2
  shift 2
  local out status
  out=$("$miniray" "$@" 2>&1)
  status=$?
  if [ "$status" != "$want_status" ]; then
    fail "miniray $*: exit $status, want $want_status; output: $out"
  elif ! grep -qF -- "$pattern" <<<"$out"; then
    fail "miniray $*: output lacks '$pattern'; output: $out"
  fi
}

expect_run 0 "result: [0, 1, 4, 9]" sim scenarios/square_map.textproto
expect_run 0 '"fingerprint": "' sim scenarios/square_map.textproto --json
for field in result makespan_s fingerprint tasks_finished tasks_retried \
    objects_reconstructed actors_restarted bytes_transferred events; do
  expect_run 0 "\"$field\": " sim scenarios/sum_matrix.textproto --json
done
expect_run 1 'expected result "[0, 1, 4, 10]"' sim $data/wrong_result.textproto
expect_run 2 "$data/syntax_error.textproto:5:1" sim $data/syntax_error.textproto
expect_run 2 "$data/unknown_node_fault.textproto:7:" sim $data/unknown_node_fault.textproto
expect_run 2 'unknown node "worker-33"' sim $data/unknown_node_fault.textproto
expect_run 2 "$data/negative_duration.textproto:6:" sim $data/negative_duration.textproto
expect_run 2 "must not be negative" sim $data/negative_duration.textproto
expect_run 2 "$data/too_big_task.textproto:6:" sim $data/too_big_task.textproto
expect_run 2 "no node can ever run" sim $data/too_big_task.textproto
expect_run 2 "$data/unknown_program.textproto:3:" sim $data/unknown_program.textproto
expect_run 2 "sqaure_map" sim $data/unknown_program.textproto
expect_run 2 "no_such_file.textproto" sim $data/no_such_file.textproto
expect_run 2 "unknown command" frobnicate
expect_run 2 "unknown flag --frob" sim scenarios/square_map.textproto --frob=1
expect_run 2 'bad value for --seed: "abc"' sim scenarios/square_map.textproto --seed=abc

# The task graph and timeline files.
out_dir=${TEST_TMPDIR:-/tmp}
expect_run 0 "result: 500500" sim scenarios/tree_reduce.textproto \
  --dot="$out_dir/g.dot" --svg="$out_dir/g.svg" --timeline="$out_dir/t.json"
grep -q '^digraph miniray {' "$out_dir/g.dot" || fail "no DOT graph written"
grep -q '<svg' "$out_dir/g.svg" || fail "no SVG written"
grep -q '"traceEvents"' "$out_dir/t.json" || fail "no timeline written"
expect_run 2 "cannot write" sim scenarios/square_map.textproto --dot=/nonexistent/dir/g.dot

# The same seed replays the same run; --seed overrides the file's seed.
a=$("$miniray" sim scenarios/workload_mapreduce.textproto --json --seed=5)
b=$("$miniray" sim scenarios/workload_mapreduce.textproto --json --seed=5)
[ "$a" == "$b" ] || fail "two runs with --seed=5 differ"
grep -qF '"seed": 5' <<<"$a" || fail "--seed=5 not reported: $a"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "cli_test: all checks passed"
