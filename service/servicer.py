"""The gRPC adapter: validate requests, run parser + extractor, map domain -> proto, map errors.

No NLP here: parsing belongs to ``service.nlp.pipeline`` and finding quotes to
``service.attribution.extractor``. Errors follow AIP-193: INVALID_ARGUMENT carries a
google.rpc.BadRequest (one field violation per bad field) and a google.rpc.ErrorInfo.
"""

from __future__ import annotations

import logging
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
from service.attribution import extractor
from service.attribution.spans import (Attribution, OffsetConverter, OffsetUnit, QuoteType, Span,
                                       SpeakerKind)
from service.metrics import Metrics
from service.settings import Settings

log = logging.getLogger(__name__)

ERROR_DOMAIN = "quotes.v1"
# Characters parsed together. A call may carry max_batch_size documents of max_document_chars
# each (64 x 100k by default), and a parse holds all of its documents' parses at once (about
# 400 MiB per 800k characters of news); chunks bound that, at no cost in speed (the parser is as
# fast on 8 news articles at a time as on 64).
PARSE_CHUNK_CHARS = 200_000

_OFFSET_UNITS = {
    pb.OFFSET_UNIT_UNSPECIFIED: (OffsetUnit.CODE_POINT, pb.OFFSET_UNIT_CODE_POINT),
    pb.OFFSET_UNIT_CODE_POINT: (OffsetUnit.CODE_POINT, pb.OFFSET_UNIT_CODE_POINT),
    pb.OFFSET_UNIT_UTF8_BYTE: (OffsetUnit.UTF8_BYTE, pb.OFFSET_UNIT_UTF8_BYTE),
    pb.OFFSET_UNIT_UTF16_CODE_UNIT: (OffsetUnit.UTF16_CODE_UNIT, pb.OFFSET_UNIT_UTF16_CODE_UNIT),
}
_QUOTE_TYPES = {QuoteType.DIRECT: pb.QUOTE_TYPE_DIRECT, QuoteType.INDIRECT: pb.QUOTE_TYPE_INDIRECT,
                QuoteType.MIXED: pb.QUOTE_TYPE_MIXED}
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
          *details: Any, metadata: dict[str, str] | None = None) -> NoReturn:
    """End the call with ``code``, a google.rpc.ErrorInfo(``reason``) and ``details``."""
    info = error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata or {})
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message,
                               details=_packed(info, *details))
    context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("unreachable: abort_with_status raises")


class _Violations:
    """Collects every bad field of a request, so the caller learns them all in one answer."""

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


# --- concurrency -----------------------------------------------------------------------------

class WorkLimiter:
    """Admits at most ``limit`` units of work at once; the rest are refused, not queued.

    Parsing is serialised inside DocumentParser, so queued calls would only wait for the
    parser and time out; refusing early lets the client back off or go to another replica.
    """

    def __init__(self, limit: int, metrics: Metrics) -> None:
        self.limit = limit
        self._slots = threading.Semaphore(limit)
        self._in_flight = metrics.in_flight

    @contextmanager
    def slot(self, context: grpc.ServicerContext) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            abort(context, grpc.StatusCode.RESOURCE_EXHAUSTED,
                  f"server busy: {self.limit} calls already in progress; retry with backoff",
                  "OVERLOADED",
                  error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1)),
                  metadata={"max_concurrent_work": str(self.limit)})
        self._in_flight.inc()
        try:
            yield
        finally:
            self._in_flight.dec()
            self._slots.release()


# --- the servicer ----------------------------------------------------------------------------

class QuoteServicer(pb_grpc.QuoteServiceServicer):
    """Implements quotes.v1.QuoteService over a DocumentParser and the extractor."""

    def __init__(self, settings: Settings, metrics: Metrics, parser: Any = None) -> None:
        self._settings = settings
        self._metrics = metrics
        self._limiter = WorkLimiter(settings.max_concurrent_work, metrics)
        self._parser = None
        self._model = pb.ModelInfo()
        if parser is not None:
            self.set_parser(parser)

    def set_parser(self, parser: Any) -> None:
        """Start answering with ``parser`` (a loaded DocumentParser)."""
        spec = parser.spec
        self._model = pb.ModelInfo(name=spec.name, version=spec.version, source=spec.source)
        self._parser = parser

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
        violations.raise_if_any(context)
        if not request.documents:
            return pb.BatchExtractQuotesResponse()
        responses = self._analyse(list(request.documents), unit, context, pb.ExtractQuotesResponse)
        return pb.BatchExtractQuotesResponse(responses=responses)

    def StreamExtractQuotes(
            self, request_iterator: Iterator[pb.StreamExtractQuotesRequest],
            context: grpc.ServicerContext) -> Iterator[pb.StreamExtractQuotesResponse]:
        # One document at a time, in arrival order: a stream is for callers feeding documents as
        # they get them; callers holding many at once get more throughput from BatchExtractQuotes.
        for index, request in enumerate(request_iterator):
            # Field paths are within the message; the description says which message it was.
            violations = _Violations(f"stream message {index} (id {request.document.id!r}): ")
            unit = self._check_unit(request.offset_unit, violations)
            self._check_document(request.document, "document", violations)
            violations.raise_if_any(context)
            [response] = self._analyse([request.document], unit, context,
                                       pb.StreamExtractQuotesResponse)
            yield response

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

    def _analyse(self, documents: Sequence[pb.Document], unit: tuple[OffsetUnit, int],
                 context: grpc.ServicerContext, response_cls: type) -> list:
        parser = self._parser
        if parser is None:
            abort(context, grpc.StatusCode.UNAVAILABLE, "models are still loading; retry shortly",
                  "MODELS_LOADING")
        with self._limiter.slot(context):
            responses = []
            for chunk in parse_chunks([len(document.text) for document in documents], PARSE_CHUNK_CHARS):
                # Parsing is the long step: if the caller gave up, stop before the next one.
                _check_alive(context)
                started = time.perf_counter()
                parsed = parser.parse([documents[i].text for i in chunk])
                self._metrics.observe_parse(len(chunk), time.perf_counter() - started)
                _check_alive(context)
                for i, parsed_doc in zip(chunk, parsed):
                    document = documents[i]
                    started = time.perf_counter()
                    attribution = extractor.extract(parsed_doc, document.text)
                    self._metrics.observe_document(
                        len(document.text), parsed_doc.num_words,
                        [quote.type.value for quote in attribution.quotes],
                        time.perf_counter() - started)
                    responses.append(to_proto(response_cls, document, attribution, unit, self._model))
            return responses


def parse_chunks(lengths: Sequence[int], limit: int) -> list[range]:
    """Consecutive runs of documents (by index) of at most ``limit`` characters together; a
    longer document gets a run of its own."""
    chunks: list[range] = []
    start, total = 0, 0
    for i, length in enumerate(lengths):
        if i > start and total + length > limit:
            chunks.append(range(start, i))
            start, total = i, 0
        total += length
    if start < len(lengths):
        chunks.append(range(start, len(lengths)))
    return chunks


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
                           sentence_index=quote.sentence_index)
        if quote.speaker is not None:
            speaker = quote.speaker
            message.speaker.name = speaker.name
            message.speaker.mention = speaker.mention
            message.speaker.speaker_id = speaker.speaker_id
            if speaker.mention_span is not None:
                message.speaker.mention_span.CopyFrom(span(speaker.mention_span))
        if quote.cue is not None:
            message.cue.text = quote.cue.text
            message.cue.lemma = quote.cue.lemma
            message.cue.span.CopyFrom(span(quote.cue.span))
        quotes.append(message)
    speakers = [pb.Speaker(speaker_id=entry.speaker_id, name=entry.name,
                           kind=_SPEAKER_KINDS[entry.kind],
                           mentions=[span(mention) for mention in entry.mentions],
                           quote_count=entry.quote_count)
                for entry in attribution.speakers]
    return response_cls(document_id=document.id, quotes=quotes, speakers=speakers, model=model,
                        offset_unit=proto_unit)


def _check_alive(context: grpc.ServicerContext) -> None:
    """Stop before heavy work when the caller's deadline has passed or it cancelled."""
    if context.time_remaining() <= 0:
        abort(context, grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the work ended",
              "DEADLINE_EXCEEDED")
    if not context.is_active():
        abort(context, grpc.StatusCode.CANCELLED, "the call was cancelled", "CANCELLED")
