"""Developer tools behind one command, ``quotes-dev``: benchmarks, evaluation, generators.

They work on a checkout (editable install): defaults point at the repository's files and at
``../shared`` beside it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def git_commit(root: Path) -> str:
    """The checkout's commit, suffixed "-dirty" when tracked files have uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record_result(result: dict, results: Path | None) -> None:
    """Print a bench's result as one JSON line and, unless ``results`` is None, append it there
    (``bench/results.jsonl``: every bench's lines, one file)."""
    line = json.dumps(result)
    print(line, flush=True)
    if results is not None:
        results.parent.mkdir(parents=True, exist_ok=True)
        with results.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        print(f"appended to {results}")
