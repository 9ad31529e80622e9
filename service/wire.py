"""Wire concerns of the domain's answers: an ``Attribution`` as the proto's response
(``to_proto``), every offset in the unit the caller asked for.

Offsets are code points inside the service; ``OffsetConverter`` turns them into UTF-8 byte or
UTF-16 code-unit offsets at the edge.
"""

from __future__ import annotations

import enum
from bisect import bisect_right

from quotes.v1 import quote_service_pb2 as pb
from service.attribution.spans import Attribution, QuoteType, Resolution, Span, SpeakerKind


class OffsetUnit(enum.Enum):
    CODE_POINT = "code_point"
    UTF8_BYTE = "utf8_byte"
    UTF16_CODE_UNIT = "utf16_code_unit"


class OffsetConverter:
    """Maps code-point offsets of one text to another unit in O(log n) per offset."""

    def __init__(self, text: str, unit: OffsetUnit) -> None:
        self.unit = unit
        # Positions of characters wider than one unit, and the cumulative extra width after each.
        self._wide_at: list[int] = []
        self._extra: list[int] = []
        if unit is OffsetUnit.CODE_POINT:
            return
        extra = 0
        for index, char in enumerate(text):
            code = ord(char)
            if unit is OffsetUnit.UTF8_BYTE:
                width = 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
            else:
                width = 2 if code >= 0x10000 else 1
            if width > 1:
                extra += width - 1
                self._wide_at.append(index)
                self._extra.append(extra)

    def convert(self, offset: int) -> int:
        if not self._wide_at:
            return offset
        count = bisect_right(self._wide_at, offset - 1)  # wide characters before ``offset``
        return offset + (self._extra[count - 1] if count else 0)

    def span(self, span: Span) -> Span:
        return Span(self.convert(span.start), self.convert(span.end))


OFFSET_UNITS = {
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
