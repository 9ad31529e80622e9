"""``quotes batch`` engines against the in-process pipeline, words per second on the same
documents in one run, rounds alternating.

    quotes-dev batch-bench --docs 168 --rounds 2

Each round: the in-process pipeline (``service.api.Extractor``, the server's defaults: one torch
thread a batch, two batches at once; models loaded and warmed up before the clock starts), then
``--engine local`` (the same parser, through shards and Parquet), then ``--engine ray`` on a local
Ray instance with this machine's CPUs (actors sized by the server's threads x parallel batches).
Engines are timed twice: from the job's start (Ray's start and the actors' model loading
included) and from the first shard's start to the last one's end (the engine at work: the figure
compared with the in-process one, which also leaves model loading out). On a shared machine wall
time depends on the neighbours, so each run's CPU time is counted too, over this process and all
its descendants (Ray's GCS, raylet, agents and actors; sampled from /proc every 0.2 s): words per
CPU-second (Ray: between the first shard's start and the last one's end, interpolated) compare
what each engine costs, whatever else runs. Peak RSS per Ray actor comes from
the actors themselves (``ru_maxrss``). Documents: PolNeAR dev from ../shared/eval when
present, else tests/data/news.jsonl, cycled to ``--docs`` with distinct ids.

Prints the figures and appends one line to bench/results.jsonl (``"bench": "batch_engines"``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import tempfile
import threading
import time
from pathlib import Path

from devtools import git_commit, record_result

ROOT = Path(__file__).resolve().parents[1]
POLNEAR_DEV = ROOT.parent / "shared" / "eval" / "polnear-dev-gold.jsonl"
FIXTURE = ROOT / "tests" / "data" / "news.jsonl"
DEFAULT_RESULTS = ROOT / "bench" / "results.jsonl"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jsonl", type=Path, default=None,
                   help="documents ({'id', 'text'} a line; default: PolNeAR dev if present, "
                        "else tests/data/news.jsonl)")
    p.add_argument("--docs", type=int, default=168, help="documents, cycled (default: 168)")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds (default: 2)")
    p.add_argument("--shard-size", type=int, default=1000,
                   help="quotes batch --shard-size (default: 1000, its default)")
    p.add_argument("--precision", default="auto", help="--parse-precision (default: auto)")
    p.add_argument("--no-local-engine", action="store_true", help="skip --engine local")
    p.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    p.add_argument("--no-record", action="store_true")
    p.add_argument("--note", default="")
    return p.parse_args(argv)


class TreeCpu:
    """CPU seconds used by this process and its descendants, sampled from /proc (a process that
    exits keeps its last sample)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.seen: dict[int, float] = {}
        self.history: list[tuple[float, float]] = []  # (epoch seconds, total)
        self.lock = threading.Lock()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.interval = interval
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def sample(self) -> float:
        with self.lock:
            return self._sample()

    def between(self, start: float, end: float) -> float:
        """CPU seconds used between two epoch times (interpolated between samples)."""
        import numpy as np

        times, totals = zip(*self.history)
        at = np.interp([start, end], times, totals)
        return float(at[1] - at[0])

    def _sample(self) -> float:
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", encoding="utf-8") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(name)] = int(fields[1])
            cpu[int(name)] = (int(fields[11]) + int(fields[12])) / self.tick
        me = os.getpid()
        for pid in cpu:
            chain, seen = pid, 0
            while chain not in (0, 1, me) and seen < 64:
                chain, seen = parents.get(chain, 0), seen + 1
            if chain == me:
                self.seen[pid] = max(self.seen.get(pid, 0.0), cpu[pid])
        total = sum(self.seen.values())
        self.history.append((time.time(), total))
        return total

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()


def load_documents(path: Path, n: int) -> list[dict]:
    source = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
              if line.strip()]
    return [{"id": f"{source[i % len(source)].get('id', i)}#{i // len(source)}",
             "text": source[i % len(source)]["text"]} for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from service.api import Extractor
    from service.backfill import job

    path = args.jsonl or (POLNEAR_DEV if POLNEAR_DEV.is_file() else FIXTURE)
    docs = load_documents(path, args.docs)
    texts = [d["text"] for d in docs]
    words = sum(len(t.split()) for t in texts)
    work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    try:
        (work / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs),
                                         encoding="utf-8")
        extractor = Extractor(parse_precision=args.precision)  # the server's defaults
        extractor.extract(texts[:2])  # models loaded, warmed up
        print(f"{len(docs)} documents, {words:,} words ({path.name}); torch threads "
              f"{torch.get_num_threads()} in this process; rounds alternate")
        rounds = []
        meter = TreeCpu()
        for number in range(args.rounds):
            result: dict = {}
            cpu = meter.sample()
            started = time.perf_counter()
            quotes = sum(len(a.quotes) for a in extractor.extract(texts))
            seconds = time.perf_counter() - started
            cpu = meter.sample() - cpu
            result["in_process"] = {"seconds": round(seconds, 2),
                                    "words_per_s": round(words / seconds, 1), "quotes": quotes,
                                    "cpu_seconds": round(cpu, 1),
                                    "words_per_cpu_s": round(words / cpu, 1)}
            engines = ([] if args.no_local_engine else [job.LOCAL]) + [job.RAY]
            for engine in engines:
                out = work / f"out-{engine}-{number}"
                cpu = meter.sample()
                summary = job.run_job(job.JobOptions(
                    patterns=[str(work / "docs.jsonl")], output=str(out), engine=engine,
                    shard_size=args.shard_size, parse_precision=args.precision),
                    parser=extractor.parser if engine == job.LOCAL else None)
                cpu = meter.sample() - cpu  # from the job's start: Ray and model loading in
                assert summary["complete"] and summary["documents"] == len(docs), summary
                result[engine] = {
                    "seconds": summary["seconds"], "words_per_s": summary["words_per_s"],
                    "processing_seconds": summary["processing_seconds"],
                    "processing_words_per_s": summary["processing_words_per_s"],
                    "quotes": summary["quotes"], "workers": summary["workers"],
                    "cpu_seconds_from_start": round(cpu, 1),
                    "words_per_cpu_s_from_start": round(words / cpu, 1),
                    "words_per_worker_cpu_s": round(words / summary["worker_cpu_seconds"], 1),
                    "words_per_cpu_s": round(words / meter.between(
                        summary["processing_started"], summary["processing_finished"]), 1),
                    "cpus_per_worker": summary["cpus_per_worker"],
                    "worker_peak_rss_mib": list(summary["worker_peak_rss_mib"].values())
                    if engine == job.RAY else None}
                shutil.rmtree(out)
            base = result["in_process"]["words_per_s"]
            result["ray_ratio"] = round(result["ray"]["processing_words_per_s"] / base, 3)
            result["ray_ratio_end_to_end"] = round(result["ray"]["words_per_s"] / base, 3)
            result["ray_cpu_efficiency_ratio"] = round(
                result["ray"]["words_per_cpu_s"] / result["in_process"]["words_per_cpu_s"], 3)
            if job.LOCAL in result:
                result["local_ratio"] = round(result["local"]["processing_words_per_s"] / base, 3)
            rounds.append(result)
            print(f"round {number + 1}: in-process {base:,.0f} words/s; "
                  + "; ".join(f"{e} {result[e]['processing_words_per_s']:,.0f} at work, "
                              f"{result[e]['words_per_s']:,.0f} from start" for e in engines)
                  + f"; ray/in-process {result['ray_ratio']:.2f}x "
                  f"({result['ray_ratio_end_to_end']:.2f}x from start); words per CPU-second "
                  f"in-process {result['in_process']['words_per_cpu_s']:,.0f}, ray "
                  f"{result['ray']['words_per_cpu_s']:,.0f} at work "
                  f"({result['ray_cpu_efficiency_ratio']:.2f}x); ray actor peak RSS "
                  f"{result['ray']['worker_peak_rss_mib']} MiB")
        meter.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(ROOT), "bench": "batch_engines", "jsonl": path.name,
        "documents": len(docs), "words": words, "shard_size": args.shard_size,
        "precision": args.precision, "torch_threads": 1, "parallel_batches": 2,
        "rounds": rounds,
        "ray_ratio_min": min(r["ray_ratio"] for r in rounds),
        "ray_cpu_efficiency_ratio_min": min(r["ray_cpu_efficiency_ratio"] for r in rounds),
        "in_process_peak_rss_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cpus": os.cpu_count(), "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        "python": platform.python_version(), "note": args.note}
    record_result(record, None if args.no_record else args.results)
    return 0
