#!/usr/bin/env bash
# Proves the swarm tester: 200 seeds of random faults (every kind but message
# drops, in a random mix per seed) on five scenarios break no invariant; with a planted bug (lost objects never rebuilt) it
# finds violations, and the replay command it prints reproduces one.
set -u
miniray=./miniray
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for scenario in faults/lineage_reconstruction workload_mapreduce tree_reduce \
  counter_actor fib; do
  out=$("$miniray" fuzz "scenarios/$scenario.textproto" --seeds=200 2>/dev/null)
  status=$?
  echo "$out" | tail -1
  [ "$status" = 0 ] || fail "$scenario: exit $status: $out"
  grep -q "200 runs" <<<"$out" || fail "$scenario: not 200 runs: $out"
  grep -q ": 0 invariant violation(s)" <<<"$out" || fail "$scenario: $out"
done

# The planted bug must be caught.
out=$("$miniray" fuzz scenarios/faults/lineage_reconstruction.textproto \
  --seeds=50 --planted_bug=no_reconstruction 2>/dev/null)
status=$?
[ "$status" = 1 ] || fail "planted bug: exit $status, want 1"
grep -q "the task that made it cannot run again" <<<"$out" ||
  fail "planted bug not reported: $out"

# A failing seed's replay command reproduces its violation.
seed=$(grep -m1 -o '^seed [0-9]*' <<<"$out" | cut -d' ' -f2)
violation=$(grep -m1 "^seed $seed:" <<<"$out")
replay=$("$miniray" fuzz scenarios/faults/lineage_reconstruction.textproto \
  --seeds=1 --seed="$seed" --planted_bug=no_reconstruction 2>/dev/null)
grep -qF "$violation" <<<"$replay" || fail "replay of seed $seed differs: $replay"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "fuzz_test: all checks passed"
