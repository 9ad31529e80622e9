"""The in-process library API (service.api.Extractor): same answers as the gRPC service."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from conftest import TEXT
from service.api import Extractor
from service.attribution.spans import QuoteType


def test_extractor_gives_the_services_answers(parser, client):
    extractor = Extractor(parser=parser, batch_size=2)
    texts = [TEXT, "No quotes here.", "", TEXT]
    results = extractor.extract(texts)
    assert len(results) == 4 and results[1].quotes == [] and results[2].quotes == []
    esper = [q for q in results[0].quotes if "respond with force" in q.text]
    assert esper and esper[0].type is QuoteType.DIRECT and "Esper" in esper[0].speaker.name
    assert results[3] == results[0]
    served = client.extract(TEXT)
    assert [(q.text, q.span.start, q.span.end, q.speaker.name) for q in served.quotes] == [
        (q.text, q.span.start, q.span.end, q.speaker.name if q.speaker else "")
        for q in results[0].quotes]
    assert extractor.extract_one(TEXT) == results[0]


def test_extractor_pickles_without_its_models(parser):
    extractor = Extractor(parser=parser, torch_threads=1)
    copy = pickle.loads(pickle.dumps(extractor))
    assert copy._parser is None and copy.torch_threads == 1  # loads its own when used


def test_parallel_batches_give_the_same_attributions_in_order(parser):
    news = [json.loads(line)["text"] for line in
            (Path(__file__).parent / "data" / "news.jsonl").read_text().splitlines()]
    texts = [*news, "", *reversed(news)]
    one_at_a_time = Extractor(parser=parser, batch_size=2).extract(texts)
    side_by_side = Extractor(parser=parser, batch_size=2, parallel_batches=2).extract(texts)
    assert side_by_side == one_at_a_time
    assert sum(len(a.quotes) for a in side_by_side) > 10
