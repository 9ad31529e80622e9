"""``quotes batch`` (service/backfill): the in-process pipeline's quotes, each document exactly
once, through a killed worker and a stopped-then-resumed run, on the local engine and on a real
local Ray instance (2 CPUs, no dashboard) that the Ray tests share."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

pq = pytest.importorskip("pyarrow.parquet", reason="the batch extra is not installed "
                         '(pip install -e ".[batch]")')

from clients.cli import build_parser, main  # noqa: E402
from conftest import wait_until  # noqa: E402
from service.api import Extractor  # noqa: E402
from service.backfill import inputs, job, rows, shards  # noqa: E402
from service.backfill.worker import PID_DIR_ENV  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NEWS = [json.loads(line) for line in (ROOT / "tests" / "data" / "news.jsonl").read_text(
    encoding="utf-8").splitlines()]
LIMIT = 5000  # --max-document-chars in these tests: the news articles are under 1,000
BAD_LINES = [
    json.dumps({"id": "empty", "text": "  \n "}),
    json.dumps({"id": "too-long", "text": "word " * (LIMIT // 5 + 10)}),
    '{"id": "cut-short", "text": "The mayor sai',  # a line cut short: not JSON
    b'{"id": "latin-1", "text": "caf\xe9"}',  # not UTF-8
    json.dumps({"id": "no-text", "body": "x"}),
]
BAD = {"empty": rows.EMPTY_TEXT, "too-long": rows.TOO_LONG, "3": rows.INVALID_INPUT,
       "4": rows.INVALID_INPUT, "no-text": rows.INVALID_INPUT}  # malformed lines: line numbers


def write_jsonl(path: Path, documents: list[dict], bad: list = ()) -> Path:
    with open(path, "wb") as f:
        for line in [*bad, *(json.dumps(d) for d in documents)]:
            f.write((line if isinstance(line, bytes) else line.encode()) + b"\n")
    return path


def read_dataset(folder: Path) -> list[dict]:
    """The dataset as a reader sees it: every part file, nothing else of the folder."""
    import pyarrow.dataset as ds
    return ds.dataset(folder, format="parquet").to_table().to_pylist()


def in_process(parser, texts: list[str]) -> list[list[dict]]:
    """The in-process pipeline (``service.api.Extractor``, the server's defaults), each quote as
    the row's quote struct."""
    return [[rows.quote_record(q) for q in a.quotes]
            for a in Extractor(parser=parser).extract(texts)]


def assert_exactly_once(found: list[dict], ids: list[str]) -> None:
    counts = Counter(row["id"] for row in found)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}, [i for i, n in counts.items() if n > 1]


# --- inputs and shards, no models ------------------------------------------------------------

def test_shards_partition_a_jsonl_file(tmp_path):
    docs = [{"id": f"d{i}", "text": f"text {i}"} for i in range(10)]
    path = write_jsonl(tmp_path / "in.jsonl", docs, bad=["", '{"id": 1}'])
    plan = shards.plan([path], 3)
    assert [s.shard_id for s in plan] == [s.shard_id for s in shards.plan([path], 3)]  # stable
    read = [d for s in plan for d in shards.Shard.from_json(s.to_json()).documents()]
    assert [d.id for d in read] == ["1"] + [f"d{i}" for i in range(10)]  # blank line skipped
    assert read[0].invalid == 'no "text"; expected {"id": ..., "text": "..."}'
    assert read[0].origin == f"{path}:2" and read[-1].origin == f"{path}:12"
    assert len(plan) == 4


def test_globs_and_missing_inputs(tmp_path):
    for name in ("a.jsonl", "b.jsonl"):
        write_jsonl(tmp_path / name, [])
    assert [p.name for p in inputs.expand([str(tmp_path / "*.jsonl"), str(tmp_path / "a.jsonl")])
            ] == ["a.jsonl", "b.jsonl"]
    with pytest.raises(inputs.InputError, match="no input file matches"):
        inputs.expand([str(tmp_path / "*.parquet")])


def test_batch_help_and_readme_commands_parse(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["batch", "--help"])
    assert exit_.value.code == 0 and "--resume" in capsys.readouterr().out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.strip() for line in readme.splitlines()
                if line.strip().startswith("quotes batch ")]
    assert len(commands) >= 3
    for command in commands:
        args = build_parser().parse_args(command.split("#")[0].split()[1:])
        assert args.command == "batch"


def test_missing_extra_is_one_clear_line(capsys, monkeypatch, tmp_path):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "ray" else real(name, *a))
    assert main(["batch", "x.jsonl", "--output", str(tmp_path / "out"), "--engine", "ray"]) == 1
    assert 'ray not installed; install the batch extra: pip install -e ".[batch]"' in (
        capsys.readouterr().err)


def test_rows_of_errors_only_keep_the_schema(tmp_path):
    model = {"name": "m", "version": "1", "source": "bundled"}
    table = rows.table([rows.error_row("a", "in.jsonl:1", "", rows.EMPTY_TEXT, "empty", model)])
    pq.write_table(table, tmp_path / "part.parquet")
    assert pq.read_schema(tmp_path / "part.parquet") == rows.SCHEMA.remove_metadata()
    assert pq.read_table(tmp_path / "part.parquet").to_pylist()[0]["quotes"] == []


# --- the local engine, on the suite's parser ---------------------------------------------------

def test_local_engine_reads_parquet_columns(float32_parser, tmp_path):
    import pyarrow as pa

    texts = [d["text"] for d in NEWS[:3]]
    pq.write_table(pa.table({"doc": ["a", None, "c", "d"], "body": [texts[0], texts[1], None,
                                                                    texts[2]]}),
                   tmp_path / "in.parquet", row_group_size=2)
    summary = job.run_job(job.JobOptions(
        patterns=[str(tmp_path / "*.parquet")], output=str(tmp_path / "out"),
        text_column="body", id_column="doc", shard_size=3, parse_precision="float32"),
        parser=float32_parser)
    assert summary["complete"] and summary["documents"] == 4 and summary["errors"] == 1
    found = {row["id"]: row for row in read_dataset(tmp_path / "out")}
    assert sorted(found) == ["1", "a", "c", "d"]  # a null id is the row number
    assert found["c"]["error"]["code"] == rows.INVALID_INPUT
    assert found["c"]["origin"].endswith("in.parquet#row 2")
    expected = in_process(float32_parser, texts)
    assert [found[i]["quotes"] for i in ("a", "1", "d")] == expected
    assert all(found[i]["error"] is None for i in ("a", "1", "d"))


def test_a_killed_run_resumes_without_loss_or_duplicates(float32_parser, tmp_path):
    docs = [{"id": f"{d['id']}-{copy}", "text": d["text"]} for copy in range(4) for d in NEWS]
    path = write_jsonl(tmp_path / "news.jsonl", docs)
    out = tmp_path / "out"
    command = ["batch", str(path), "--output", str(out), "--shard-size", "2",
               "--parse-precision", "float32"]
    stopped = subprocess.Popen([sys.executable, "-m", "clients.cli", *command], cwd=ROOT,
                               stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: stopped.poll() is not None
                   or len(list((out / shards.DONE).glob("*.json"))) >= 2, timeout=120)
    finally:
        stopped.send_signal(signal.SIGKILL)  # no chance to tidy up
        stopped.wait()
    done = {p.stem: p.stat().st_mtime_ns for p in (out / shards.DONE).glob("*.json")}
    assert 2 <= len(done) < len(docs) // 2, "the run ended before it could be killed"

    summary = job.run_job(job.JobOptions(patterns=[str(path)], output=str(out), resume=True,
                                         shard_size=2, parse_precision="float32"),
                          parser=float32_parser)
    assert summary["complete"] and summary["shards_skipped"] == len(done)
    assert summary["shards_run"] == len(docs) // 2 - len(done)
    assert {p.stem: p.stat().st_mtime_ns for p in (out / shards.DONE).glob("*.json")
            if p.stem in done} == done  # complete shards were not done again
    assert_exactly_once(read_dataset(out), [d["id"] for d in docs])
    assert not list(out.glob(".tmp-*"))


# --- Ray -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_instance(tmp_path_factory):
    """One local Ray for this module: 2 CPUs, no dashboard, a small object store; workers see
    ``PID_DIR_ENV`` (set before Ray starts), so each actor leaves its PID there."""
    ray = pytest.importorskip("ray", reason='the batch extra is not installed '
                              '(pip install -e ".[batch]")')
    from service.backfill import engines

    pid_dir = tmp_path_factory.mktemp("actor-pids")
    previous = os.environ.get(PID_DIR_ENV)
    os.environ[PID_DIR_ENV] = str(pid_dir)
    assert engines.init_ray(None, num_cpus=2)
    try:
        yield pid_dir
    finally:
        ray.shutdown()
        if previous is None:
            os.environ.pop(PID_DIR_ENV, None)
        else:
            os.environ[PID_DIR_ENV] = previous


def test_ray_engine_gives_the_in_process_quotes(ray_instance, float32_parser, tmp_path, capsys):
    path = write_jsonl(tmp_path / "news.jsonl", NEWS, bad=BAD_LINES)
    code = main(["batch", str(path), "--output", str(tmp_path / "out"), "--engine", "ray",
                 "--shard-size", "4", "--parse-precision", "float32",
                 "--max-document-chars", str(LIMIT)])
    err = capsys.readouterr().err
    assert code == 0, err
    found = read_dataset(tmp_path / "out")
    assert_exactly_once(found, [d["id"] for d in NEWS] + list(BAD))
    by_id = {row["id"]: row for row in found}
    for doc_id, error in BAD.items():
        assert by_id[doc_id]["error"]["code"] == error and by_id[doc_id]["quotes"] == []
    expected = in_process(float32_parser, [d["text"] for d in NEWS])
    for doc, quotes in zip(NEWS, expected):
        row = by_id[doc["id"]]
        assert row["error"] is None and row["quotes"] == quotes, doc["id"]
        assert [(q["text"], q["span"]["start"]) for q in row["quotes"]] == [
            (doc["text"][q["span"]["start"]:q["span"]["end"]], q["span"]["start"])
            for q in quotes]  # offsets are code points into the text
    assert sum(len(q) for q in expected) > 20
    summary = json.loads((tmp_path / "out" / shards.SUMMARY).read_text())
    assert summary["documents"] == len(NEWS) + len(BAD) and summary["errors"] == len(BAD)
    assert summary["quotes"] == sum(len(q) for q in expected) and summary["engine"] == "ray"
    assert summary["workers"] == 1 and summary["cpus_per_worker"] == 2  # 1 thread x 2 batches
    assert f"{summary['quotes']} quotes" in err


def test_killed_ray_worker_is_retried_without_loss_or_duplicates(ray_instance, tmp_path):
    docs = [{"id": f"{d['id']}-{copy}", "text": d["text"]} for copy in range(4) for d in NEWS]
    path = write_jsonl(tmp_path / "news.jsonl", docs)
    for old in ray_instance.iterdir():
        old.unlink()
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_the_worker_after_its_first_shard() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            pids = [int(p.name) for p in ray_instance.iterdir()]
            if pids and any((out / shards.DONE).glob("*.json")):
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
            time.sleep(0.02)

    killer = threading.Thread(target=kill_the_worker_after_its_first_shard)
    killer.start()
    try:
        summary = job.run_job(job.JobOptions(patterns=[str(path)], output=str(out),
                                             engine=job.RAY, shard_size=1,
                                             parse_precision="float32"))
    finally:
        killed.append(-1)  # stops the killer if the job ended first
        killer.join()
    assert killed[0] > 0, "the job ended before a worker could be killed"
    assert summary["complete"] and summary["errors"] == 0
    assert not list(out.glob(".tmp-*"))  # a part the killed worker was writing is gone
    assert_exactly_once(read_dataset(out), [d["id"] for d in docs])
    assert summary["shards_run"] == len(docs)
    pids = {int(pid) for pid in summary["worker_peak_rss_mib"]}
    assert killed[0] in pids and len(pids) == 2  # shards done before the kill, and after it


def test_resume_skips_complete_shards_and_keeps_each_document_once(ray_instance, tmp_path,
                                                                   capsys):
    path = write_jsonl(tmp_path / "news.jsonl", NEWS, bad=BAD_LINES[:2])
    out = tmp_path / "out"
    base = ["batch", str(path), "--output", str(out), "--engine", "ray", "--shard-size", "2",
            "--max-document-chars", str(LIMIT)]
    assert main([*base, "--max-shards", "2"]) == 1  # stopped after 2 of 4 shards
    assert "INCOMPLETE (2 of 4 shards" in capsys.readouterr().err
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}
    assert len(first) == 2
    (out / ".tmp-left-by-a-killed-writer-part-x.parquet").write_bytes(b"PAR1")
    assert main(base) == 1  # an old run's folder needs --resume
    assert "add --resume" in capsys.readouterr().err
    assert main([*base[:-4], "--shard-size", "3", "--resume", "--max-document-chars",
                 str(LIMIT)]) == 1
    assert "--shard-size" in capsys.readouterr().err  # another plan cannot resume this one

    assert main([*base, "--resume"]) == 0, capsys.readouterr().err
    summary = json.loads((out / shards.SUMMARY).read_text())
    assert summary["shards_skipped"] == 2 and summary["shards_run"] == 2 and summary["complete"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")
            if p.name in first} == first  # not recomputed
    assert not list(out.glob(".tmp-*"))
    assert_exactly_once(read_dataset(out), [d["id"] for d in NEWS] + ["empty", "too-long"])
    assert summary["documents"] == len(NEWS) + 2 and summary["errors"] == 2
