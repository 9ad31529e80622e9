"""SIGTERM under load, on the real process: calls that finish within the grace period finish;
those still running at its end are cancelled with a clear status and named in the log; the
process exits soon after the grace period."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent import futures
from pathlib import Path

import grpc

from clients.client import QuoteClient
from conftest import HOST, TEXT, free_port, serving, wait_until

ROOT = Path(__file__).resolve().parents[1]
NEWS = [json.loads(line)["text"] for line in
        (Path(__file__).parent / "data" / "news.jsonl").read_text().splitlines()]


def test_sigterm_finishes_short_calls_and_cancels_long_ones_within_the_grace(tmp_path):
    port = free_port()
    grace = 3.0
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "--workers", "1", "--host", HOST, "--port", str(port),
         "--metrics-port", "off", "--torch-threads", "1", "--grace-seconds", str(grace), "--max-batch-words", "800",
         "--max-document-chars", "400000", "--max-call-chars", "2000000"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        target = f"{HOST}:{port}"
        assert wait_until(lambda: serving(target), timeout=120)
        long_text = "\n\n".join(NEWS * 30)  # about 25,000 words: far more than the grace allows
        with futures.ThreadPoolExecutor(3) as pool:
            clients = [QuoteClient(target, timeout=120, retries=False) for _ in range(3)]
            short = pool.submit(clients[0].extract, TEXT)
            short.result(timeout=60)  # answered before the signal
            long_calls = [pool.submit(c.extract_batch, [long_text] * 2) for c in clients[1:]]
            time.sleep(1.0)
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            codes = []
            for call in long_calls:
                try:
                    call.result(timeout=60)
                    codes.append("OK")
                except grpc.RpcError as error:
                    codes.append(error.code().name)
            status = process.wait(timeout=grace + 30)
            assert status == 0, (tmp_path / "server.log").read_text()[-3000:]
            took = time.monotonic() - signalled
            for c in clients:
                c.close()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        log.close()
    # every in-flight call accounted for: ended with a status a client can act on (both mean
    # "not done here; retry elsewhere"), none hung or lost
    assert set(codes) <= {"CANCELLED", "UNAVAILABLE"} and len(codes) == 2, codes
    assert took < grace + 15, took  # the cancelled work stopped: no minutes of parsing for nobody
    output = (tmp_path / "server.log").read_text()
    ended = [line for line in output.splitlines() if "method=BatchExtractQuotes" in line]
    assert len(ended) == 2 and all("code=OK" not in line for line in ended), ended
    assert "received SIGTERM" in output and "stopped" in output
