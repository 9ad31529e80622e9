"""One structured log line per call: method, status, duration, peer, documents, characters, quotes.

Never the text. Lines go to the ``quotes.access`` logger with their fields as ``extra``, so the
JSON log format (``--log-format json``) has them as keys. At high volume a token bucket limits
the lines to ``per_second`` (bursts of as many); the next line that passes says how many were
left out (``suppressed``), so counts stay right in aggregate while the log stays readable.

The interceptor (``service.interceptors.AccessLogInterceptor``) opens a call's ``CallFacts``,
counts the documents and characters of the requests as they arrive (so a call refused by
validation, authentication or a full queue still says what it sent) and writes its line; the
servicer adds the quotes found with ``note_quotes``, the token check the client's name with
``note_client``. The interceptor's wrapper and the handler run in the same thread, so a context
variable links them.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("quotes.access")


@dataclass
class CallFacts:
    documents: int = 0
    characters: int = 0
    quotes: int = 0
    client: str = ""  # the authenticated client's name (service.security), if any

    def count_sent(self, message: Any) -> None:
        """Add a request message's documents and their characters (nothing for messages
        without documents, such as malformed ones)."""
        fields = getattr(getattr(message, "DESCRIPTOR", None), "fields_by_name", {})
        if "documents" in fields:
            documents = list(message.documents)
        elif "document" in fields and message.HasField("document"):
            documents = [message.document]
        else:
            return
        self.documents += len(documents)
        self.characters += sum(len(document.text) for document in documents)


_current: contextvars.ContextVar[CallFacts | None] = contextvars.ContextVar(
    "quotes_call_facts", default=None)


def current() -> CallFacts | None:
    return _current.get()


def begin() -> CallFacts:
    """Open the current call's facts (the interceptor, as a call starts)."""
    facts = CallFacts()
    _current.set(facts)
    return facts


def end() -> None:
    _current.set(None)


def note_client(name: str) -> None:
    """The current call's client, as the token check named it."""
    facts = _current.get()
    if facts is not None:
        facts.client = name


def note_quotes(count: int) -> None:
    """Add quotes found to the current call's (no-op outside an intercepted call)."""
    facts = _current.get()
    if facts is not None:
        facts.quotes += count


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


class AccessLog:
    """Writes calls' lines, at most ``per_second`` of them (see the module docstring)."""

    def __init__(self, per_second: float) -> None:
        self._bucket = _TokenBucket(per_second)

    def write(self, method: str, code: str, seconds: float, peer: str, facts: CallFacts) -> None:
        suppressed = self._bucket.take()
        if suppressed is None:
            return
        fields = {"method": method, "code": code, "duration_ms": round(seconds * 1000, 1),
                  "peer": peer, "documents": facts.documents, "characters": facts.characters,
                  "quotes": facts.quotes}
        if facts.client:
            fields["client"] = facts.client
        if suppressed:
            fields["suppressed"] = suppressed
        log.info(" ".join(f"{key}={value}" for key, value in fields.items()), extra=fields)
