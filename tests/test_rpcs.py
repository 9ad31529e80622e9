"""The three RPCs over real gRPC, with the real models and extractor."""

from __future__ import annotations

import grpc
import pytest

from conftest import TEXT
from quotes.v1 import quote_service_pb2 as pb

SECOND = ("Protesters gathered outside the embassy.\n\n"
          '"This is a tragedy," said Maria Lopez, a local teacher.')


def _esper_quote(response) -> pb.Quote:
    found = [q for q in response.quotes if "We will respond with force" in q.text]
    assert found, f"direct quote not found in {response}"
    return found[0]


def test_extract_quotes(client):
    response = client.extract(TEXT, id="doc-1")
    assert response.document_id == "doc-1"
    assert response.offset_unit == pb.OFFSET_UNIT_CODE_POINT
    assert response.model.name and response.model.version and response.model.source == "bundled"
    quote = _esper_quote(response)
    assert quote.type == pb.QUOTE_TYPE_DIRECT
    assert TEXT[quote.span.start:quote.span.end] == quote.text
    assert "Esper" in quote.speaker.name
    assert 0.0 <= quote.confidence <= 1.0
    assert quote.sentence_index == 0
    # The quote's speaker is in the document-level index, with its mention.
    speakers = {s.speaker_id: s for s in response.speakers}
    entry = speakers[quote.speaker.speaker_id]
    assert entry.quote_count >= 1
    assert entry.kind != pb.SPEAKER_KIND_UNSPECIFIED
    if quote.speaker.HasField("mention_span"):
        span = quote.speaker.mention_span
        assert TEXT[span.start:span.end] == quote.speaker.mention
        assert any((m.start, m.end) == (span.start, span.end) for m in entry.mentions)
    if quote.HasField("cue"):
        assert TEXT[quote.cue.span.start:quote.cue.span.end] == quote.cue.text
    for q in response.quotes:  # every quote's text is its span
        assert TEXT[q.span.start:q.span.end] == q.text
        assert q.type != pb.QUOTE_TYPE_UNSPECIFIED


def test_batch_answers_in_order(client):
    docs = [("b", SECOND), ("a", TEXT), ("c", "No quotes in this sentence at all.")]
    responses = client.extract_batch(docs)
    assert [r.document_id for r in responses] == ["b", "a", "c"]
    _esper_quote(responses[1])
    assert any("This is a tragedy" in q.text for q in responses[0].quotes)
    # The same document alone gives the same quotes as in a batch.
    assert list(client.extract(TEXT, id="a").quotes) == list(responses[1].quotes)


def test_empty_batch_is_answered_empty(client):
    assert client.extract_batch([]) == []


def test_stream_answers_each_document_with_its_id(client):
    docs = [{"id": "s1", "text": TEXT}, {"id": "s2", "text": SECOND, "source": "ignored"}]
    responses = list(client.stream(iter(docs)))
    assert [r.document_id for r in responses] == ["s1", "s2"]
    assert all(isinstance(r, pb.StreamExtractQuotesResponse) for r in responses)
    _esper_quote(responses[0])
    assert responses[0].model.name


def test_stream_of_nothing_ends_ok(client):
    assert list(client.stream([])) == []


def test_offset_unit_names_are_accepted(client):
    response = client.extract(TEXT, offset_unit="utf16_code_unit")
    assert response.offset_unit == pb.OFFSET_UNIT_UTF16_CODE_UNIT
    with pytest.raises(ValueError):
        client.extract(TEXT, offset_unit="furlongs")


def test_unknown_method_is_unimplemented(target):
    with grpc.insecure_channel(target) as channel:
        call = channel.unary_unary("/quotes.v1.QuoteService/Nope")
        with pytest.raises(grpc.RpcError) as error:
            call(b"", timeout=10)
    assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_answers_say_how_quote_and_speaker_were_found(client):
    text = ('Defense Secretary Mark Esper spoke on Friday.\n\n'
            '"We will respond with force," he said.')
    [quote] = [q for q in client.extract(text).quotes if "respond" in q.text]
    assert quote.rule in {"complement", "adjacent", "split", "parenthetical"}
    assert quote.speaker.mention == "he" and "Esper" in quote.speaker.name
    assert quote.speaker.resolution == pb.SPEAKER_RESOLUTION_PRONOUN_ANTECEDENT
    antecedent = quote.speaker.antecedent_span
    assert "Esper" in text[antecedent.start:antecedent.end]
    named = client.extract(TEXT).quotes[0]
    assert named.speaker.resolution == pb.SPEAKER_RESOLUTION_MENTION
    assert not named.speaker.HasField("antecedent_span")
