"""Patterns users met in fresh wire-style news (issue 13), each on text written for the test,
parsed by the real bundled models (the ``parser`` fixture) and run through extract()."""

from __future__ import annotations

import pytest

from service.attribution.extractor import extract
from service.attribution.spans import QuoteType


@pytest.fixture
def run(parser):
    def _run(text: str):
        return extract(parser.parse([text])[0]).quotes
    return _run


def only(quotes):
    assert len(quotes) == 1, [(q.type, q.text) for q in quotes]
    return quotes[0]


@pytest.mark.parametrize("symbols", ["😀", "★", "👍🏽", "👨\u200d👩\u200d👧", "❤\ufe0f", "🇺🇸"])
def test_a_symbol_before_a_quote_does_not_hide_it(run, symbols):
    plain = only(run('"Hi there," Maria Lopez said.'))
    for text in (f'{symbols} "Hi there," Maria Lopez said.', f'{symbols}"Hi there," Maria Lopez said. {symbols}'):
        quote = only(run(text))
        assert quote.type is QuoteType.DIRECT
        assert quote.text == "Hi there,"
        assert quote.speaker.name == "Maria Lopez"
        assert quote.confidence == plain.confidence
