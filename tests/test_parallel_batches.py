"""Parallel batches: one pipeline parsing two batches at once on two threads (the server's
default) gives the parses it gives one batch at a time, and the batcher shares queued work out."""

from __future__ import annotations

import json
import threading
import time
from concurrent import futures
from pathlib import Path

from conftest import wait_until
from service.batching import Batcher
from service.metrics import Metrics
from service.nlp.pipeline import ParseSlots

NEWS = [json.loads(line)["text"] for line in
        (Path(__file__).parent / "data" / "news.jsonl").read_text().splitlines()]


def _analyses(docs) -> list:
    return [[(w.text, w.start, w.end, w.upos, w.xpos, w.feats, w.lemma, w.head, w.deprel,
              w.sentence) for w in doc.words] for doc in docs]


def test_two_batches_at_once_parse_as_one_after_another(parser):
    assert parser.parallel_batches == 2
    one_by_one = [_analyses(parser.parse([text])) for text in NEWS]
    rounds = 3  # each thread parses every text a few times, so the two overlap for long
    with futures.ThreadPoolExecutor(2) as pool:
        side_by_side = [pool.submit(lambda t=text: [_analyses(parser.parse([t]))
                                                    for _ in range(rounds)])
                        for text in NEWS]
        results = [f.result(timeout=120) for f in side_by_side]
    for alone, together in zip(one_by_one, results):
        assert together == [alone] * rounds


def test_parse_slots_admit_up_to_the_limit_and_exclusive_waits_for_them():
    slots = ParseSlots(2)
    inside: list[int] = []
    peak: list[int] = []
    lock = threading.Lock()
    parses_may_end, switch_may_end = threading.Event(), threading.Event()

    def parse_batch():
        with slots.shared():
            with lock:
                inside.append(1)
                peak.append(len(inside))
            parses_may_end.wait(10)
            with lock:
                inside.pop()

    switched: list[int] = []

    def switch_precision():
        with slots.exclusive():
            switched.append(len(inside))
            switch_may_end.wait(10)

    parses = [threading.Thread(target=parse_batch) for _ in range(3)]
    for thread in parses:
        thread.start()
    assert wait_until(lambda: len(inside) == 2)
    time.sleep(0.1)
    assert len(inside) == 2  # the third waits for a slot
    switcher = threading.Thread(target=switch_precision)
    switcher.start()
    time.sleep(0.1)
    assert not switched  # exclusive waits for the running parses
    parses_may_end.set()
    assert wait_until(lambda: switched == [0])  # then runs with nothing else parsing
    late = threading.Thread(target=parse_batch)
    late.start()
    time.sleep(0.1)
    assert late.is_alive() and not inside  # new parses wait while it is held
    switch_may_end.set()
    for thread in [*parses, switcher, late]:
        thread.join(10)
        assert not thread.is_alive()
    assert max(peak) == 2 and len(peak) == 4


def test_the_batcher_shares_queued_work_between_its_threads(parser):
    metrics = Metrics()
    batcher = Batcher(parser, metrics, max_delay=0.0)
    try:
        assert batcher.threads == 2
        with parser.exclusive():
            # Two calls queue while the parser is busy; an idle batcher thread takes only its
            # share, so the other thread takes the second call: two batches side by side.
            first = batcher.submit([NEWS[0]], lambda: None)
            second = batcher.submit([NEWS[1]], lambda: None)
            assert wait_until(lambda: not batcher._queue)  # both taken, by different threads
        parsed = [doc for ticket in (first, second)
                  for _index, doc in ticket.results(time.monotonic() + 60)]
    finally:
        batcher.close(10)
    assert metrics.registry.get_sample_value("quotes_batch_size_count") == 2
    assert _analyses(parsed) == _analyses(parser.parse(NEWS[:2]))


def test_idle_batcher_threads_share_one_article(parser):
    """An article alone on an idle server is cut into pieces of whole sentences, and the two
    batcher threads parse them side by side (lower latency); the pieces join into its parse."""
    article = "\n\n".join(NEWS)  # ~900 words, about a long news article
    metrics = Metrics()
    batcher = Batcher(parser, metrics, max_delay=0.0)
    try:
        assert len(parser.segment(article, batcher._piece_words)) >= 3
        with parser.exclusive():
            ticket = batcher.submit([article], lambda: None)
            assert wait_until(lambda: not batcher._queue)  # every piece taken: by both threads
        [(_index, joined)] = list(ticket.results(time.monotonic() + 60))
    finally:
        batcher.close(10)
    assert metrics.registry.get_sample_value("quotes_batch_size_count") == 2
    assert _analyses([joined]) == _analyses(parser.parse([article]))
