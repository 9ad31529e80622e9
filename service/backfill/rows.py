"""One output row per document, under an explicit pyarrow schema (so a shard whose documents
have no quotes, or only errors, types the same as any other).

A row holds the fields of the proto's ``ExtractQuotesResponse`` for the document, from the
domain's values (``service.attribution.spans``): ``quotes`` (each with the fields of ``Quote``:
type, text, span, parts, words, confidence, sentence index, rule, cue, speaker with name, mention,
mention span, speaker id, resolution, antecedent span, confidence, title) and ``speakers`` (as
``Speaker``), plus ``id``, ``origin``, ``words`` (whitespace words of the text), ``chars``,
``model`` (name, version, source) and ``error`` (null, or code and message).

Offsets are code points (Python string indices), end exclusive, as ``OFFSET_UNIT_CODE_POINT``.
Enums are the domain's lower-case names: type ``direct``/``indirect``/``mixed``, resolution
``mention``, ``pronoun_antecedent``, ...; kind ``person``, ``organization``, ``group``,
``unknown``. A quote's confidence is clamped to [0, 1] as on the wire. Error codes:
``INVALID_INPUT`` (a line or row that is no document: not UTF-8, not JSON, no string text),
``EMPTY_TEXT``, ``TOO_LONG`` (over ``--max-document-chars``), ``EXTRACTION_FAILED`` (the pipeline
raised on this document; the others of its batch are done again without it).
"""

from __future__ import annotations

import pyarrow as pa

from service.attribution.spans import Attribution, Quote, Span

INVALID_INPUT = "INVALID_INPUT"
EMPTY_TEXT = "EMPTY_TEXT"
TOO_LONG = "TOO_LONG"
EXTRACTION_FAILED = "EXTRACTION_FAILED"

SPAN = pa.struct([("start", pa.int32()), ("end", pa.int32())])
CUE = pa.struct([("text", pa.string()), ("lemma", pa.string()), ("span", SPAN)])
QUOTE_SPEAKER = pa.struct([
    ("name", pa.string()), ("mention", pa.string()), ("mention_span", SPAN),
    ("speaker_id", pa.string()), ("resolution", pa.string()), ("antecedent_span", SPAN),
    ("confidence", pa.float64()), ("title", pa.string())])
QUOTE = pa.struct([
    ("type", pa.string()), ("text", pa.string()), ("span", SPAN), ("parts", pa.list_(SPAN)),
    ("words", pa.string()), ("confidence", pa.float64()), ("sentence_index", pa.int32()),
    ("rule", pa.string()), ("cue", CUE), ("speaker", QUOTE_SPEAKER)])
SPEAKER = pa.struct([
    ("speaker_id", pa.string()), ("name", pa.string()), ("kind", pa.string()),
    ("mentions", pa.list_(SPAN)), ("quote_count", pa.int32()), ("title", pa.string())])
MODEL = pa.struct([("name", pa.string()), ("version", pa.string()), ("source", pa.string())])
ERROR = pa.struct([("code", pa.string()), ("message", pa.string())])

SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("origin", pa.string()),
    pa.field("quotes", pa.list_(QUOTE)),
    pa.field("speakers", pa.list_(SPEAKER)),
    pa.field("words", pa.int64()),
    pa.field("chars", pa.int64()),
    pa.field("model", MODEL),
    pa.field("error", ERROR),
])


def _span(span: Span | None) -> dict | None:
    return None if span is None else {"start": span.start, "end": span.end}


def quote_record(quote: Quote) -> dict:
    """One quote as the ``QUOTE`` struct."""
    speaker = None
    if quote.speaker is not None:
        s = quote.speaker
        speaker = {"name": s.name, "mention": s.mention, "mention_span": _span(s.mention_span),
                   "speaker_id": s.speaker_id,
                   "resolution": s.resolution.value if s.resolution is not None else None,
                   "antecedent_span": _span(s.antecedent_span), "confidence": s.confidence,
                   "title": s.title}
    cue = None
    if quote.cue is not None:
        cue = {"text": quote.cue.text, "lemma": quote.cue.lemma, "span": _span(quote.cue.span)}
    return {"type": quote.type.value, "text": quote.text, "span": _span(quote.span),
            "parts": [_span(part) for part in quote.parts], "words": quote.words,
            "confidence": min(1.0, max(0.0, quote.confidence)),
            "sentence_index": quote.sentence_index, "rule": quote.rule, "cue": cue,
            "speaker": speaker}


def document_row(doc_id: str, origin: str, text: str, attribution: Attribution,
                 model: dict) -> dict:
    return {"id": doc_id, "origin": origin,
            "quotes": [quote_record(quote) for quote in attribution.quotes],
            "speakers": [{"speaker_id": e.speaker_id, "name": e.name, "kind": e.kind.value,
                          "mentions": [_span(m) for m in e.mentions],
                          "quote_count": e.quote_count, "title": e.title}
                         for e in attribution.speakers],
            "words": len(text.split()), "chars": len(text), "model": model, "error": None}


def error_row(doc_id: str, origin: str, text: str, code: str, message: str,
              model: dict) -> dict:
    return {"id": doc_id, "origin": origin, "quotes": [], "speakers": [],
            "words": len(text.split()), "chars": len(text), "model": model,
            "error": {"code": code, "message": message}}


def table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)
