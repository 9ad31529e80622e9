"""Offset units: UTF-8 and UTF-16 spans slice the encoded text to the same strings."""

from __future__ import annotations

import pytest

from quotes.v1 import quote_service_pb2 as pb
from service.attribution.spans import (Attribution, Cue, Quote, QuoteType, Span, Speaker,
                                       SpeakerEntry, SpeakerKind)
from service.wire import OffsetUnit
from service.wire import to_proto

# Accents (2 UTF-8 bytes), emoji (4 bytes, 2 UTF-16 units) before and inside the quote.
TEXT = ('Le café 😀 était plein à Zürich.\n\n'
        '"Ça va très bien 🎉 merci," said Zoë Dupont, the café owner.')


def _slicer(text: str, unit: int):
    if unit == pb.OFFSET_UNIT_UTF8_BYTE:
        data = text.encode("utf-8")
        return lambda span: data[span.start:span.end].decode("utf-8")
    if unit == pb.OFFSET_UNIT_UTF16_CODE_UNIT:
        data = text.encode("utf-16-le")
        return lambda span: data[2 * span.start:2 * span.end].decode("utf-16-le")
    return lambda span: text[span.start:span.end]


def _strings(response, unit: int) -> list:
    """Every span of a response, sliced out of the text encoded in ``unit``."""
    cut = _slicer(TEXT, unit)
    found = []
    for quote in response.quotes:
        found.append(("quote", cut(quote.span)))
        if quote.speaker.HasField("mention_span"):
            found.append(("mention", cut(quote.speaker.mention_span)))
        if quote.HasField("cue"):
            found.append(("cue", cut(quote.cue.span)))
    for speaker in response.speakers:
        found.extend(("speaker", cut(mention)) for mention in speaker.mentions)
    return found


@pytest.mark.parametrize("unit", [pb.OFFSET_UNIT_UTF8_BYTE, pb.OFFSET_UNIT_UTF16_CODE_UNIT])
def test_encoded_spans_slice_to_the_same_text(client, unit):
    points = client.extract(TEXT, offset_unit=pb.OFFSET_UNIT_UNSPECIFIED)
    encoded = client.extract(TEXT, offset_unit=unit)
    assert encoded.offset_unit == unit
    assert points.quotes, "no quote found"
    assert any("Ça va très bien 🎉 merci" in q.text for q in points.quotes)
    assert _strings(encoded, unit) == _strings(points, pb.OFFSET_UNIT_CODE_POINT)
    for quote in encoded.quotes:
        assert _slicer(TEXT, unit)(quote.span) == quote.text
    # The conversion really happened: the quote comes after wide characters.
    assert encoded.quotes[0].span.start > points.quotes[0].span.start


def test_mapping_converts_every_span():
    """The domain -> proto mapping on a hand-made attribution (no parser involved)."""
    quote_start = TEXT.index("Ça")
    quote_end = TEXT.index(',"')
    mention = Span(TEXT.index("Zoë"), TEXT.index("Zoë") + len("Zoë Dupont"))
    cue = Span(TEXT.index("said"), TEXT.index("said") + 4)
    attribution = Attribution(
        quotes=[Quote(text=TEXT[quote_start:quote_end], span=Span(quote_start, quote_end),
                      type=QuoteType.DIRECT,
                      speaker=Speaker("Zoë Dupont", mention, "Zoë Dupont", "s1",
                                      SpeakerKind.PERSON),
                      cue=Cue("said", "say", cue), confidence=1.5, sentence_index=1,
                      parts=[Span(quote_start, quote_start + 10), Span(quote_end - 7, quote_end)],
                      words="Ça va très 🎉 merci"),
                Quote(text="Le café", span=Span(0, 7), type=QuoteType.INDIRECT, speaker=None,
                      cue=None, confidence=0.25, sentence_index=0)],
        speakers=[SpeakerEntry("s1", "Zoë Dupont", SpeakerKind.PERSON, [mention], 1)])
    document = pb.Document(id="d", text=TEXT)
    model = pb.ModelInfo(name="m", version="1", source="bundled")
    for proto_unit, unit in [(pb.OFFSET_UNIT_CODE_POINT, OffsetUnit.CODE_POINT),
                             (pb.OFFSET_UNIT_UTF8_BYTE, OffsetUnit.UTF8_BYTE),
                             (pb.OFFSET_UNIT_UTF16_CODE_UNIT, OffsetUnit.UTF16_CODE_UNIT)]:
        response = to_proto(pb.ExtractQuotesResponse, document, attribution, (unit, proto_unit),
                            model)
        cut = _slicer(TEXT, proto_unit)
        first, second = response.quotes
        assert cut(first.span) == "Ça va très bien 🎉 merci"
        assert [cut(part) for part in first.parts] == ["Ça va très", "🎉 merci"]
        assert first.words == "Ça va très 🎉 merci"
        assert cut(first.speaker.mention_span) == "Zoë Dupont"
        assert cut(first.cue.span) == "said"
        assert [cut(m) for m in response.speakers[0].mentions] == ["Zoë Dupont"]
        assert first.confidence == 1.0  # clamped into [0, 1]
        assert first.type == pb.QUOTE_TYPE_DIRECT and second.type == pb.QUOTE_TYPE_INDIRECT
        assert not second.HasField("speaker") and not second.HasField("cue")
        assert response.speakers[0].kind == pb.SPEAKER_KIND_PERSON
        assert response.offset_unit == proto_unit and response.model.name == "m"
    utf8 = to_proto(pb.ExtractQuotesResponse, document, attribution,
                    (OffsetUnit.UTF8_BYTE, pb.OFFSET_UNIT_UTF8_BYTE), model)
    assert utf8.quotes[0].span.start == len(TEXT[:quote_start].encode("utf-8")) != quote_start
