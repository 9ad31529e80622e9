"""Another commit of this repository checked out beside the working tree, for A/B runs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def add(commit: str, path: Path) -> Path:
    """``commit`` checked out (detached) at ``path``; remove it with ``remove``."""
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(path), commit],
                   cwd=REPO, check=True, capture_output=True)
    return path


def remove(path: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=REPO,
                   capture_output=True)
    subprocess.run(["git", "worktree", "prune"], cwd=REPO, capture_output=True)


def python_env(tree: Path) -> dict[str, str]:
    """The environment that runs ``tree``'s own code (its packages first on the path)."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(tree), str(tree / "generated")]))
