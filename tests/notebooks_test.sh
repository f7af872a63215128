#!/usr/bin/env bash
# Proves that every notebook in notebooks/ runs headless from top to bottom
# with the built miniray binary, so its assertions (pi within tolerance,
# recovery counts, bytes moved) hold: nbconvert fails on any failing cell.
set -u
root=$PWD
out=${TEST_TMPDIR:-$(mktemp -d)}

if ! command -v jupyter-nbconvert >/dev/null; then
  echo "FAIL: jupyter-nbconvert is missing; ./setup.sh installs it (Debian's jupyter-nbconvert," \
    "python3-ipykernel, python3-pandas, python3-matplotlib)"
  exit 1
fi

# Jupyter writes its runtime files under HOME; keep them in the test's space.
export HOME="$out/home" JUPYTER_RUNTIME_DIR="$out/runtime" IPYTHONDIR="$out/ipython"
export MPLCONFIGDIR="$out/matplotlib" MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p "$HOME"
export MINIRAY_BIN="$root/miniray" MINIRAY_REPO="$root"

failures=0
for notebook in notebooks/*.ipynb; do
  start=$SECONDS
  if jupyter-nbconvert --to notebook --execute --output-dir="$out/executed" \
      --ExecutePreprocessor.timeout=120 "$notebook" >"$out/nbconvert.log" 2>&1; then
    echo "ok: $notebook ($((SECONDS - start))s)"
  else
    echo "FAIL: $notebook"
    grep -vE 'frozen modules|Debugging will proceed|^$' "$out/nbconvert.log" | tail -40
    failures=$((failures + 1))
  fi
done
[ "$failures" -eq 0 ] || exit 1
