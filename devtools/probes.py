"""Operator probes: the reliability figures of docs/RELIABILITY.md, measured again on demand.

Each probe starts ``quotes-server`` in a subprocess on free ports (loopback only), does one thing
an operator worries about, and prints what happened; ``--record`` appends the figures to
bench/results.jsonl (``"bench": "probe"``).

    quotes-dev probes                 # all of them
    quotes-dev probes cancel sigterm  # some

- ``cancel``: 8 batch calls of long documents, cancelled by their clients; seconds until a
  normal call is answered (before cross-call batching: 66-70 s of refusals).
- ``deadline``: the same with 50 ms deadlines (before: slots taken for 17.6 s).
- ``overload``: 40 clients, one article a call, for 20 s: status codes, refusals without
  RetryInfo, failed health checks (before: 19% "Concurrent RPC limit exceeded", 3.5% of health
  checks failed).
- ``sigterm``: SIGTERM with 8 batch calls in flight and a 3 s grace: each call's status and the
  seconds to exit (before: a 3 s grace took 15.7 s).
- ``garbage``: bytes that are not gRPC, and a message that is not a valid request: the
  statuses, and whether the server still serves.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent import futures
from pathlib import Path

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from clients.client import QuoteClient
from devtools import git_commit, record_result
from quotes.v1 import quote_service_pb2 as pb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.jsonl"
NEWS = ROOT / "tests" / "data" / "news.jsonl"
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, *flags: str) -> None:
        self.port = _free_port()
        self.target = f"{HOST}:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service", "--workers", "1", "--host", HOST, "--port",
             str(self.port), "--metrics-port", "off", "--log-level", "WARNING", *flags],
            cwd=ROOT, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                with QuoteClient(self.target, timeout=2) as client:
                    if client.health() == "SERVING":
                        return
            except grpc.RpcError:
                time.sleep(0.3)
        raise RuntimeError("the server did not start")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)


def _articles() -> list[str]:
    return [json.loads(line)["text"] for line in NEWS.read_text().splitlines()]


def _long_batch() -> pb.BatchExtractQuotesRequest:
    text = "\n\n".join(_articles() * 12)  # about 10,000 words
    return pb.BatchExtractQuotesRequest(documents=[pb.Document(text=text)] * 8)


def _time_to_answer(target: str) -> float:
    started = time.monotonic()
    with QuoteClient(target, timeout=300, retries=False) as client:
        while True:
            try:
                client.extract(_articles()[0])
                return round(time.monotonic() - started, 2)
            except grpc.RpcError:
                time.sleep(0.1)


def probe_cancel() -> dict:
    server = Server("--max-document-chars", "200000", "--max-call-chars", "2000000")
    try:
        with QuoteClient(server.target, retries=False) as client:
            calls = [client._stub.BatchExtractQuotes.future(_long_batch(), timeout=300)
                     for _ in range(8)]
            time.sleep(1.0)
            for call in calls:
                call.cancel()
            return {"calls": 8, "seconds_until_answered": _time_to_answer(server.target)}
    finally:
        server.close()


def probe_deadline() -> dict:
    server = Server("--max-document-chars", "200000", "--max-call-chars", "2000000")
    try:
        with QuoteClient(server.target, retries=False) as client:
            codes = Counter()
            for _ in range(8):
                try:
                    client._stub.BatchExtractQuotes(_long_batch(), timeout=0.05)
                except grpc.RpcError as error:
                    codes[error.code().name] += 1
            return {"calls": 8, "codes": dict(codes),
                    "seconds_until_answered": _time_to_answer(server.target)}
    finally:
        server.close()


def probe_overload(clients: int = 40, seconds: float = 20.0) -> dict:
    server = Server()
    stop = time.monotonic() + seconds
    codes: Counter = Counter()
    without_retry_info = 0
    health = Counter()
    lock = threading.Lock()
    text = _articles()[1]

    def caller() -> None:
        nonlocal without_retry_info
        with QuoteClient(server.target, timeout=60, retries=False) as client:
            while time.monotonic() < stop:
                try:
                    client.extract(text)
                    code = "OK"
                except grpc.RpcError as error:
                    code = error.code().name
                    status = rpc_status.from_call(error)
                    has_retry = status is not None and any(
                        d.Is(error_details_pb2.RetryInfo.DESCRIPTOR) for d in status.details)
                    if code == "RESOURCE_EXHAUSTED" and not has_retry:
                        with lock:
                            without_retry_info += 1
                    time.sleep(0.2)
                with lock:
                    codes[code] += 1

    def prober() -> None:
        with QuoteClient(server.target, timeout=5) as client:
            while time.monotonic() < stop:
                try:
                    health[client.health()] += 1
                except grpc.RpcError as error:
                    health[error.code().name] += 1
                time.sleep(0.25)

    try:
        threads = [threading.Thread(target=caller) for _ in range(clients)]
        threads.append(threading.Thread(target=prober))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"clients": clients, "seconds": seconds, "codes": dict(codes),
                "resource_exhausted_without_retry_info": without_retry_info,
                "health_checks": dict(health)}
    finally:
        server.close()


def probe_sigterm(grace: float = 3.0) -> dict:
    server = Server("--grace-seconds", str(grace), "--max-document-chars", "200000",
                    "--max-call-chars", "2000000")
    codes: Counter = Counter()
    try:
        with QuoteClient(server.target, retries=False) as client, futures.ThreadPoolExecutor(8) as pool:
            calls = [pool.submit(client._stub.BatchExtractQuotes, _long_batch(), timeout=300)
                     for _ in range(8)]
            time.sleep(1.0)
            server.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            for call in calls:
                try:
                    call.result()
                    codes["OK"] += 1
                except grpc.RpcError as error:
                    codes[error.code().name] += 1
            status = server.process.wait(120)
            return {"calls": 8, "grace_s": grace, "codes": dict(codes), "exit_status": status,
                    "seconds_to_exit": round(time.monotonic() - signalled, 2)}
    finally:
        server.close()


def probe_garbage() -> dict:
    server = Server()
    try:
        for payload in (b"\x00\xff" * 500, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xde\xad" * 64):
            with socket.create_connection((HOST, server.port), timeout=5) as sock:
                sock.sendall(payload)
        with grpc.insecure_channel(server.target) as channel:
            raw = channel.unary_unary("/quotes.v1.QuoteService/ExtractQuotes")
            try:
                raw(b"\x0a\xff\x01garbage", timeout=10)
                malformed = "OK"
            except grpc.RpcError as error:
                malformed = error.code().name
        with QuoteClient(server.target, timeout=10) as client:
            serving = client.health()
        return {"malformed_request": malformed, "health_after": serving}
    finally:
        server.close()


PROBES = {"cancel": probe_cancel, "deadline": probe_deadline, "overload": probe_overload,
          "sigterm": probe_sigterm, "garbage": probe_garbage}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="PROBE",
                        help=f"which probes ({', '.join(PROBES)}; default: all)")
    parser.add_argument("--record", action="store_true",
                        help="append each result to bench/results.jsonl")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in PROBES]
    if unknown:
        parser.error(f"unknown probe {unknown[0]!r}; choose from {', '.join(PROBES)}")
    for name in args.names or PROBES:
        result = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  "commit": git_commit(ROOT), "bench": "probe", "probe": name,
                  **PROBES[name]()}
        record_result(result, RESULTS if args.record else None)
    return 0
