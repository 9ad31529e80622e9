"""Cross-call batching: the documents of concurrent calls are parsed together.

Calls hand their documents to ``Batcher.submit`` and wait on the ``Ticket`` they get back;
batcher threads (one per batch the parser can parse at once, ``parser.parallel_batches``) take
documents from the queue and parse them in batches bounded by words, then hand each call its own
parses. Parsing 8 articles together costs little more than parsing one, so callers arriving
together share the work instead of waiting on a lock one after another.

- **Wait for more**: when the parser is idle and the queue holds fewer than ``max_batch_words``
  words, the batcher waits up to ``max_delay`` seconds after the oldest arrival for more work
  (Triton's ``max_queue_delay_microseconds``); under load the queue fills while a batch parses,
  so batches are full without waiting.
- **Shared out**: a batcher thread that finds others idle takes only its share of the queued
  words, so work that arrives together is parsed side by side rather than in one batch while the
  other threads wait.
- **No starvation**: documents are cut into pieces of whole sentences (at most a sixteenth of a
  batch each), and a batch takes at most one piece per document per round, oldest document
  first; a 100,000-character document shares batches with the short ones that arrive after it.
- **Dropped before parsing**: a document whose caller cancelled or whose deadline passed leaves
  the queue before its next piece enters a batch; the call's wait ends at once.
- **Bounded**: the queue admits a call's documents only while it holds fewer than
  ``max_queued_documents`` documents and ``max_queued_chars`` characters (an empty queue admits
  any valid call); past that ``submit`` raises ``QueueFull``, which callers turn into
  RESOURCE_EXHAUSTED with a retry delay.

A document whose pieces are all parsed is joined into its ``ParsedDocument`` and handed to the
finishing stage given at construction (the server finds quotes there) on the batcher thread that parsed its last
piece, so that Python work overlaps the other thread's torch work instead of competing for the
GIL from one more thread per call; the call's own thread only converts the results.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from service.document import ParsedDocument
from service.metrics import Metrics
from service.nlp.pipeline import Parser, Piece

log = logging.getLogger(__name__)

# A piece is at most this share of a batch (375 words of 6,000): a long document leaves room for
# others, and idle batcher threads can share even one news article (~800 words: 3 pieces).
PIECES_PER_BATCH = 16


class QueueFull(Exception):
    """The queue cannot take a call's documents now; ``limit`` names the bound that was hit."""

    def __init__(self, limit: str, value: int, retry_after: float) -> None:
        super().__init__(f"the queue is full ({limit} {value})")
        self.limit = limit
        self.value = value
        self.retry_after = retry_after


class WorkDropped(Exception):
    """A call's documents left the queue unparsed: ``reason`` is cancelled, deadline or shutdown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Ticket:
    """One call's documents in the queue; the call takes their results from here as they finish.

    The batcher completes it through ``deliver`` and ``fail`` only; the call reads it through
    ``results`` and may ``cancel`` it."""

    def __init__(self, count: int, gone: Callable[[], str | None],
                 on_cancel: Callable[["Ticket"], None]) -> None:
        self.gone = gone  # why the caller no longer waits ("cancelled", "deadline"), or None
        self._on_cancel = on_cancel
        self._cond = threading.Condition()
        self._ready: deque[tuple[int, Any]] = deque()
        self._remaining = count
        self._error: BaseException | None = None

    @property
    def error(self) -> BaseException | None:
        """Why the ticket ended early (``WorkDropped`` or the batcher's error), or None."""
        return self._error

    @property
    def dropped(self) -> bool:
        return self._error is not None

    def done(self) -> bool:
        """Whether every document was delivered or the ticket failed."""
        with self._cond:
            return self._error is not None or not self._remaining

    def deliver(self, index: int, result: Any) -> None:
        """Document ``index`` is done (ignored once the ticket failed)."""
        with self._cond:
            if self._error is None:
                self._ready.append((index, result))
                self._remaining -= 1
                self._cond.notify_all()

    def fail(self, error: BaseException) -> bool:
        """End the ticket with ``error``, unless it already ended; True if this call ended it."""
        with self._cond:
            if self._error is None and self._remaining:
                self._error = error
                self._ready.clear()
                self._cond.notify_all()
                return True
            return False

    def cancel(self, reason: str = "cancelled") -> None:
        """Give up on the documents not parsed yet: they leave the queue now."""
        if self.fail(WorkDropped(reason)):
            self._on_cancel(self)

    def results(self, deadline: float | None = None) -> Iterator[tuple[int, Any]]:
        """(document index, its result) as each document is done, until all are.

        Raises ``WorkDropped`` once the ticket is cancelled or ``deadline`` (``time.monotonic``)
        passes, and the batcher's own error if parsing failed."""
        while True:
            expired = False
            with self._cond:
                while not self._ready and self._error is None and self._remaining:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        expired = True
                        break
                    self._cond.wait(left)
                error = self._error
                item = self._ready.popleft() if self._ready and error is None else None
            if expired:
                self.cancel("deadline")
                raise self._error or WorkDropped("deadline")
            if error is not None:
                raise error
            if item is None:
                return
            yield item


@dataclass(eq=False)
class _Queued:
    """One document in the queue: its pieces, how many went into batches, how many came back."""

    ticket: Ticket
    index: int
    text: str
    pieces: list[Piece]
    piece_words: list[int]
    enqueued: float
    taken: int = 0  # pieces handed to batches
    parsed: int = 0  # pieces back from batches
    left_queue: bool = False  # dropped before all its pieces were taken
    released: bool = False  # its documents and characters no longer count against the bounds

    @property
    def chars(self) -> int:
        return len(self.text)

    @property
    def words_left(self) -> int:
        return sum(self.piece_words[self.taken:])


class Batcher:
    """Parses the documents of all calls in shared batches (see the module docstring)."""

    def __init__(self, parser: Parser, metrics: Metrics, *, max_batch_words: int = 6000,
                 max_delay: float = 0.005, max_queued_documents: int = 256,
                 max_queued_chars: int = 4_000_000,
                 finish: Callable[[ParsedDocument], Any] | None = None) -> None:
        self._parser = parser
        # the finishing stage, run on each parsed document on the thread that parsed its last
        # piece (the server finds its quotes there); tickets yield its results (else the parses)
        self._finishing = finish
        self._metrics = metrics
        self.max_batch_words = max_batch_words
        self.max_delay = max_delay
        self.max_queued_documents = max_queued_documents
        self.max_queued_chars = max_queued_chars
        self._piece_words = max(1, max_batch_words // PIECES_PER_BATCH)
        self._cond = threading.Condition()
        self._queue: deque[_Queued] = deque()  # documents with pieces not yet in a batch
        self._documents = 0  # admitted, not fully parsed (queued or in the running batch)
        self._chars = 0
        self._closed = False
        self._seconds_per_word = 1 / 3000  # running estimate per thread, for the retry delay
        self.threads = max(1, parser.parallel_batches)
        self._idle = 0  # batcher threads waiting for work
        self._threads = [threading.Thread(target=self._run, name=f"batcher-{n}", daemon=True)
                         for n in range(self.threads)]
        for thread in self._threads:
            thread.start()

    # --- callers --------------------------------------------------------------------------------

    def submit(self, texts: Sequence[str], gone: Callable[[], str | None]) -> Ticket:
        """Queue ``texts`` (one call's documents) for parsing; ``gone()`` says why the caller no
        longer waits ("cancelled", "deadline") or None; the ticket yields each document's
        finished result (``finish``). Raises ``QueueFull`` or ``WorkDropped("shutdown")``."""
        chars = sum(len(text) for text in texts)
        with self._cond:
            if self._closed:
                raise WorkDropped("shutdown")
            if self._documents:  # an empty queue admits any valid call
                if self._documents + len(texts) > self.max_queued_documents:
                    self._refuse("max_queued_documents", self.max_queued_documents)
                if self._chars + chars > self.max_queued_chars:
                    self._refuse("max_queued_chars", self.max_queued_chars)
            # Reserved now, so concurrent callers cannot overfill it while this one segments.
            self._documents += len(texts)
            self._chars += chars
            self._gauges()
        ticket = Ticket(len(texts), gone, self._withdraw)
        try:
            # Tokenizing and sentence splitting are rules only: done on the caller's thread.
            queued = []
            for index, text in enumerate(texts):
                reason = gone()  # a long call's caller may leave while it is being prepared
                if reason:
                    self._metrics.work_dropped.labels(reason=reason).inc(len(texts))
                    raise WorkDropped(reason)
                pieces = self._parser.segment(text, self._piece_words)
                queued.append(_Queued(ticket, index, text, pieces,
                                      [piece.words for piece in pieces], time.monotonic()))
        except BaseException:
            with self._cond:
                self._release(len(texts), chars)
            raise
        with self._cond:
            if self._closed:
                self._release(len(texts), chars)
                raise WorkDropped("shutdown")
            self._queue.extend(queued)
            self._cond.notify_all()
        return ticket

    def close(self, timeout: float | None = None) -> None:
        """Stop taking work; queued documents are dropped ("shutdown"); running batches end."""
        with self._cond:
            self._closed = True
            while self._queue:
                self._drop(self._queue.popleft(), "shutdown")
            self._cond.notify_all()
        until = None if timeout is None else time.monotonic() + timeout
        for thread in self._threads:
            thread.join(None if until is None else max(0.0, until - time.monotonic()))

    def parsing(self) -> bool:
        """Whether a batcher thread is still at work (after ``close``: finishing a batch)."""
        return any(thread.is_alive() for thread in self._threads)

    # --- the batcher thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            started = time.perf_counter()
            try:
                self._parser.parse_pieces([q.pieces[i] for q, i in batch])
            except BaseException as exc:  # noqa: BLE001 - handed to the callers, who report it
                log.exception("parsing a batch of %d pieces failed", len(batch))
                self._finish(batch, exc)
                continue
            seconds = time.perf_counter() - started
            words = sum(q.piece_words[i] for q, i in batch)
            self._metrics.observe_batch(len(batch), words, seconds)
            self._finish(batch, None, seconds / words if words else None)

    def _next_batch(self) -> list[tuple[_Queued, int]] | None:
        """Wait for work, then take up to ``max_batch_words`` words of pieces (or this thread's
        share of the queued words, when other batcher threads are idle), round-robin over
        documents (oldest first). None once closed."""
        with self._cond:
            self._idle += 1
            try:
                while True:
                    self._drop_gone()
                    if self._closed:
                        return None
                    if not self._queue:
                        self._cond.wait()
                        continue
                    queued_words = sum(q.words_left for q in self._queue)
                    wait = self._queue[0].enqueued + self.max_delay - time.monotonic()
                    if wait > 0 and queued_words < self.max_batch_words:
                        self._cond.wait(wait)
                        continue
                    break
                limit = min(self.max_batch_words, -(-queued_words // self._idle))
            finally:
                self._idle -= 1
            batch: list[tuple[_Queued, int]] = []
            words = 0
            now = time.monotonic()
            progress = True
            while progress and words < limit:
                progress = False
                for queued in self._queue:
                    if queued.taken == len(queued.pieces):
                        continue
                    piece_words = queued.piece_words[queued.taken]
                    if batch and not self._fits(words, piece_words, limit):
                        continue
                    if queued.taken == 0:
                        self._metrics.queue_wait.observe(now - queued.enqueued)
                    batch.append((queued, queued.taken))
                    queued.taken += 1
                    words += piece_words
                    progress = True
                    if words >= limit:
                        break
            self._queue = deque(q for q in self._queue if q.taken < len(q.pieces))
            return batch

    def _fits(self, words: int, piece_words: int, limit: int) -> bool:
        """Whether a piece joins a batch of ``words`` words: within ``limit``, or past a share
        limit by less than it would leave the batch short (never past ``max_batch_words``)."""
        after = words + piece_words
        return after <= limit or (after - limit < limit - words and after <= self.max_batch_words)

    def _finish(self, batch: list[tuple[_Queued, int]], error: BaseException | None,
                seconds_per_word: float | None = None) -> None:
        parsed: list[_Queued] = []
        with self._cond:
            if seconds_per_word is not None:
                self._seconds_per_word = 0.8 * self._seconds_per_word + 0.2 * seconds_per_word
            for queued, _piece in batch:
                if error is not None:
                    queued.ticket.fail(error)
                queued.parsed += 1
                if queued.parsed == len(queued.pieces):
                    self._release_document(queued)
                    parsed.append(queued)
                elif queued.left_queue and queued.parsed == queued.taken:
                    self._release_document(queued)  # dropped while these pieces were parsed
        for queued in parsed:  # outside the lock: the other threads go on taking batches
            self._complete(queued)

    def _complete(self, queued: _Queued) -> None:
        """Join a parsed document, run the finishing stage on it and deliver the result; a
        failure there fails that call alone."""
        ticket = queued.ticket
        if ticket.dropped:
            return
        try:
            result: Any = self._parser.assemble(queued.pieces, queued.text)
            if self._finishing is not None:
                result = self._finishing(result)
        except BaseException as exc:  # noqa: BLE001 - raised to the caller by ``results``
            log.exception("finishing document %d of a call failed", queued.index)
            ticket.fail(exc)
            return
        ticket.deliver(queued.index, result)

    # --- bookkeeping (under self._cond) --------------------------------------------------------

    def _withdraw(self, ticket: Ticket) -> None:
        """A cancelled ticket's documents leave the queue (called by ``Ticket.cancel``)."""
        with self._cond:
            self._remove(lambda queued: queued.ticket is ticket)

    def _drop_gone(self) -> None:
        """Take out documents whose caller timed out or went away without a cancel arriving."""
        for ticket in {queued.ticket for queued in self._queue}:
            reason = ticket.gone()
            if reason:
                ticket.fail(WorkDropped(reason))
        self._remove(lambda queued: queued.ticket.dropped)

    def _remove(self, which: Callable[[_Queued], bool]) -> None:
        kept: deque[_Queued] = deque()
        for queued in self._queue:
            if not which(queued):
                kept.append(queued)
                continue
            queued.left_queue = True
            if queued.taken == queued.parsed:  # else when the running batch returns
                self._release_document(queued)
            self._metrics.work_dropped.labels(reason=_reason(queued.ticket)).inc()
        self._queue = kept

    def _drop(self, queued: _Queued, reason: str) -> None:
        queued.ticket.fail(WorkDropped(reason))
        queued.left_queue = True
        if queued.taken == queued.parsed:
            self._release_document(queued)
        self._metrics.work_dropped.labels(reason=reason).inc()

    def _release_document(self, queued: _Queued) -> None:
        if not queued.released:
            queued.released = True
            self._release(1, queued.chars)

    def _release(self, documents: int, chars: int) -> None:
        self._documents -= documents
        self._chars -= chars
        self._gauges()

    def _gauges(self) -> None:
        self._metrics.queue_documents.set(self._documents)
        self._metrics.queue_chars.set(self._chars)

    def _refuse(self, limit: str, value: int) -> None:
        self._metrics.refused.labels(reason=limit).inc()
        raise QueueFull(limit, value, min(30.0, max(1.0, self._estimated_wait())))

    def _estimated_wait(self) -> float:
        return sum(q.words_left for q in self._queue) * self._seconds_per_word / self.threads


def _reason(ticket: Ticket) -> str:
    error = ticket.error
    return error.reason if isinstance(error, WorkDropped) else "error"
