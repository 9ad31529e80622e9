"""The load benchmark (devtools/load.py) in a short run, so it cannot rot: real server, real calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools import load

NEWS = Path(__file__).parent / "data" / "news.jsonl"


@pytest.mark.parametrize("mode", ["unary", "batch", "stream"])
def test_short_load_run_against_a_running_server(target, tmp_path, mode, capsys):
    results = tmp_path / "results.jsonl"
    status = load.main(["--target", target, "--jsonl", str(NEWS), "--clients", "3",
                        "--mode", mode, "--batch-size", "2", "--count", "8",
                        "--results", str(results), "--note", "test"])
    assert status == 0, capsys.readouterr().out
    [line] = results.read_text().splitlines()
    result = json.loads(line)
    texts = [json.loads(row)["text"] for row in NEWS.read_text().splitlines()]
    expected_words = sum(len(texts[i % len(texts)].split()) for i in range(8))
    assert result["documents"] == 8 and result["words"] == expected_words
    assert result["errors"] == {} and result["quotes"] > 8
    assert result["words_per_s"] > 0 and result["latency_p50_s"] <= result["latency_p99_s"]


def test_started_server_and_in_process_share(tmp_path, capsys):
    """The full path a person runs: start quotes-server, drive it, compare with in-process."""
    results = tmp_path / "results.jsonl"
    status = load.main(["--jsonl", str(NEWS), "--clients", "2", "--count", "6", "--threads", "1",
                        "--in-process", "--results", str(results)])
    out = capsys.readouterr().out
    assert status == 0, out
    result = json.loads(results.read_text())
    assert result["target"] == "started" and result["documents"] == 6
    assert result["server_peak_rss_mib"] > 100  # the models are in it
    assert result["in_process_words_per_s"] > 0 and result["share_of_in_process"] > 0
    assert "the service gives" in out


def test_a_duration_alone_cycles_through_the_file_until_the_time_is_up(target, tmp_path, capsys):
    results = tmp_path / "results.jsonl"
    status = load.main(["--target", target, "--jsonl", str(NEWS), "--clients", "2",
                        "--duration", "4", "--results", str(results)])
    assert status == 0, capsys.readouterr().out
    result = json.loads(results.read_text())
    documents_in_file = len(NEWS.read_text().splitlines())
    assert result["documents"] > documents_in_file  # went round the file again
    assert result["seconds"] < 4 + 30  # and stopped: calls in flight at the deadline finish
