#!/usr/bin/env python3
"""Prints the task slices of a miniray timeline as a table, by start time.

  bazel-bin/miniray sim FILE --timeline=/tmp/timeline.json
  python3 docs/examples/slices.py /tmp/timeline.json

Times are virtual milliseconds since the cluster started (the program starts
after the cluster is up, about 110 ms in with the default settings).
"""
import json
import sys


def main(path):
    events = json.load(open(path))["traceEvents"]
    nodes = {e["pid"]: e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "process_name"}
    slices = sorted((e for e in events if e["ph"] == "X"),
                    key=lambda e: (e["ts"], e["pid"], e["tid"]))
    print(f"{'start ms':>9} {'end ms':>9}  {'where':<18} {'task':<8} name")
    for e in slices:
        where = f"{nodes[e['pid']]} worker {e['tid']}"
        start, end = e["ts"] / 1000, (e["ts"] + e["dur"]) / 1000
        print(f"{start:9.3f} {end:9.3f}  {where:<18} "
              f"{e['args']['task_id']:<8} {e['name']}")


if __name__ == "__main__":
    main(sys.argv[1])
