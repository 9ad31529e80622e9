"""The in-process library API: parse + find quotes without gRPC, for batch jobs.

    from service.api import Extractor

    extractor = Extractor()                       # bundled models (or official, if configured)
    for attribution in extractor.extract(texts):  # one Attribution per text, in order
        for quote in attribution.quotes:
            print(quote.type.value, quote.text, quote.speaker and quote.speaker.name)

Results are plain dataclasses (``service.attribution.spans``: Attribution, Quote, Speaker, Cue,
Span; offsets in code points). The same parser and extractor serve the gRPC service.

An ``Extractor`` loads its models on first use and pickles without them, so it can be shipped to
Spark, Dask or Ray workers (each loads its own copy once, about 0.5 GiB):

    rdd.mapPartitions(lambda texts: Extractor(torch_threads=1).extract(list(texts)))

With ``parallel_batches=2`` two batches are parsed and extracted at once on two threads (one
core each with ``torch_threads=1``): what the server does on 2 cores, 1.4-1.5x the words per
second of one batch on two torch threads (bench/README.md).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent import futures

from service.attribution import extractor
from service.attribution.spans import Attribution

__all__ = ["Attribution", "Extractor"]


class Extractor:
    """Finds the quotes of texts in this process."""

    def __init__(self, *, official_models_dir: str | None = None, torch_threads: int = 1,
                 batch_size: int = 8, parse_precision: str = "auto", parser=None,
                 quote_scorer: str = "bundled", parallel_batches: int = 1) -> None:
        self.official_models_dir = official_models_dir
        # as the server's --quote-scorer: "bundled", "off" (the rules alone) or a model file
        self.quote_scorer = quote_scorer
        self._scorer = None
        self.torch_threads = torch_threads
        self.parse_precision = parse_precision  # service/nlp/precision.py
        self.batch_size = batch_size
        # batches parsed and extracted at once (with a given parser: at most its own number)
        self.parallel_batches = max(1, parallel_batches)
        self._parser = parser
        self._lock = threading.Lock()

    @property
    def parser(self):
        """The loaded ``service.nlp.pipeline.DocumentParser`` (loaded on first use)."""
        with self._lock:
            if self._parser is None:
                from service.nlp.models import resolve_models
                from service.nlp.pipeline import DocumentParser

                self._parser = DocumentParser(resolve_models(self.official_models_dir),
                                              torch_threads=self.torch_threads,
                                              precision=self.parse_precision,
                                              parallel_batches=self.parallel_batches)
            return self._parser

    @property
    def scorer(self):
        """The learned quote scorer (``service.attribution.scorer``), None when off."""
        if self.quote_scorer == "off":
            return None
        with self._lock:
            if self._scorer is None:
                from service.nlp.models import load_quote_scorer

                self._scorer = load_quote_scorer(None if self.quote_scorer == "bundled" else self.quote_scorer)
            return self._scorer

    def extract(self, texts: Iterable[str]) -> list[Attribution]:
        """The quotes of each text, in order."""
        return list(self.iter_extract(texts))

    def iter_extract(self, texts: Iterable[str]) -> Iterator[Attribution]:
        """As ``extract``, lazily: texts are parsed ``batch_size`` at a time, up to
        ``parallel_batches`` batches at once; results come in the order of the texts."""
        lanes = min(self.parallel_batches, self.parser.parallel_batches)
        if lanes == 1:
            for batch in self._batches(texts):
                yield from self._batch(batch)
            return
        with futures.ThreadPoolExecutor(lanes, thread_name_prefix="extract") as pool:
            pending: deque[futures.Future] = deque()
            for batch in self._batches(texts):
                pending.append(pool.submit(self._batch, batch))
                if len(pending) > lanes:  # one batch ready ahead of the running ones
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()

    def _batches(self, texts: Iterable[str]) -> Iterator[list[str]]:
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def extract_one(self, text: str) -> Attribution:
        [attribution] = self._batch([text])
        return attribution

    def extract_parsed(self, parsed, *, boundaries: bool = True) -> Attribution:
        """The quotes of one already parsed document (``ParsedDocument``), as ``extract``;
        ``boundaries=False`` keeps the rules' content boundaries (what the boundary model
        is trained on)."""
        if boundaries:
            return extractor.extract(parsed, self.scorer)
        return extractor.extract(parsed, self.scorer, boundaries=None)

    def _batch(self, texts: list[str]) -> list[Attribution]:
        # Empty texts have no quotes; the parser is not asked about them.
        parsed = iter(self.parser.parse([t for t in texts if t.strip()]))
        scorer = self.scorer
        return [extractor.extract(next(parsed), scorer) if t.strip() else Attribution(quotes=[], speakers=[])
                for t in texts]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_parser"] = None  # workers load their own models
        state["_scorer"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
