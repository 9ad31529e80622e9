"""The gRPC adapter: validate requests, queue documents for parsing, run the extractor, map
domain -> proto, map errors.

No NLP here: parsing belongs to ``service.nlp.pipeline`` (reached through the cross-call queue in
``service.batching``) and finding quotes to ``service.attribution.extractor``. Errors follow AIP-193: INVALID_ARGUMENT carries a
google.rpc.BadRequest (one field violation per bad field) and a google.rpc.ErrorInfo.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2

from quotes.v1 import quote_service_pb2 as pb
from quotes.v1 import quote_service_pb2_grpc as pb_grpc
from service import access_log
from service.document import ParsedDocument
from service.attribution.spans import Attribution
from service.status import DROPPED, Violations, abort
from service.wire import OFFSET_UNITS, OffsetUnit, to_proto
from service.batching import Batcher, QueueFull, Ticket, WorkDropped
from service.metrics import Metrics
from service.pipeline import QuotePipeline
from service.settings import Settings

log = logging.getLogger(__name__)

# --- the servicer ----------------------------------------------------------------------------

# Stream messages admitted ahead of the response being sent: enough to fill a batch from one
# stream, few enough that a stream cannot take the whole queue.
STREAM_WINDOW = 16
_DEADLINE_SLACK = 0.05  # seconds
_NO_DEADLINE = 10 * 365 * 86400.0  # seconds: more than this left means none was set


# What a stream's reader thread hands the responding thread, in message order.
@dataclass(frozen=True)
class Admitted:
    """A message's document is in the queue."""
    document: pb.Document
    unit: tuple[OffsetUnit, int]
    ticket: Ticket


@dataclass(frozen=True)
class Invalid:
    """A message failed validation: the stream ends with INVALID_ARGUMENT."""
    violations: Violations


@dataclass(frozen=True)
class Refused:
    """The queue refused a message (QueueFull) or the server is shutting down (WorkDropped)."""
    refusal: QueueFull | WorkDropped


@dataclass(frozen=True)
class StreamBroken:
    """Reading the requests failed (the client cancelled, bad bytes)."""
    error: Exception


@dataclass(frozen=True)
class StreamEnded:
    """No more messages."""


StreamEvent = Admitted | Invalid | Refused | StreamBroken | StreamEnded


class QuoteServicer(pb_grpc.QuoteServiceServicer):
    """Implements quotes.v1.QuoteService over a Batcher (parsing) and the extractor."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self._settings = settings
        self._metrics = metrics
        self._batcher: Batcher | None = None
        self._pipeline: QuotePipeline | None = None
        self._model = pb.ModelInfo()

    def set_batcher(self, batcher: Batcher, pipeline: QuotePipeline) -> None:
        """Start answering: documents go to ``batcher`` (which parses with ``pipeline``'s
        parser); ``pipeline`` finds their quotes; answers name its models."""
        spec = pipeline.spec
        self._model = pb.ModelInfo(name=spec.name, version=spec.version, source=spec.source)
        self._pipeline = pipeline
        self._batcher = batcher

    # --- RPCs ----------------------------------------------------------------------------------

    def ExtractQuotes(self, request: pb.ExtractQuotesRequest,
                      context: grpc.ServicerContext) -> pb.ExtractQuotesResponse:
        violations = Violations()
        unit = self._check_unit(request.offset_unit, violations)
        self._check_document(request.document, "document", violations)
        violations.raise_if_any(context)
        [response] = self._analyse([request.document], unit, context, pb.ExtractQuotesResponse)
        return response

    def BatchExtractQuotes(self, request: pb.BatchExtractQuotesRequest,
                           context: grpc.ServicerContext) -> pb.BatchExtractQuotesResponse:
        violations = Violations()
        limit = self._settings.max_batch_size
        if len(request.documents) > limit:
            violations.add("documents", "TOO_MANY_DOCUMENTS",
                           f"{len(request.documents)} documents; at most {limit} per call")
        unit = self._check_unit(request.offset_unit, violations)
        for index, document in enumerate(request.documents):
            self._check_document(document, f"documents[{index}]", violations)
        # Documents too long on their own have their violation already; the call's bound only
        # speaks when the acceptable ones are too many together (one document: never).
        total = sum(len(document.text) for document in request.documents
                    if len(document.text) <= self._settings.max_document_chars)
        if total > self._settings.max_call_chars:
            violations.add("documents", "CALL_TOO_LONG",
                           f"{total} characters in all; at most {self._settings.max_call_chars} "
                           "per call (split the batch, or raise the server's --max-call-chars / "
                           "QUOTES_MAX_CALL_CHARS)")
        violations.raise_if_any(context)
        if not request.documents:
            return pb.BatchExtractQuotesResponse()
        responses = self._analyse(list(request.documents), unit, context, pb.ExtractQuotesResponse)
        return pb.BatchExtractQuotesResponse(responses=responses)

    def StreamExtractQuotes(
            self, request_iterator: Iterator[pb.StreamExtractQuotesRequest],
            context: grpc.ServicerContext) -> Iterator[pb.StreamExtractQuotesResponse]:
        # Responses come in message order. A reader thread admits up to STREAM_WINDOW messages
        # ahead of the response being sent, so one stream's documents share batches (a stream
        # is then as fast as batch calls) while a caller that waits for each answer before
        # sending the next still gets it.
        batcher = self._require_batcher(context)
        window: queue.Queue = queue.Queue(maxsize=STREAM_WINDOW)
        stop = threading.Event()

        def put(event: StreamEvent) -> bool:
            while not stop.is_set():
                try:
                    window.put(event, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            try:
                for index, request in enumerate(request_iterator):
                    # Field paths are within the message; the description says which message.
                    violations = Violations(f"stream message {index} (id {request.document.id!r}): ")
                    unit = self._check_unit(request.offset_unit, violations)
                    self._check_document(request.document, "document", violations)
                    if violations:
                        put(Invalid(violations))
                        return
                    try:
                        ticket = self._submit(batcher, [request.document], context)
                    except (QueueFull, WorkDropped) as refusal:
                        put(Refused(refusal))
                        return
                    if not put(Admitted(request.document, unit, ticket)):
                        ticket.cancel()
                        return
            except Exception as exc:  # noqa: BLE001 - the stream broke (cancelled, bad bytes)
                put(StreamBroken(exc))
            finally:
                put(StreamEnded())

        def cancel_outstanding() -> None:
            stop.set()
            while True:
                try:
                    event = window.get_nowait()
                except queue.Empty:
                    return
                if isinstance(event, Admitted):
                    event.ticket.cancel(_gone(context) or "cancelled")

        context.add_callback(cancel_outstanding)
        threading.Thread(target=read, name="stream-reader", daemon=True).start()

        def next_event() -> StreamEvent:
            # The call may end (cancel callback) while the reader waits for a message that
            # never comes: then nothing is put in the window, so look at ``stop`` now and then.
            while True:
                try:
                    return window.get(timeout=0.5)
                except queue.Empty:
                    if stop.is_set():
                        return StreamEnded()

        try:
            while True:
                event = next_event()
                if isinstance(event, Admitted):
                    with self._in_flight():
                        [response] = self._collect(event.ticket, [event.document], event.unit,
                                                   context, pb.StreamExtractQuotesResponse)
                    yield response
                elif isinstance(event, Invalid):
                    event.violations.raise_if_any(context)
                elif isinstance(event, Refused):
                    self._refuse(event.refusal, context)
                elif isinstance(event, StreamBroken):
                    if context.is_active():
                        raise event.error
                    return
                else:  # StreamEnded
                    return
        finally:
            cancel_outstanding()

    # --- validation ----------------------------------------------------------------------------

    def _check_unit(self, value: int, violations: Violations) -> tuple[OffsetUnit, int]:
        if value not in OFFSET_UNITS:
            violations.add("offset_unit", "UNKNOWN_OFFSET_UNIT",
                           f"unknown offset unit {value}; use one of "
                           + ", ".join(pb.OffsetUnit.Name(v) for v in OFFSET_UNITS))
            return OFFSET_UNITS[pb.OFFSET_UNIT_UNSPECIFIED]
        return OFFSET_UNITS[value]

    def _check_document(self, document: pb.Document, field: str, violations: Violations) -> None:
        text = document.text
        limit = self._settings.max_document_chars
        if not text.strip():
            violations.add(f"{field}.text", "EMPTY_TEXT",
                           "text is empty or only whitespace" if text else "text is empty")
        elif len(text) > limit:
            violations.add(f"{field}.text", "TEXT_TOO_LONG",
                           f"text has {len(text)} characters; at most {limit} are accepted "
                           f"(the server's max_document_chars: split the text, or raise it with "
                           f"--max-document-chars / QUOTES_MAX_DOCUMENT_CHARS)")

    # --- the work ------------------------------------------------------------------------------

    def _require_batcher(self, context: grpc.ServicerContext) -> Batcher:
        batcher = self._batcher
        if batcher is None:
            abort(context, grpc.StatusCode.UNAVAILABLE, "models are still loading; retry shortly",
                  "MODELS_LOADING")
        return batcher

    def _analyse(self, documents: Sequence[pb.Document], unit: tuple[OffsetUnit, int],
                 context: grpc.ServicerContext, response_cls: type) -> list:
        batcher = self._require_batcher(context)
        try:
            ticket = self._submit(batcher, documents, context)
        except (QueueFull, WorkDropped) as refusal:
            self._refuse(refusal, context)
        # When the call ends early (the caller cancelled, its deadline passed), its documents
        # leave the queue at once instead of being parsed for nobody.
        if not context.add_callback(lambda: ticket.cancel(_gone(context) or "cancelled")):
            ticket.cancel()
        with self._in_flight():
            return self._collect(ticket, documents, unit, context, response_cls)

    def _submit(self, batcher: Batcher, documents: Sequence[pb.Document],
                context: grpc.ServicerContext) -> Ticket:
        """Queue the documents; their quotes are found on the batcher's thread right after the
        parse (``finishing_stage``). Raises ``QueueFull`` or ``WorkDropped``."""
        return batcher.submit([document.text for document in documents], lambda: _gone(context))

    def _collect(self, ticket: Ticket, documents: Sequence[pb.Document],
                 unit: tuple[OffsetUnit, int], context: grpc.ServicerContext,
                 response_cls: type) -> list:
        """Each document's response, converted as soon as its quotes are found."""
        responses: list = [None] * len(documents)
        try:
            for index, attribution in ticket.results(_deadline(context)):
                document = documents[index]
                access_log.note_quotes(len(attribution.quotes))
                responses[index] = to_proto(response_cls, document, attribution, unit,
                                            self._model)
        except WorkDropped as dropped:
            self._refuse(dropped, context)
        return responses

    def _refuse(self, refusal: Exception, context: grpc.ServicerContext) -> NoReturn:
        """End a call whose documents were refused (queue full) or dropped from the queue."""
        if isinstance(refusal, WorkDropped):
            code, message, reason = DROPPED.get(refusal.reason, DROPPED["cancelled"])
            abort(context, code, message, reason)
        assert isinstance(refusal, QueueFull)
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(refusal.retry_after * 1e9))
        abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED,
              f"server busy: {refusal}; retry after {refusal.retry_after:.1f}s",
              "OVERLOADED", error_details_pb2.RetryInfo(retry_delay=delay),
              metadata={refusal.limit: str(refusal.value)}, retry_after=refusal.retry_after)

    @contextmanager
    def _in_flight(self) -> Iterator[None]:
        self._metrics.in_flight.inc()
        try:
            yield
        finally:
            self._metrics.in_flight.dec()


def finishing_stage(pipeline: QuotePipeline, metrics: Metrics) -> Callable[[ParsedDocument], Attribution]:
    """What the batcher runs on each parsed document (given to it once, at construction): the
    pipeline's extraction, counted in the document metrics."""
    def find_quotes(parsed: ParsedDocument) -> Attribution:
        started = time.perf_counter()
        attribution = pipeline.extract(parsed)
        metrics.observe_document(len(parsed.text), len(parsed.words),
                                 [quote.type.value for quote in attribution.quotes],
                                 time.perf_counter() - started)
        return attribution
    return find_quotes


def _deadline(context: grpc.ServicerContext) -> float | None:
    """The call's deadline on ``time.monotonic``'s clock; None when the caller set none."""
    remaining = context.time_remaining()
    # Without a deadline gRPC reports the time left until its "infinite future".
    return None if remaining > _NO_DEADLINE else time.monotonic() + remaining


def _gone(context: grpc.ServicerContext) -> str | None:
    """Why the caller no longer waits ("deadline", "cancelled"), or None while it does."""
    remaining = context.time_remaining()
    if remaining <= 0:
        return "deadline"
    if not context.is_active():
        # gRPC's core ends the call at the deadline by its own clock, a hair before ours.
        return "deadline" if remaining < _DEADLINE_SLACK else "cancelled"
    return None
