#!/usr/bin/env python3
"""Checks, or refreshes, the command output quoted in markdown files.

In a fenced block, a line starting with "$ " is a command (with its heredoc
or for-loop body); the lines up to the next "$ " line are its output. The
tool runs each command from the repository root with bash and compares.

  tools/refresh_docs.py README.md docs/*.md          # report differences
  tools/refresh_docs.py --fix README.md docs/*.md    # rewrite the outputs

Fingerprints and event counts change whenever the simulated system changes;
run --fix after such a change and read the diff.

Blocks fenced as ```console hold output of real-time runs (real clusters,
wall-clock figures), which differs from run to run: they are not checked.
"""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def command_end(lines, i):
    """Index after the command starting at lines[i] (heredocs, for loops)."""
    first = lines[i][2:]
    i += 1
    heredoc = re.search(r"<<'?(\w+)'?", first)
    if heredoc:
        while i < len(lines) and lines[i] != heredoc.group(1):
            i += 1
        return i + 1
    if first.rstrip().endswith("do"):
        while i < len(lines) and lines[i].strip() != "done":
            i += 1
        return i + 1
    return i


def run(command):
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = result.stdout.rstrip("\n")
    return output.split("\n") if output else []


def process(path, fix):
    lines = Path(path).read_text().split("\n")
    out, mismatches, in_block, checked, i = [], 0, False, False, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_block = not in_block
            checked = in_block and line.strip() != "```console"
            out.append(line)
            i += 1
            continue
        if not (in_block and checked and line.startswith("$ ")):
            out.append(line)
            i += 1
            continue
        end = command_end(lines, i)
        command = "\n".join([lines[i][2:]] + lines[i + 1:end])
        out.extend(lines[i:end])
        i = end
        expected = []
        while i < len(lines) and not lines[i].startswith("$ ") \
                and not lines[i].startswith("```"):
            expected.append(lines[i])
            i += 1
        got = run(command)
        if got != expected:
            mismatches += 1
            print(f"{path}: output of `{command.splitlines()[0]}` differs")
        out.extend(got if fix else expected)
    if fix:
        Path(path).write_text("\n".join(out))
    return mismatches


def main(argv):
    fix = "--fix" in argv
    files = [a for a in argv if a != "--fix"]
    total = sum(process(f, fix) for f in files)
    print(f"{total} command(s) with different output"
          + (" (rewritten)" if fix and total else ""))
    return 1 if total and not fix else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
