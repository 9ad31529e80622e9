"""Scale-out the way a client sees it: one channel over several servers (round-robin), and a
server killed mid-run costs no call (UNAVAILABLE is retried on the others)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import urllib.request
from concurrent import futures
from pathlib import Path

import grpc

from clients.client import QuoteClient
from conftest import HOST, TEXT, free_port, sample, scrape, serving, wait_until

ROOT = Path(__file__).resolve().parents[1]


def _documents(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://{HOST}:{metrics_port}/metrics", timeout=5) as reply:
        return sample(reply.read().decode(), "quotes_documents_processed_total")


def test_calls_spread_over_servers_and_survive_one_being_killed(make_server):
    first, second = make_server(), make_server()
    port, metrics_port = free_port(), free_port()
    doomed = subprocess.Popen(
        [sys.executable, "-m", "service", "--host", HOST, "--port", str(port), "--metrics-port",
         str(metrics_port), "--torch-threads", "1", "--log-level", "WARNING"], cwd=ROOT)
    try:
        assert wait_until(lambda: serving(f"{HOST}:{port}"), timeout=120)
        target = f"ipv4:{HOST}:{first.port},{HOST}:{second.port},{HOST}:{port}"
        results, errors = [], []
        killed = threading.Event()

        def call(i: int):
            try:
                with_client.extract(TEXT, id=str(i))
                results.append(i)
            except grpc.RpcError as error:  # a lost call
                errors.append((i, error.code()))
            if len(results) == 12 and not killed.is_set():
                killed.set()
                doomed.send_signal(signal.SIGKILL)  # mid-run, calls in flight

        with QuoteClient(target, timeout=60) as with_client, futures.ThreadPoolExecutor(4) as pool:
            # round-robin reaches every server before the kill
            assert wait_until(lambda: (with_client.extract(TEXT) is not None
                                       and _documents(metrics_port) > 0), timeout=60)
            list(pool.map(call, range(40)))
        assert killed.is_set() and doomed.wait(10) == -signal.SIGKILL
        assert errors == [] and len(results) == 40
        served = [sample(scrape(srv), "quotes_documents_processed_total") for srv in (first, second)]
        assert all(count > 0 for count in served), served
    finally:
        if doomed.poll() is None:
            doomed.kill()
        doomed.wait(10)
