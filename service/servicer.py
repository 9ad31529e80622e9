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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from quotes.v1 import quote_service_pb2 as pb
from quotes.v1 import quote_service_pb2_grpc as pb_grpc
from service import access_log
from service.attribution import extractor
from service.attribution.parsed import ParsedDocument
from service.attribution.spans import (Attribution, OffsetConverter, OffsetUnit, QuoteType,
                                       Resolution, Span, SpeakerKind)
from service.batching import Batcher, QueueFull, Ticket, WorkDropped
from service.metrics import Metrics
from service.nlp.models import ModelSpec
from service.settings import Settings

log = logging.getLogger(__name__)

ERROR_DOMAIN = "quotes.v1"

_OFFSET_UNITS = {
    pb.OFFSET_UNIT_UNSPECIFIED: (OffsetUnit.CODE_POINT, pb.OFFSET_UNIT_CODE_POINT),
    pb.OFFSET_UNIT_CODE_POINT: (OffsetUnit.CODE_POINT, pb.OFFSET_UNIT_CODE_POINT),
    pb.OFFSET_UNIT_UTF8_BYTE: (OffsetUnit.UTF8_BYTE, pb.OFFSET_UNIT_UTF8_BYTE),
    pb.OFFSET_UNIT_UTF16_CODE_UNIT: (OffsetUnit.UTF16_CODE_UNIT, pb.OFFSET_UNIT_UTF16_CODE_UNIT),
}
_QUOTE_TYPES = {QuoteType.DIRECT: pb.QUOTE_TYPE_DIRECT, QuoteType.INDIRECT: pb.QUOTE_TYPE_INDIRECT,
                QuoteType.MIXED: pb.QUOTE_TYPE_MIXED}
_RESOLUTIONS = {resolution: pb.SpeakerResolution.Value(f"SPEAKER_RESOLUTION_{resolution.name}")
                for resolution in Resolution}
_SPEAKER_KINDS = {SpeakerKind.PERSON: pb.SPEAKER_KIND_PERSON,
                  SpeakerKind.ORGANIZATION: pb.SPEAKER_KIND_ORGANIZATION,
                  SpeakerKind.GROUP: pb.SPEAKER_KIND_GROUP,
                  SpeakerKind.UNKNOWN: pb.SPEAKER_KIND_UNKNOWN}


# --- status helpers --------------------------------------------------------------------------

def _packed(*details: Any) -> list[any_pb2.Any]:
    packed = []
    for detail in details:
        holder = any_pb2.Any()
        holder.Pack(detail)
        packed.append(holder)
    return packed


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str, reason: str,
          *details: Any, metadata: dict[str, str] | None = None,
          retry_after: float | None = None) -> NoReturn:
    """End the call with ``code``, a google.rpc.ErrorInfo(``reason``) and ``details``.

    ``retry_after`` (seconds) also goes out as ``grpc-retry-pushback-ms``, which gRPC's own
    retry policy (the client's service config) honours the way RetryInfo asks."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata or {})
    status = rpc_status.to_status(status_pb2.Status(code=getattr(code_pb2, code.name),
                                                    message=message,
                                                    details=_packed(info, *details)))
    if retry_after is not None:
        status = _GrpcStatus(status.code, status.details, (
            *status.trailing_metadata, ("grpc-retry-pushback-ms", str(int(retry_after * 1000)))))
    context.abort_with_status(status)
    raise AssertionError("unreachable: abort_with_status raises")


class _GrpcStatus(grpc.Status):
    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: tuple) -> None:
        self.code, self.details, self.trailing_metadata = code, details, trailing_metadata


class _Violations:
    """Collects every bad field of a request, so the caller learns them all in one answer."""

    def __bool__(self) -> bool:
        return bool(self._items)

    def __init__(self, context_note: str = "") -> None:
        self._note = context_note
        self._items: list[error_details_pb2.BadRequest.FieldViolation] = []

    def add(self, field: str, reason: str, description: str) -> None:
        self._items.append(error_details_pb2.BadRequest.FieldViolation(
            field=field, reason=reason, description=self._note + description))

    def raise_if_any(self, context: grpc.ServicerContext) -> None:
        if not self._items:
            return
        first = self._items[0]
        message = f"{first.field}: {first.description}"
        if len(self._items) > 1:
            message += f" (and {len(self._items) - 1} more field violations)"
        abort(context, grpc.StatusCode.INVALID_ARGUMENT, message, first.reason,
              error_details_pb2.BadRequest(field_violations=self._items))


# --- the servicer ----------------------------------------------------------------------------

# Stream messages admitted ahead of the response being sent: enough to fill a batch from one
# stream, few enough that a stream cannot take the whole queue.
STREAM_WINDOW = 16
_DEADLINE_SLACK = 0.05  # seconds
# Why a call's documents left the queue unparsed -> how the call ends.
_DROPPED = {
    "deadline": (grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the work ended",
                 "DEADLINE_EXCEEDED"),
    "shutdown": (grpc.StatusCode.UNAVAILABLE,
                 "the server is shutting down; retry on another replica", "SHUTTING_DOWN"),
    "cancelled": (grpc.StatusCode.CANCELLED, "the call was cancelled", "CANCELLED"),
}
_NO_DEADLINE = 10 * 365 * 86400.0  # seconds: more than this left means none was set


class QuoteServicer(pb_grpc.QuoteServiceServicer):
    """Implements quotes.v1.QuoteService over a Batcher (parsing) and the extractor."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self._settings = settings
        self._metrics = metrics
        self._batcher: Batcher | None = None
        self._quote_scorer = None
        self._model = pb.ModelInfo()

    def set_batcher(self, batcher: Batcher, spec: ModelSpec, quote_scorer=None) -> None:
        """Start answering: documents go to ``batcher``; answers name the models of ``spec``;
        ``quote_scorer`` (``service.attribution.scorer``) keeps or drops the rules' quotes and
        gives their confidence (None: the rules alone)."""
        self._model = pb.ModelInfo(name=spec.name, version=spec.version, source=spec.source)
        self._quote_scorer = quote_scorer
        self._batcher = batcher

    # --- RPCs ----------------------------------------------------------------------------------

    def ExtractQuotes(self, request: pb.ExtractQuotesRequest,
                      context: grpc.ServicerContext) -> pb.ExtractQuotesResponse:
        violations = _Violations()
        unit = self._check_unit(request.offset_unit, violations)
        self._check_document(request.document, "document", violations)
        violations.raise_if_any(context)
        [response] = self._analyse([request.document], unit, context, pb.ExtractQuotesResponse)
        return response

    def BatchExtractQuotes(self, request: pb.BatchExtractQuotesRequest,
                           context: grpc.ServicerContext) -> pb.BatchExtractQuotesResponse:
        violations = _Violations()
        limit = self._settings.max_batch_size
        if len(request.documents) > limit:
            violations.add("documents", "TOO_MANY_DOCUMENTS",
                           f"{len(request.documents)} documents; at most {limit} per call")
        unit = self._check_unit(request.offset_unit, violations)
        for index, document in enumerate(request.documents):
            self._check_document(document, f"documents[{index}]", violations)
        total = sum(len(document.text) for document in request.documents)
        if total > self._settings.max_call_chars:
            violations.add("documents", "CALL_TOO_LONG",
                           f"{total} characters in all; at most {self._settings.max_call_chars} "
                           "per call (split the batch)")
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

        def put(item: tuple) -> bool:
            while not stop.is_set():
                try:
                    window.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            try:
                for index, request in enumerate(request_iterator):
                    # Field paths are within the message; the description says which message.
                    violations = _Violations(f"stream message {index} (id {request.document.id!r}): ")
                    unit = self._check_unit(request.offset_unit, violations)
                    self._check_document(request.document, "document", violations)
                    if violations:
                        put(("invalid", violations))
                        return
                    try:
                        ticket = self._submit(batcher, [request.document], context)
                    except (QueueFull, WorkDropped) as refusal:
                        put(("refused", refusal))
                        return
                    if not put(("ticket", request.document, unit, ticket)):
                        ticket.cancel()
                        return
            except Exception as exc:  # noqa: BLE001 - the stream broke (cancelled, bad bytes)
                put(("broken", exc))
            finally:
                put(("end",))

        def cancel_outstanding() -> None:
            stop.set()
            while True:
                try:
                    item = window.get_nowait()
                except queue.Empty:
                    return
                if item[0] == "ticket":
                    item[3].cancel(_gone(context) or "cancelled")

        context.add_callback(cancel_outstanding)
        threading.Thread(target=read, name="stream-reader", daemon=True).start()
        def next_item() -> tuple:
            # The call may end (cancel callback) while the reader waits for a message that
            # never comes: then nothing is put in the window, so look at ``stop`` now and then.
            while True:
                try:
                    return window.get(timeout=0.5)
                except queue.Empty:
                    if stop.is_set():
                        return ("end",)

        try:
            while True:
                item = next_item()
                kind = item[0]
                if kind == "ticket":
                    _, document, unit, ticket = item
                    with self._in_flight():
                        [response] = self._collect(ticket, [document], unit, context,
                                                   pb.StreamExtractQuotesResponse)
                    yield response
                elif kind == "invalid":
                    item[1].raise_if_any(context)
                elif kind == "refused":
                    self._refuse(item[1], context)
                elif kind == "broken":
                    if context.is_active():
                        raise item[1]
                    return
                else:
                    return
        finally:
            cancel_outstanding()

    # --- validation ----------------------------------------------------------------------------

    def _check_unit(self, value: int, violations: _Violations) -> tuple[OffsetUnit, int]:
        if value not in _OFFSET_UNITS:
            violations.add("offset_unit", "UNKNOWN_OFFSET_UNIT",
                           f"unknown offset unit {value}; use one of "
                           + ", ".join(pb.OffsetUnit.Name(v) for v in _OFFSET_UNITS))
            return _OFFSET_UNITS[pb.OFFSET_UNIT_UNSPECIFIED]
        return _OFFSET_UNITS[value]

    def _check_document(self, document: pb.Document, field: str, violations: _Violations) -> None:
        text = document.text
        limit = self._settings.max_document_chars
        if not text.strip():
            violations.add(f"{field}.text", "EMPTY_TEXT",
                           "text is empty or only whitespace" if text else "text is empty")
        elif len(text) > limit:
            violations.add(f"{field}.text", "TEXT_TOO_LONG",
                           f"text has {len(text)} characters; at most {limit} are accepted")

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
        parse (``service.batching``). Raises ``QueueFull`` or ``WorkDropped``."""
        scorer = self._quote_scorer

        def find_quotes(index: int, parsed: ParsedDocument) -> Attribution:
            started = time.perf_counter()
            attribution = extractor.extract(parsed, scorer)
            self._metrics.observe_document(
                len(documents[index].text), len(parsed.words),
                [quote.type.value for quote in attribution.quotes],
                time.perf_counter() - started)
            return attribution

        return batcher.submit([document.text for document in documents],
                              lambda: _gone(context), find_quotes)

    def _collect(self, ticket: Ticket, documents: Sequence[pb.Document],
                 unit: tuple[OffsetUnit, int], context: grpc.ServicerContext,
                 response_cls: type) -> list:
        """Each document's response, converted as soon as its quotes are found."""
        responses: list = [None] * len(documents)
        try:
            for index, attribution in ticket.results(_deadline(context)):
                document = documents[index]
                access_log.note(1, len(document.text), len(attribution.quotes))
                responses[index] = to_proto(response_cls, document, attribution, unit,
                                            self._model)
        except WorkDropped as dropped:
            self._refuse(dropped, context)
        return responses

    def _refuse(self, refusal: Exception, context: grpc.ServicerContext) -> NoReturn:
        """End a call whose documents were refused (queue full) or dropped from the queue."""
        if isinstance(refusal, WorkDropped):
            code, message, reason = _DROPPED.get(refusal.reason, _DROPPED["cancelled"])
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


def to_proto(response_cls: type, document: pb.Document, attribution: Attribution,
             unit: tuple[OffsetUnit, int], model: pb.ModelInfo):
    """``attribution`` of ``document`` as ``response_cls``, every span in ``unit``.

    ``unit`` is (domain unit, proto enum value); ``response_cls`` is ExtractQuotesResponse or
    StreamExtractQuotesResponse (same fields).
    """
    domain_unit, proto_unit = unit
    converter = OffsetConverter(document.text, domain_unit)

    def span(value: Span) -> pb.Span:
        converted = converter.span(value)
        return pb.Span(start=converted.start, end=converted.end)

    quotes = []
    for quote in attribution.quotes:
        message = pb.Quote(text=quote.text, span=span(quote.span), type=_QUOTE_TYPES[quote.type],
                           confidence=min(1.0, max(0.0, quote.confidence)),
                           sentence_index=quote.sentence_index, rule=quote.rule,
                           parts=[span(part) for part in quote.parts], words=quote.words)
        if quote.speaker is not None:
            speaker = quote.speaker
            message.speaker.name = speaker.name
            message.speaker.mention = speaker.mention
            message.speaker.speaker_id = speaker.speaker_id
            if speaker.mention_span is not None:
                message.speaker.mention_span.CopyFrom(span(speaker.mention_span))
            if speaker.resolution is not None:
                message.speaker.resolution = _RESOLUTIONS[speaker.resolution]
            if speaker.antecedent_span is not None:
                message.speaker.antecedent_span.CopyFrom(span(speaker.antecedent_span))
            if speaker.confidence is not None:
                message.speaker.confidence = speaker.confidence
            message.speaker.title = speaker.title
        if quote.cue is not None:
            message.cue.text = quote.cue.text
            message.cue.lemma = quote.cue.lemma
            message.cue.span.CopyFrom(span(quote.cue.span))
        quotes.append(message)
    speakers = [pb.Speaker(speaker_id=entry.speaker_id, name=entry.name,
                           kind=_SPEAKER_KINDS[entry.kind],
                           mentions=[span(mention) for mention in entry.mentions],
                           quote_count=entry.quote_count, title=entry.title)
                for entry in attribution.speakers]
    return response_cls(document_id=document.id, quotes=quotes, speakers=speakers, model=model,
                        offset_unit=proto_unit)


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
