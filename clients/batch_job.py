"""``quotes extract`` over many documents without losing any.

- Documents go in batch calls, several in flight; results come out in input order.
- A batch the server refuses as INVALID_ARGUMENT is sent again one document a call, so one bad
  document costs only itself: it gets an error record with its id, where it came from (file or
  JSONL line) and the reason, and the run goes on. A JSONL line that is no document at all (not
  UTF-8, not JSON, not an object, no string "text") is never sent; it gets an error record the
  same way, with the code ``INVALID_INPUT``, in its place in the output. Transient refusals
  (UNAVAILABLE, RESOURCE_EXHAUSTED) are retried with backoff by the client's retry policy.
- ``--output FILE --resume`` skips the ids FILE already has results for and appends, so a long
  run stopped half way picks up where it was (documents that failed are tried again).
- On a terminal, a progress line (documents, words/s, ETA) on stderr.
- The exit status is 1 when any document failed, with the count.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import TextIO

import grpc

from clients.client import QuoteClient, describe_error
from quotes.v1 import quote_service_pb2 as pb


#: The error code of an input that is not a document (a malformed JSONL line); not a gRPC code.
INVALID_INPUT = "INVALID_INPUT"


@dataclass(frozen=True)
class Item:
    document: pb.Document
    origin: str  # "file.txt" or "docs.jsonl:21"
    invalid: str = ""  # why the input is not a document (then it is not sent); "" when it is


@dataclass
class Outcome:
    item: Item
    response: pb.ExtractQuotesResponse | None = None
    error: grpc.RpcError | None = None


def error_record(outcome: Outcome) -> dict:
    if outcome.item.invalid:
        return {"id": outcome.item.document.id, "origin": outcome.item.origin,
                "error": {"code": INVALID_INPUT, "message": outcome.item.invalid}}
    error = outcome.error
    return {"id": outcome.item.document.id, "origin": outcome.item.origin,
            "error": {"code": error.code().name if error.code() else "UNKNOWN",
                      "message": describe_error(error)}}


def done_ids(path: str) -> set[str]:
    """Ids with a result in a results file (failed ones are not done)."""
    ids: set[str] = set()
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut short when the last run stopped
                if isinstance(record, dict) and "document_id" in record:
                    ids.add(str(record["document_id"]))  # error records are tried again
    except FileNotFoundError:
        pass
    return ids


def _extract_batch(client: QuoteClient, items: Sequence[Item], unit: str) -> list[Outcome]:
    """The outcome of each item, in order; invalid items are not sent."""
    if any(item.invalid for item in items):
        valid = [item for item in items if not item.invalid]
        sent = iter(_extract_batch(client, valid, unit) if valid else [])
        return [Outcome(item) if item.invalid else next(sent) for item in items]
    try:
        responses = client.extract_batch([i.document for i in items], offset_unit=unit)
        return [Outcome(item, response=r) for item, r in zip(items, responses)]
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.INVALID_ARGUMENT or len(items) == 1:
            return [Outcome(item, error=error) for item in items]
    # One bad document refused the whole batch: each on its own, so only it fails.
    outcomes = []
    for item in items:
        try:
            outcomes.append(Outcome(item, response=client.extract(
                item.document.text, id=item.document.id, offset_unit=unit)))
        except grpc.RpcError as error:
            outcomes.append(Outcome(item, error=error))
    return outcomes


class Progress:
    """documents done / total, words/s, ETA: one line rewritten on a terminal."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out = total, out
        self.enabled = out.isatty()
        self.done = self.words = 0
        self.started = time.monotonic()

    def add(self, outcomes: Sequence[Outcome]) -> None:
        self.done += len(outcomes)
        self.words += sum(len(o.item.document.text.split()) for o in outcomes)
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0
        self.out.write(f"\r{self.done}/{self.total} documents  {self.words / elapsed:,.0f} words/s"
                       f"  ETA {eta:,.0f}s ")
        self.out.flush()

    def close(self) -> None:
        if self.enabled:
            self.out.write("\n")


def batches_of(items: Sequence[Item], size: int, max_chars: int) -> list[Sequence[Item]]:
    """Consecutive runs of at most ``size`` items and ``max_chars`` characters (the server's
    --max-batch-size and --max-call-chars); an item longer than that goes alone (and the server
    says why it is refused)."""
    batches: list[Sequence[Item]] = []
    start, chars = 0, 0
    for i, item in enumerate(items):
        length = len(item.document.text)
        if i > start and (i - start == size or chars + length > max_chars):
            batches.append(items[start:i])
            start, chars = i, 0
        chars += length
    if start < len(items):
        batches.append(items[start:])
    return batches


def run(client: QuoteClient, items: Sequence[Item], *, batch_size: int, in_flight: int,
        unit: str, write: Callable[[Outcome], None], progress: Progress,
        max_call_chars: int = 1_000_000) -> tuple[int, int, bool]:
    """Extract every item; ``write`` gets each outcome in input order. Returns (ok, failed,
    whether it stopped because nothing answered)."""
    batches = batches_of(items, batch_size, max_call_chars)
    ok = failed = 0
    unreachable = False
    with futures.ThreadPoolExecutor(max(1, in_flight)) as pool:
        pending: Iterator = iter(batches)
        running: list[futures.Future] = [pool.submit(_extract_batch, client, b, unit)
                                         for b in _take(pending, in_flight)]
        while running:
            outcomes = running.pop(0).result()
            running += [pool.submit(_extract_batch, client, b, unit) for b in _take(pending, 1)]
            for outcome in outcomes:
                write(outcome)
                ok += outcome.response is not None
                failed += outcome.response is None
            progress.add(outcomes)
            if failed and ok == 0 and _unreachable(outcomes):
                unreachable = True
                for future in running:
                    future.cancel()
                break  # nothing answers: stop instead of failing every document
    return ok, failed, unreachable


def _take(iterator: Iterator, n: int) -> list:
    return [item for _, item in zip(range(n), iterator)]


def _unreachable(outcomes: Sequence[Outcome]) -> bool:
    sent = [o for o in outcomes if not o.item.invalid]
    return bool(sent) and all(o.error is not None
                              and o.error.code() == grpc.StatusCode.UNAVAILABLE for o in sent)
