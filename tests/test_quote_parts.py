"""Quote.parts and Quote.words over gRPC: a quotation split by its attribution comes back as one
quote whose parts are the speaker's words only, in every offset unit."""

from __future__ import annotations

import pytest

from quotes.v1 import quote_service_pb2 as pb

MAYOR = '"We cannot wait," said Mayor Jane Doe-Smith. "This wall protects 3,000 homes."'
# The '"X," she said. "Y."' shape, with a pronoun for the speaker.
BRIDGE = ('"The bridge will reopen in May," she said. "Nobody should drive around the '
          'barriers."')
# A character outside the BMP (2 UTF-16 code units, 4 UTF-8 bytes) before the quote.
WAVE = "\U0001F30A Flood news.\n\n"


def _cut(text: str, unit: int):
    """Slices ``text`` by a span counted in ``unit``."""
    if unit == pb.OFFSET_UNIT_UTF16_CODE_UNIT:
        data = text.encode("utf-16-le")
        return lambda span: data[2 * span.start:2 * span.end].decode("utf-16-le")
    if unit == pb.OFFSET_UNIT_UTF8_BYTE:
        data = text.encode("utf-8")
        return lambda span: data[span.start:span.end].decode("utf-8")
    return lambda span: text[span.start:span.end]


def _only_quote(client, text: str, unit: int) -> pb.Quote:
    response = client.extract(text, offset_unit=unit)
    assert response.offset_unit == unit
    [quote] = response.quotes
    return quote


UNITS = [pb.OFFSET_UNIT_CODE_POINT, pb.OFFSET_UNIT_UTF8_BYTE, pb.OFFSET_UNIT_UTF16_CODE_UNIT]


@pytest.mark.parametrize("prefix", ["", WAVE], ids=["plain", "non-bmp-before"])
@pytest.mark.parametrize("unit", UNITS, ids=["code_point", "utf8", "utf16"])
def test_a_split_quotation_is_one_quote_whose_parts_are_its_two_halves(client, unit, prefix):
    text = prefix + MAYOR
    quote = _only_quote(client, text, unit)
    cut = _cut(text, unit)
    assert quote.type == pb.QUOTE_TYPE_DIRECT
    assert [cut(part) for part in quote.parts] == ["We cannot wait,",
                                                   "This wall protects 3,000 homes."]
    assert quote.words == "We cannot wait, This wall protects 3,000 homes."
    assert quote.words == " ".join(cut(part) for part in quote.parts)
    assert "said" not in quote.words and "Doe-Smith" not in quote.words
    # Old callers: text and span keep their meaning (first part's start to last part's end,
    # the attribution inside).
    assert cut(quote.span) == quote.text
    assert quote.span.start == quote.parts[0].start and quote.span.end == quote.parts[-1].end
    assert "said Mayor Jane Doe-Smith" in quote.text
    assert quote.speaker.mention == "Mayor Jane Doe-Smith"
    assert cut(quote.speaker.mention_span) == quote.speaker.mention
    if prefix and unit != pb.OFFSET_UNIT_CODE_POINT:
        # The wide character really shifted the offsets.
        points = _only_quote(client, text, pb.OFFSET_UNIT_CODE_POINT)
        assert [p.start for p in quote.parts] != [p.start for p in points.parts]


@pytest.mark.parametrize("unit", UNITS, ids=["code_point", "utf8", "utf16"])
def test_she_said_between_two_quotations(client, unit):
    text = WAVE + BRIDGE
    quote = _only_quote(client, text, unit)
    cut = _cut(text, unit)
    assert [cut(part) for part in quote.parts] == [
        "The bridge will reopen in May,", "Nobody should drive around the barriers."]
    assert quote.words == ("The bridge will reopen in May, Nobody should drive around the "
                           "barriers.")
    assert "said" not in quote.words and "she" not in quote.words.split()
    assert quote.speaker.mention == "she"


def test_an_unsplit_quote_has_one_part_equal_to_its_span(client):
    text = WAVE + '"The river is rising fast," the engineer said on Sunday.'
    quote = _only_quote(client, text, pb.OFFSET_UNIT_UTF16_CODE_UNIT)
    assert list(quote.parts) == [quote.span]
    assert quote.words == quote.text == "The river is rising fast,"


def test_eval_scores_the_parts_the_server_sends(client):
    from clients.cli import predicted_quotes
    from clients.evaluation import GoldDocument, GoldQuote, evaluate

    first, second = '"We cannot wait,"', '"This wall protects 3,000 homes."'
    parts = tuple((MAYOR.index(piece), MAYOR.index(piece) + len(piece))
                  for piece in (first, second))  # marks included: trimmed away when scored
    gold = GoldDocument("mayor", MAYOR, (GoldQuote("direct", (parts[0][0], parts[1][1]),
                                                   speaker="Jane Doe-Smith", parts=parts),))
    [response] = client.extract_batch([("mayor", MAYOR)])
    [predicted] = predicted_quotes(response)
    assert predicted.parts == tuple((p.start, p.end) for p in response.quotes[0].parts)
    report = evaluate([(gold, [predicted])]).to_dict()
    assert report["parts"]["split"] == {"gold": 1, "matched": 1, "equal": 1, "share": 1.0}
