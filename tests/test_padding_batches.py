"""Padding-bounded batches (service.nlp.fastpath.padding) change the order of work, never the parse."""

from __future__ import annotations

import json
from pathlib import Path

from service.nlp.fastpath import padding
from service.nlp.fastpath.padding import padding_bounded_batches
from service.nlp.pipeline import parse_with_stanza_path

NEWS = Path(__file__).parent / "data" / "news.jsonl"  # written for the tests


def test_batches_take_every_sentence_once_longest_first():
    lengths = [5, 40, 3, 40, 12, 7, 1, 25]
    batches = padding_bounded_batches(lengths, budget=80)
    order = [i for batch in batches for i in batch]
    assert sorted(order) == list(range(len(lengths)))
    assert [lengths[i] for i in order] == sorted(lengths, reverse=True)
    assert order[:2] == [1, 3], "equal lengths keep their document order"


def test_padded_size_stays_within_the_budget():
    lengths = [3, 60, 18, 18, 22, 9, 9, 9, 9, 9, 9, 9, 2, 2, 2, 2, 2, 2, 2, 2]
    budget = 60
    batches = padding_bounded_batches(lengths, budget=budget)
    for batch in batches:
        assert len(batch) * max(lengths[i] for i in batch) <= budget
    # long sentences travel in short batches, short ones in long batches
    assert len(batches[0]) == 1 and len(batches[-1]) > 5


def test_a_sentence_longer_than_the_budget_gets_its_own_batch():
    batches = padding_bounded_batches([10, 500, 10], budget=100)
    assert batches[0] == [1]
    assert sorted(batches[1]) == [0, 2]


def test_no_sentences_no_batches():
    assert padding_bounded_batches([], budget=100) == []


def _parse_tuples(docs):
    return [(w.text, w.upos, w.xpos, w.feats, w.lemma, w.head, w.deprel)
            for doc in docs for sentence in doc.sentences for w in sentence.words]


def test_news_batches_parse_as_stanzas_batches(float32_parser):
    parser = float32_parser
    assert set(padding.install(parser.pipeline, budget=400)) == {"pos", "depparse"}
    try:
        texts = [json.loads(line)["text"] for line in NEWS.read_text().splitlines()]
        ours = parser.parse_stanza(texts)
        stanzas = parse_with_stanza_path(parser, texts)
    finally:
        padding.install(parser.pipeline)
    assert sum(len(doc.sentences) for doc in ours) > 40
    assert _parse_tuples(ours) == _parse_tuples(stanzas)
