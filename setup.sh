#!/usr/bin/env bash
# Installs what miniray needs on Debian bookworm (idempotent), builds the
# binary and runs the quick-start scenario.
#
#   ./setup.sh            install, build, run scenarios/square_map.textproto
#   ./setup.sh --no-demo  install and build only
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  bazel-bootstrap bazel-rules-java
  g++ libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libgflags-dev libgoogle-glog-dev libgtest-dev
  graphviz python3
  # notebooks/ and //tests:notebooks_test
  jupyter-nbconvert python3-nbformat python3-nbclient python3-ipykernel
  python3-pandas python3-matplotlib
  # bench/vs_dask.sh (Dask distributed, run side by side with miniray)
  python3-distributed
  # the dashboard (src/dashboard/) and //tests:dashboard_test (tag browser)
  libcpp-httplib-dev chromium chromium-driver curl
  # //tests:netns_test: nodes in network namespaces (ip netns, veth)
  iproute2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

echo "setup: building //:miniray"
bazel build //:miniray

if [ "${1:-}" != "--no-demo" ]; then
  echo "setup: running the quick-start scenario"
  bazel-bin/miniray sim scenarios/square_map.textproto
fi
