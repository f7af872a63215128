#!/usr/bin/env bash
# Proves that a cluster whose nodes really have different addresses works:
# the head on a bridge in this network namespace, two nodes each in a
# network namespace of its own (ip netns, veth pairs), where the head's
# loopback cannot be reached. `status` lists the three nodes at their three
# addresses, `submit` gets the simulator's results for jobs that move
# objects between the nodes, a node killed with SIGKILL is declared dead,
# and `stop` ends everything. Needs root (CI runs as root); where network
# namespaces cannot be made, it says so and skips.
set -u
miniray=${MINIRAY:-./miniray}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

tag=$((RANDOM % 200 + 20))        # one run's names and subnet
bridge="mrb$tag" subnet="10.199.$tag"
ns=("mrn${tag}a" "mrn${tag}b")
export MINIRAY_TMPDIR=$(mktemp -d)
token="netns-token-$RANDOM$RANDOM"

cleanup() {
  "$miniray" stop >/dev/null 2>&1
  for n in "${ns[@]}"; do ip netns del "$n" 2>/dev/null; done
  ip link del "$bridge" 2>/dev/null
  rm -rf "$MINIRAY_TMPDIR"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! ip netns add "${ns[0]}" 2>/dev/null; then
  echo "SKIP: cannot create network namespaces here (needs root and CAP_SYS_ADMIN)"
  exit 0
fi
set -e
ip netns add "${ns[1]}"
ip link add "$bridge" type bridge
ip addr add "$subnet.1/24" dev "$bridge"
ip link set "$bridge" up
for i in 0 1; do
  ip link add "mrv$tag$i" type veth peer name eth0 netns "${ns[$i]}"
  ip link set "mrv$tag$i" master "$bridge" up
  ip -n "${ns[$i]}" addr add "$subnet.$((i + 2))/24" dev eth0
  ip -n "${ns[$i]}" link set eth0 up
  ip -n "${ns[$i]}" link set lo up
done
set +e

head="$subnet.1:$((20000 + RANDOM % 20000))"
"$miniray" start --head --port="${head##*:}" --node-ip-address="$subnet.1" \
  --token="$token" --num-cpus=1 --dashboard-port=-1 >/dev/null 2>&1 ||
  { fail "start --head at $head"; exit 1; }
for i in 0 1; do
  MINIRAY_TOKEN=$token ip netns exec "${ns[$i]}" "$miniray" start \
    --address="$head" --node-ip-address="$subnet.$((i + 2))" --num-cpus=2 \
    --node-name="ns$i" >/dev/null 2>&1 || fail "start ns$i in ${ns[$i]}"
done

# Registration is asynchronous: poll with a deadline.
status=""
deadline=$((SECONDS + 20))
until grep -q "^3 nodes, 3 alive" <<<"$status" || [ $SECONDS -ge $deadline ]; do
  status=$(MINIRAY_TOKEN=$token "$miniray" status --address="$head" 2>&1)
  sleep 0.1
done
grep -q "^3 nodes, 3 alive" <<<"$status" || fail "status: $status"
grep -q "^head  *$subnet.1:" <<<"$status" || fail "head not at $subnet.1: $status"
grep -q "^ns0  *$subnet.2:.* alive" <<<"$status" || fail "ns0 not at $subnet.2: $status"
grep -q "^ns1  *$subnet.3:.* alive" <<<"$status" || fail "ns1 not at $subnet.3: $status"

# Jobs whose objects cross the bridge: their results are the simulator's.
for scenario in sum_matrix tree_reduce counter_actor; do
  file=scenarios/$scenario.textproto
  want=$("$miniray" sim "$file" | sed -n 's/^result: //p')
  got=$(MINIRAY_TOKEN=$token timeout 120 "$miniray" submit --address="$head" \
          "$file" 2>/dev/null | sed -n 's/^result: //p')
  [ -n "$want" ] && [ "$got" == "$want" ] ||
    fail "submit $scenario: '$got', sim says '$want'"
done

# A node killed for real, on its own address, is declared dead.
# The node's own process (not one of its workers) in its namespace.
victim=$(ip netns pids "${ns[1]}" | while read -r pid; do
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q " start " && echo "$pid"
done | head -1)
if [ -z "$victim" ]; then
  fail "no node process found in ${ns[1]}"
else
  kill -KILL "$victim"
  deadline=$((SECONDS + 20))
  until grep -q "^3 nodes, 2 alive" <<<"$status" || [ $SECONDS -ge $deadline ]; do
    status=$(MINIRAY_TOKEN=$token "$miniray" status --address="$head" 2>&1)
    sleep 0.1
  done
  grep -q "^ns1 .* dead" <<<"$status" || fail "ns1 not declared dead: $status"
fi

"$miniray" stop >/dev/null 2>&1 || fail "stop"
for n in "${ns[@]}"; do
  for pid in $(ip netns pids "$n"); do
    fail "process left in $n: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
  done
done

if [ "$failures" != 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "PASS"
