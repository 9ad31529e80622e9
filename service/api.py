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

By default two batches are parsed and extracted at once on two threads (one core each with
``torch_threads=1``): what the server does on 2 cores, 1.4-1.5x the words per second of one
batch on two torch threads (bench/README.md); ``parallel_batches=1`` for one.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent import futures
from dataclasses import replace

from service.attribution.spans import Attribution
from service.pipeline import QuotePipeline, load_attribution_models, load_parser
from service.settings import Settings

__all__ = ["Attribution", "Extractor"]


class Extractor:
    """Finds the quotes of texts in this process: ``service.pipeline.QuotePipeline`` with the
    server's defaults (one torch thread a batch, two batches at once, the bundled scorer)."""

    def __init__(self, *, official_models_dir: str | None = None,
                 torch_threads: int = Settings.torch_threads, batch_size: int = 8,
                 parse_precision: str = Settings.parse_precision, parser=None,
                 quote_scorer: str = Settings.quote_scorer,
                 parallel_batches: int = Settings.parallel_batches) -> None:
        self.official_models_dir = official_models_dir
        # as the server's --quote-scorer: "bundled", "off" (the rules alone) or a model file
        self.quote_scorer = quote_scorer
        self.torch_threads = torch_threads
        self.parse_precision = parse_precision  # service/nlp/precision.py
        self.batch_size = batch_size
        # batches parsed and extracted at once (with a given parser: at most its own number)
        self.parallel_batches = max(1, parallel_batches)
        self._parser = parser
        self._pipeline: QuotePipeline | None = None
        self._lock = threading.Lock()

    @property
    def pipeline(self) -> QuotePipeline:
        """The loaded pipeline (parser and attribution models, loaded on first use)."""
        with self._lock:
            if self._pipeline is None:
                parser = self._parser or load_parser(
                    official_models_dir=self.official_models_dir, torch_threads=self.torch_threads,
                    parse_precision=self.parse_precision, parallel_batches=self.parallel_batches)
                self._pipeline = QuotePipeline(parser, load_attribution_models(self.quote_scorer))
            return self._pipeline

    @property
    def parser(self):
        """The loaded ``service.nlp.pipeline.DocumentParser``."""
        return self.pipeline.parser

    @property
    def scorer(self):
        """The learned quote scorer (``service.attribution.scorer``), None when off."""
        return self.pipeline.models.scorer

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
        pipeline = self.pipeline
        if not boundaries:
            pipeline = QuotePipeline(pipeline.parser, replace(pipeline.models, boundaries=None))
        return pipeline.extract(parsed)

    def _batch(self, texts: list[str]) -> list[Attribution]:
        return self.pipeline.run(texts)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_parser"] = None  # workers load their own models
        state["_pipeline"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
