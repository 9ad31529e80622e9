"""``quotes-dev``: the developer tools behind one installed command."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devtools import cli

ROOT = Path(__file__).resolve().parents[1]
ARTICLE_GOLD = ROOT.parent / "shared" / "eval" / "soleimani-gold.jsonl"


def test_lists_its_commands_and_refuses_unknown_ones(capsys):
    assert cli.main([]) == 2
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)
    assert cli.main(["no-such-tool"]) == 2


def test_every_command_has_help(capsys):
    for name in cli.COMMANDS:
        with pytest.raises(SystemExit) as done:
            cli.main([name, "--help"])
        assert done.value.code == 0, name
    assert "--baseline-commit" in capsys.readouterr().out


def test_generated_code_check_through_the_cli():
    assert cli.main(["gen-proto", "--check"]) == 0


@pytest.mark.skipif(not ARTICLE_GOLD.exists(), reason="shared/eval not present")
def test_error_categories_against_a_baseline_commit_in_a_worktree(capsys):
    if subprocess.run(["git", "cat-file", "-e", "5876d2d"], cwd=ROOT).returncode != 0:
        pytest.skip("commit 5876d2d not in this clone's history")
    assert cli.main(["errors", "--gold", str(ARTICLE_GOLD), "--baseline-commit", "5876d2d"]) == 0
    out = capsys.readouterr().out
    assert "| metric | baseline 5876d2d | current |" in out
    assert "| F1 | " in out
    assert "| complement | - | " in out  # the current version names the rule of each quote
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=ROOT, capture_output=True,
                               text=True).stdout
    assert "baseline" not in worktrees  # removed afterwards


def test_throughput_ab_alternates_with_another_commit_in_a_worktree(capsys, tmp_path):
    news = ROOT / "tests" / "data" / "news.jsonl"
    results = tmp_path / "results.jsonl"
    assert cli.main(["throughput-ab", "--against", "HEAD", "--rounds", "1", "--docs", "2",
                     "--warmup", "1", "--gold", str(news), "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "round 1: HEAD " in out and "median ratio" in out
    [line] = results.read_text().splitlines()
    record = json.loads(line)
    assert record["bench"] == "throughput-ab" and record["rounds"][0]["against"] > 0
    assert record["rounds"][0]["this"] > 0
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=ROOT, capture_output=True,
                               text=True).stdout
    assert "throughput-ab-" not in worktrees  # removed afterwards


def test_a_probe_runs_against_a_real_server(capsys):
    assert cli.main(["probes", "garbage"]) == 0
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert '"malformed_request": "INVALID_ARGUMENT"' in line and '"health_after": "SERVING"' in line


def test_model_tools_default_to_this_checkouts_files():
    from devtools import evaluate_models, train_models

    root = Path(__file__).resolve().parents[1]
    assert train_models.DEFAULT_OUT == root / "service" / "models" / "en"
    assert train_models.DEFAULT_OUT.is_dir() and evaluate_models.MODELS_DOC.is_file()
    assert evaluate_models.TREEBANK == root.parent / "shared" / "data" / "ud-english-ewt"
