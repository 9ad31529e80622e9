"""The API contract: generated code is current, and the .proto passes `buf lint`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _gen_proto():
    from devtools import gen_proto
    return gen_proto


def test_generated_code_is_current():
    pytest.importorskip("grpc_tools")
    stale = _gen_proto().stale_files()
    assert not stale, f"generated code is stale: {stale}; run quotes-dev gen-proto"


def _buf() -> str | None:
    return shutil.which("buf") or shutil.which("buf", path=str(Path(sys.executable).parent))


# The API as released before this session's additions: changes must stay wire-compatible.
PREVIOUS_API_COMMIT = "5876d2d"


def test_buf_breaking_against_the_previous_api():
    buf = _buf()
    if buf is None:
        pytest.skip("buf binary not installed (pip install buf-bin)")
    if subprocess.run(["git", "cat-file", "-e", PREVIOUS_API_COMMIT], cwd=ROOT,
                      capture_output=True).returncode != 0:
        pytest.skip(f"commit {PREVIOUS_API_COMMIT} not in this clone's history")
    # depth: buf clones 50 commits by default, and the previous API is further back than that
    against = f".git#ref={PREVIOUS_API_COMMIT},depth=1000"
    result = subprocess.run([buf, "breaking", "--against", against],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint():
    buf = _buf()
    if buf is None:
        pytest.skip("buf binary not installed (pip install buf-bin)")
    result = subprocess.run([buf, "lint"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
