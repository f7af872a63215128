#!/usr/bin/env bash
# Compares two miniray binaries fairly on a shared machine: runs the
# task_latency, noop_tasks and actor_calls benchmarks with each binary in
# turn, N rounds, so that both see the same load. One line per run.
#
#   bazel build -c opt //:miniray && cp bazel-bin/miniray /tmp/miniray-new
#   bash bench/alternate.sh /tmp/miniray-old /tmp/miniray-new 5
#
# Only figures taken this way compare: the machine's speed changes from
# minute to minute (docs/real-cluster.md, section 9).
set -u
if [ $# -ne 3 ]; then
  echo "usage: $0 OLD_BINARY NEW_BINARY ROUNDS" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
figure() {  # binary scenario: the scenario's result line, without its label
  "$1" local "bench/scenarios/$2.textproto" 2>/dev/null |
    sed -n 's/^result: //p' | sed 's/^.*: //'
}
for round in $(seq 1 "$3"); do
  for side in old new; do
    binary=$1
    [ "$side" = new ] && binary=$2
    echo "$side | $(figure "$binary" task_latency) | $(figure "$binary" noop_tasks)" \
         "| $(figure "$binary" actor_calls) | load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
