"""One structured log line per call: method, status, duration, peer, documents, characters, quotes.

Never the text. Lines go to the ``quotes.access`` logger with their fields as ``extra``, so the
JSON log format (``--log-format json``) has them as keys. At high volume a token bucket limits
the lines to ``per_second`` (bursts of as many); the next line that passes says how many were
left out (``suppressed``), so counts stay right in aggregate while the log stays readable.

The servicer tells the interceptor what a call carried with ``note``; the interceptor's wrapper and
the handler run in the same thread, so a context variable links them.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc

from service.interception import observed, wrap_handler

log = logging.getLogger("quotes.access")


@dataclass
class CallFacts:
    documents: int = 0
    characters: int = 0
    quotes: int = 0
    client: str = ""  # the authenticated client's name (service.security), if any


_current: contextvars.ContextVar[CallFacts | None] = contextvars.ContextVar(
    "quotes_call_facts", default=None)


def note_client(name: str) -> None:
    """The current call's client, as the token check named it."""
    facts = _current.get()
    if facts is not None:
        facts.client = name


def note(documents: int, characters: int, quotes: int) -> None:
    """Add to the current call's counts (no-op outside an intercepted call)."""
    facts = _current.get()
    if facts is not None:
        facts.documents += documents
        facts.characters += characters
        facts.quotes += quotes


class _TokenBucket:
    def __init__(self, per_second: float) -> None:
        self.rate = per_second
        self._tokens = per_second
        self._last = time.monotonic()
        self._lock = threading.Lock()
        self.suppressed = 0

    def take(self) -> int | None:
        """None when the line must be left out; else how many were left out before it."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                self.suppressed += 1
                return None
            self._tokens -= 1
            suppressed, self.suppressed = self.suppressed, 0
            return suppressed


class AccessLogInterceptor(grpc.ServerInterceptor):
    """Logs every call of the service (health and reflection calls are left out)."""

    def __init__(self, per_second: float, service_prefix: str = "/quotes.") -> None:
        self._bucket = _TokenBucket(per_second)
        self._prefix = service_prefix

    def intercept_service(self, continuation: Callable, handler_call_details: Any):
        handler = continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or not method.startswith(self._prefix):
            return handler
        return wrap_handler(handler, lambda behavior: self._logged(behavior, handler, method))

    def _logged(self, behavior: Callable, handler: grpc.RpcMethodHandler, method: str) -> Callable:
        def start(_context: grpc.ServicerContext) -> tuple[CallFacts, float]:
            facts = CallFacts()
            _current.set(facts)
            return facts, time.perf_counter()

        def end(context: grpc.ServicerContext, state: tuple[CallFacts, float],
                code: grpc.StatusCode) -> None:
            _current.set(None)
            suppressed = self._bucket.take()
            if suppressed is None:
                return
            facts, started = state
            fields = {"method": method.rsplit("/", 1)[-1], "code": code.name,
                      "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                      "peer": context.peer(), "documents": facts.documents,
                      "characters": facts.characters, "quotes": facts.quotes}
            if facts.client:
                fields["client"] = facts.client
            if suppressed:
                fields["suppressed"] = suppressed
            log.info(" ".join(f"{key}={value}" for key, value in fields.items()), extra=fields)

        return observed(handler, behavior, start=start, end=end)
