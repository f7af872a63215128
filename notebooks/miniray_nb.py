"""Helpers shared by the miniray notebooks: find the binary, run a scenario
given as text, and read its summary and event log with pandas.

    from miniray_nb import run, scenario_text
    summary, events = run(scenario_text("square_map.textproto"), events=True)
    summary["makespan_s"], events.groupby("event").size()

The binary is $MINIRAY_BIN, else bazel-bin/miniray in the repository
($MINIRAY_REPO, else the first folder above this one that has scenarios/ and
WORKSPACE). Build it first with `bazel build //:miniray`.
"""
import json
import os
import pathlib
import subprocess
import tempfile

import pandas as pd


def _repo_root():
    if os.environ.get("MINIRAY_REPO"):
        return pathlib.Path(os.environ["MINIRAY_REPO"])
    here = pathlib.Path.cwd().resolve()
    for folder in [here, *here.parents]:
        if (folder / "scenarios").is_dir() and (folder / "WORKSPACE").exists():
            return folder
    raise RuntimeError("cannot find the miniray repository: set MINIRAY_REPO")


REPO = _repo_root()
MINIRAY = pathlib.Path(os.environ.get("MINIRAY_BIN", REPO / "bazel-bin" / "miniray"))
WORKDIR = pathlib.Path(tempfile.mkdtemp(prefix="miniray-notebook-"))
if not MINIRAY.exists():
    raise RuntimeError(f"{MINIRAY} is missing: run `bazel build //:miniray` "
                       "or set MINIRAY_BIN")


def scenario_text(name):
    """The text of scenarios/<name>."""
    return (REPO / "scenarios" / name).read_text()


def run(text, name="run", seed=None, events=False):
    """Runs the scenario `text` in the simulator.

    Returns (summary, events): the `--json` summary as a dict (plus
    "exit_status": 0 if the scenario's expect block held, else 1), and the
    event log as a DataFrame (one row per event) when `events` is true.
    """
    path = WORKDIR / f"{name}.textproto"
    path.write_text(text)
    command = [str(MINIRAY), "sim", str(path), "--json"]
    if seed is not None:
        command.append(f"--seed={seed}")
    events_path = WORKDIR / f"{name}.jsonl"
    if events:
        command.append(f"--events={events_path}")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 1) or not done.stdout.strip():
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stderr}")
    summary = json.loads(done.stdout)
    summary["exit_status"] = done.returncode
    table = None
    if events:
        table = pd.read_json(events_path, lines=True, dtype=False,
                             convert_dates=False)
    return summary, table
