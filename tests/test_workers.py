"""``quotes-server --workers 2``: two processes on one port, one /metrics for both, SERVING only
when both are ready, and a SIGTERM that lets every in-flight call finish."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent import futures
from pathlib import Path

import pytest

from clients.client import QuoteClient
from conftest import free_port, sample, serving, wait_until
from service.workers import available_cpus, default_workers

ROOT = Path(__file__).resolve().parents[1]
NEWS = [json.loads(line)["text"] for line in
        (Path(__file__).parent / "data" / "news.jsonl").read_text().splitlines()]


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
        return reply.read().decode()


def test_default_workers_follow_cpus_and_threads():
    assert default_workers(1) == available_cpus() >= 1
    assert default_workers(1, 2) == max(1, available_cpus() // 2)
    assert default_workers(10_000) == 1


@pytest.fixture
def two_workers():
    port, metrics_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--workers", "2", "--host", "127.0.0.1", "--port",
         str(port), "--metrics-port", str(metrics_port), "--torch-threads", "1",
         "--grace-seconds", "30"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        yield process, f"127.0.0.1:{port}", metrics_port
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)


def test_two_workers_serve_one_port_with_one_metrics_endpoint(two_workers):
    process, target, metrics_port = two_workers
    assert wait_until(lambda: serving(target), timeout=180), \
        process.stdout.read() if process.poll() is not None else "not SERVING"

    calls = 8
    # Each client on its own channel (connection), so the kernel spreads them over the workers.
    def call(i: int):
        with QuoteClient(target, timeout=120) as client:
            return client.extract(NEWS[i % len(NEWS)], id=str(i))

    with futures.ThreadPoolExecutor(calls) as pool:
        responses = list(pool.map(call, range(calls)))
    assert [r.document_id for r in responses] == [str(i) for i in range(calls)]
    assert all(r.quotes for r in responses)

    exposition = _scrape(metrics_port)
    assert sample(exposition, "quotes_documents_processed_total") == calls
    assert sample(exposition, "grpc_server_handled_total", grpc_method="ExtractQuotes",
                  grpc_code="OK") == calls
    assert sample(exposition, "quotes_model_info", source="bundled") == 1
    workers_rss = [sample(exposition, "quotes_worker_resident_memory_bytes", worker=str(i))
                   for i in range(2)]
    assert all(rss > 100 * 2**20 for rss in workers_rss)  # each holds its own models
    assert sample(exposition, "process_resident_memory_bytes") >= sum(workers_rss)

    # SIGTERM with batch calls in flight: every one of them finishes, then the process exits 0.
    with futures.ThreadPoolExecutor(4) as pool:
        clients = [QuoteClient(target, timeout=120) for _ in range(4)]
        try:
            in_flight = [pool.submit(c.extract_batch, NEWS) for c in clients]
            assert wait_until(lambda: sample(_scrape(metrics_port), "quotes_in_flight_work") >= 2,
                              timeout=30)
            process.send_signal(signal.SIGTERM)
            results = [f.result(timeout=120) for f in in_flight]
        finally:
            for c in clients:
                c.close()
    assert all(len(r) == len(NEWS) for r in results)
    assert process.wait(60) == 0
    output = process.stdout.read()
    assert output.count("warmed up") == 2 and "all 2 workers ready: SERVING" in output
    assert output.index("all 2 workers ready") > output.rindex("warmed up")
    started = time.monotonic()
    assert not serving(target) and time.monotonic() - started < 10  # the port is closed


def test_workers_stop_when_the_server_process_is_killed(two_workers):
    process, target, _metrics_port = two_workers
    assert wait_until(lambda: serving(target), timeout=180), \
        process.stdout.read() if process.poll() is not None else "not SERVING"
    process.kill()  # SIGKILL: the parent cannot stop its workers itself
    process.wait(30)
    # Orphaned workers notice within a second and stop; nothing serves the port any more.
    assert wait_until(lambda: not serving(target), timeout=60), "workers outlived their server"
