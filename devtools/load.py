"""Load benchmark: C concurrent gRPC clients against a quotes server, as callers use it.

Starts a server (``quotes-server`` in a subprocess, on free ports) or targets a running one, then
C clients, each on its own channel, send the documents of a JSONL file (field "text") one per
unary call, in batch calls, or over one stream each, until ``--count`` documents or
``--duration`` seconds. Reports words/s and documents/s (words: whitespace-separated, so the
figure does not depend on the parser), p50/p95/p99 call latency, errors by status code and the
server's peak RSS. With ``--in-process`` it then parses + extracts the same documents in this
process (no gRPC; batches of 8), after the server has stopped, and prints the service's share of
that speed: a ratio from one run on one machine.

    quotes-dev load --jsonl ../shared/eval/polnear-dev-gold.jsonl --clients 8 --count 84 \\
        --mode unary --in-process

Appends one JSON line to bench/results.jsonl (``--no-record`` to skip). See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import grpc

from clients.client import QuoteClient
from devtools import git_commit, record_result

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSONL = ROOT.parent / "shared" / "eval" / "polnear-dev-gold.jsonl"
DEFAULT_RESULTS = ROOT / "bench" / "results.jsonl"
MODES = ("unary", "batch", "stream")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jsonl", type=Path, default=DEFAULT_JSONL,
                   help="documents, one JSON object with a 'text' field a line "
                        "(default: %(default)s)")
    p.add_argument("--target", help="HOST:PORT of a running server (default: start one)")
    p.add_argument("--metrics-url", help="with --target: the server's /metrics URL, for its RSS")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (default: 8)")
    p.add_argument("--mode", choices=MODES, default="unary",
                   help="unary: one document a call; batch: --batch-size documents a call; "
                        "stream: one StreamExtractQuotes per client (default: unary)")
    p.add_argument("--batch-size", type=int, default=8, help="documents per batch call (8)")
    p.add_argument("--count", type=int, default=0,
                   help="documents to send in all, cycling through the file (default: each "
                        "document of the file once; with --duration, as many as the time allows)")
    p.add_argument("--duration", type=float, default=0,
                   help="stop sending after this many seconds (default: no limit)")
    p.add_argument("--timeout", type=float, default=120, help="per-call deadline, seconds (120)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads of the started server and of --in-process (default: 1)")
    p.add_argument("--parallel-batches", type=int, default=2,
                   help="batches parsed at once by the started server and --in-process "
                        "(default: 2)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes of the started server (default: its own default)")
    p.add_argument("--server-arg", action="append", default=[],
                   help="extra flag for the started server, e.g. --server-arg=--max-batch-words=4000")
    p.add_argument("--rss-every", type=float, default=30,
                   help="with a started server: record its RSS every this many seconds (a soak "
                        "run: --duration 1800); the timeline goes into the result (default: 30)")
    p.add_argument("--in-process", action="store_true",
                   help="also parse + extract the same documents in this process, after the "
                        "server stopped, and report the service's share of that speed")
    p.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                   help="JSONL file the result line is appended to (default: %(default)s)")
    p.add_argument("--no-record", action="store_true", help="print the result, append nothing")
    p.add_argument("--note", default="", help="free text stored with the result")
    args = p.parse_args(argv)
    for name in ("clients", "batch_size", "threads", "parallel_batches"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.count < 0 or args.duration < 0:
        p.error("--count and --duration must be 0 or more")
    return args


def load_documents(path: Path) -> list[tuple[str, str]]:
    docs = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                record = json.loads(line)
                docs.append((str(record.get("id", n)), record["text"]))
    if not docs:
        raise SystemExit(f"no documents in {path}")
    return docs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StartedServer:
    """``quotes-server`` in a subprocess on free ports; its RSS (with workers') sampled."""

    def __init__(self, threads: int, parallel_batches: int, workers: int | None,
                 extra: list[str]) -> None:
        self.port, self.metrics_port = free_port(), free_port()
        command = [sys.executable, "-m", "service", "--host", "127.0.0.1",
                   "--port", str(self.port), "--metrics-port", str(self.metrics_port),
                   "--torch-threads", str(threads), "--parallel-batches", str(parallel_batches),
                   "--log-level", "WARNING", *extra]
        if workers is not None:
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(command, cwd=ROOT)
        self.peak_rss = 0
        self.timeline: list[tuple[float, int]] = []  # (seconds since SERVING, RSS bytes)
        self.timeline_every = 30.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def wait_serving(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        with QuoteClient(self.target, timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise SystemExit(f"the server exited with {self.process.returncode}")
                try:
                    if client.health() == "SERVING":
                        self._sampler.start()
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.2)
        raise SystemExit(f"the server was not SERVING after {timeout:.0f}s")

    def rss(self) -> int:
        """Resident bytes of the server and its worker processes."""
        return sum(_rss(pid) for pid in [self.process.pid, *_children(self.process.pid)])

    def _sample(self) -> None:
        started = last = time.monotonic()
        self.timeline.append((0.0, self.rss()))
        while not self._stop.wait(0.25):
            rss = self.rss()
            self.peak_rss = max(self.peak_rss, rss)
            if time.monotonic() - last >= self.timeline_every:
                last = time.monotonic()
                self.timeline.append((round(last - started, 1), rss))

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            return [int(child) for child in f.read().split()]
    except OSError:
        return []


def metrics_rss(url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as reply:
        for line in reply.read().decode().splitlines():
            if line.startswith("process_resident_memory_bytes"):
                return int(float(line.split()[-1]))
    return 0


class Recorder:
    """Latencies, words, documents and error codes of all clients (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.words = self.documents = self.quotes = 0
        self.errors: Counter[str] = Counter()

    def ok(self, seconds: float, texts: list[str], quotes: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.documents += len(texts)
            self.words += sum(len(text.split()) for text in texts)
            self.quotes += quotes

    def error(self, error: grpc.RpcError, documents: int = 1) -> None:
        with self.lock:
            self.errors[error.code().name if error.code() else "UNKNOWN"] += documents


def drive(target: str, docs: list[tuple[str, str]], *, clients: int, mode: str, batch_size: int,
          count: int, duration: float, timeout: float) -> tuple[Recorder, float]:
    """Send ``count`` documents (cycling through ``docs``) from ``clients`` threads; with
    ``duration`` and no ``count``, as many as that time allows."""
    total = count or (None if duration else len(docs))
    numbers = iter(range(total)) if total is not None else itertools.count()
    take_lock = threading.Lock()
    stop_at = time.monotonic() + duration if duration else None
    recorder = Recorder()

    def take(n: int) -> list[tuple[str, str]]:
        with take_lock:
            if stop_at is not None and time.monotonic() >= stop_at:
                return []
            return [docs[i % len(docs)] for i in itertools.islice(numbers, n)]

    def unary(client: QuoteClient) -> None:
        while batch := take(1):
            [(doc_id, text)] = batch
            started = time.perf_counter()
            try:
                response = client.extract(text, id=doc_id, timeout=timeout)
            except grpc.RpcError as error:
                recorder.error(error)
                continue
            recorder.ok(time.perf_counter() - started, [text], len(response.quotes))

    def batched(client: QuoteClient) -> None:
        while batch := take(batch_size):
            started = time.perf_counter()
            try:
                responses = client.extract_batch(batch, timeout=timeout)
            except grpc.RpcError as error:
                recorder.error(error, len(batch))
                continue
            recorder.ok(time.perf_counter() - started, [text for _, text in batch],
                        sum(len(r.quotes) for r in responses))

    def streamed(client: QuoteClient) -> None:
        sent: dict[str, tuple[float, str]] = {}

        def documents():
            while batch := take(1):
                [(doc_id, text)] = batch
                key = f"{len(sent)}:{doc_id}"
                sent[key] = (time.perf_counter(), text)
                yield key, text

        try:
            # one deadline for the whole stream: long enough for its share of the documents
            whole = timeout * max(1, total) if total is not None else duration + timeout
            for response in client.stream(documents(), timeout=whole):
                started, text = sent.pop(response.document_id)
                recorder.ok(time.perf_counter() - started, [text], len(response.quotes))
        except grpc.RpcError as error:
            recorder.error(error, max(1, len(sent)))

    run = {"unary": unary, "batch": batched, "stream": streamed}[mode]

    def client_thread() -> None:
        with QuoteClient(target) as client:
            run(client)

    started = time.perf_counter()
    threads = [threading.Thread(target=client_thread) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return recorder, time.perf_counter() - started


def in_process_words_per_s(texts: list[str], threads: int, parallel_batches: int,
                           batch: int = 8) -> float:
    """Parse + extraction (with the bundled quote scorer, as the server) of ``texts`` in this
    process through the library API, whitespace words per second."""
    from service.api import Extractor

    extractor = Extractor(torch_threads=threads, batch_size=batch,
                          parallel_batches=parallel_batches)
    extractor.parser.warm_up()
    extractor.scorer  # noqa: B018 - loaded before the clock starts
    started = time.perf_counter()
    extractor.extract(texts)
    return sum(len(text.split()) for text in texts) / (time.perf_counter() - started)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    docs = load_documents(args.jsonl)
    server = None
    if args.target:
        target = args.target
    else:
        server = StartedServer(args.threads, args.parallel_batches, args.workers, args.server_arg)
        server.timeline_every = args.rss_every
        target = server.target
    try:
        if server is not None:
            server.wait_serving()
        recorder, seconds = drive(target, docs, clients=args.clients, mode=args.mode,
                                  batch_size=args.batch_size, count=args.count,
                                  duration=args.duration, timeout=args.timeout)
        if server is not None:
            peak_rss = max(server.peak_rss, server.rss())
        else:
            peak_rss = metrics_rss(args.metrics_url) if args.metrics_url else 0
    finally:
        if server is not None:
            server.stop()

    words_per_s = recorder.words / seconds if seconds else 0.0
    in_process = None
    if args.in_process:
        sent = args.count or (recorder.documents if args.duration else len(docs)) or len(docs)
        in_process = in_process_words_per_s([docs[i % len(docs)][1] for i in range(sent)],
                                            args.threads, args.parallel_batches)
    latencies = recorder.latencies
    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(ROOT),
        "bench": "load",
        "mode": args.mode,
        "clients": args.clients,
        "batch_size": args.batch_size if args.mode == "batch" else None,
        "threads": args.threads,
        "parallel_batches": args.parallel_batches,
        "workers": args.workers,
        "server_args": args.server_arg,
        "target": "started" if server is not None else args.target,
        "documents": recorder.documents,
        "words": recorder.words,
        "quotes": recorder.quotes,
        "seconds": round(seconds, 2),
        "words_per_s": round(words_per_s, 1),
        "docs_per_s": round(recorder.documents / seconds, 3) if seconds else 0.0,
        "latency_p50_s": _round(percentile(latencies, 0.50)),
        "latency_p95_s": _round(percentile(latencies, 0.95)),
        "latency_p99_s": _round(percentile(latencies, 0.99)),
        "errors": dict(recorder.errors),
        "server_peak_rss_mib": round(peak_rss / 2**20, 1) if peak_rss else None,
        "server_rss_mib_timeline": ([[t, round(rss / 2**20, 1)] for t, rss in server.timeline]
                                    if server is not None else None),
        "in_process_words_per_s": round(in_process, 1) if in_process else None,
        "share_of_in_process": round(words_per_s / in_process, 3) if in_process else None,
        "cpus": os.cpu_count(),
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "jsonl": args.jsonl.name,
        "note": args.note,
    }
    print(f"{args.mode}, {args.clients} clients: {recorder.documents} documents "
          f"({recorder.words:,} words) in {seconds:.1f}s -> {result['words_per_s']:,} words/s, "
          f"{result['docs_per_s']} docs/s")
    print(f"  latency p50 {result['latency_p50_s']}s  p95 {result['latency_p95_s']}s  "
          f"p99 {result['latency_p99_s']}s; errors {dict(recorder.errors) or 'none'}; "
          f"server peak RSS {result['server_peak_rss_mib']} MiB")
    if in_process:
        print(f"  in-process {in_process:,.0f} words/s; the service gives "
              f"{result['share_of_in_process']:.2f}x of it")
    record_result(result, None if args.no_record else args.results)
    return 1 if recorder.errors else 0


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    sys.exit(main())
