"""The Stanza pipeline the service parses with: batching across documents, threads, normalisation."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from service.nlp.models import ModelSpec, load_pipeline
from service.nlp.segmenter import NewsSegmenter

log = logging.getLogger(__name__)

# News text written for warming up (quotes, attributions, long and short sentences).
WARM_UP_TEXT = Path(__file__).with_name("warm_up.txt")

# Typographic characters the EWT-trained models rarely saw, mapped one code point to one code
# point, so every offset into the normalised text is an offset into the caller's text.
_PARSE_NORMALISATION = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
})


def normalise_for_parsing(text: str) -> str:
    normalised = text.translate(_PARSE_NORMALISATION)
    assert len(normalised) == len(text)
    return normalised


@dataclass(frozen=True)
class ParseTiming:
    seconds: float
    words: int


class DocumentParser:
    """Parses batches of documents with one Stanza pipeline; one batch at a time.

    Stanza pipelines are not thread-safe, and on a few cores running two batches side by side only
    makes both slower, so calls are serialised with a lock; callers batch to get throughput.
    """

    def __init__(self, spec: ModelSpec, *, torch_threads: int = 2, use_gpu: bool = False,
                 batch_tokens: int = 5000) -> None:
        import torch

        torch.set_num_threads(torch_threads)
        self.spec = spec
        self._lock = threading.Lock()
        self._segmenter = NewsSegmenter()
        started = time.perf_counter()
        self._batch_tokens = batch_tokens
        self._nlp = load_pipeline(spec, use_gpu=use_gpu, batch_tokens=batch_tokens)
        self._after_tokenize = [name for name in self._nlp.processors if name != "tokenize"]
        log.info("loaded %s (%s) in %.1fs with %d torch threads", spec.label, spec.source,
                 time.perf_counter() - started, torch_threads)

    def parse(self, texts: list[str]):
        """Parse ``texts`` together; returns one ``stanza.Document`` per text, in order.

        The documents' text is the normalised text (same length and offsets as the input).
        """
        if not texts:
            return []
        return self.parse_segmented([self._segmented(text) for text in texts])

    def segment(self, text: str, piece_words: int | None = None) -> list:
        """``text`` as Stanza Documents ready for ``parse_segmented``: one, or with
        ``piece_words``, consecutive runs of whole sentences of about that many words each
        (a sentence longer than that is a piece of its own). Every piece carries the whole
        normalised text and document-level offsets, so ``parsed.from_stanza_parts`` joins their
        parses into the document's. Thread-safe; no model involved."""
        import stanza
        from stanza.models.common.doc import END_CHAR, START_CHAR, TEXT

        normalised = normalise_for_parsing(text)
        sentences = [
            # offsets as fields, not as a MISC string Stanza would parse back word by word
            [{TEXT: normalised[tok.start:tok.end], START_CHAR: tok.start, END_CHAR: tok.end}
             for tok in sentence]
            for sentence in self._segmenter.split(text)
        ]
        if piece_words is None:
            return [stanza.Document(sentences, text=normalised)]
        pieces, run, words = [], [], 0
        for sentence in sentences:
            if run and words + len(sentence) > piece_words:
                pieces.append(stanza.Document(run, text=normalised))
                run, words = [], 0
            run.append(sentence)
            words += len(sentence)
        if run or not pieces:
            pieces.append(stanza.Document(run, text=normalised))
        return pieces

    def parse_segmented(self, docs: list) -> list:
        """Parse Documents made by ``segment`` together (in place); returns them, in order."""
        if not docs:
            return []
        with self._lock:
            # Our documents arrive tokenized and split; Stanza's tokenize step would only
            # deep-copy them (a tenth of the parse time), so the pipeline starts after it.
            return self._nlp.process(docs, processors=self._after_tokenize)

    def warm_up(self, rounds: int = 3) -> float:
        """Parse a built-in news text ``rounds`` times; returns the seconds it took.

        The first parses of a fresh process are several times slower than the rest (torch's
        kernels and allocator, Python's caches); a server calls this before it reports SERVING
        so callers never see that."""
        started = time.perf_counter()
        text = WARM_UP_TEXT.read_text(encoding="utf-8")
        for _ in range(rounds):
            self.parse([text, text[: len(text) // 3]])
        return time.perf_counter() - started

    @property
    def pipeline(self):
        """The Stanza pipeline (for benchmarks and tests; callers parse through ``parse``)."""
        return self._nlp

    def parse_with_stanza_path(self, texts: list[str]):
        """``parse`` as Stanza alone would do it: its batches and batch tensors, vocabulary
        lookups, tagger output, depparse predictor and decoder, its tokenize step. Same parses,
        slower; benchmarks measure the difference with it."""
        from service.nlp import fastpath

        docs = [self._segmented(text) for text in texts]
        with self._lock:
            fastpath.uninstall(self._nlp)
            try:
                return self._nlp(docs)
            finally:
                fastpath.install(self._nlp, self._batch_tokens)

    def _segmented(self, text: str):
        """A Stanza Document holding our tokens and sentences (split on the caller's text, where
        curly quotes still say which way they face; parsed on the normalised text)."""
        [doc] = self.segment(text)
        return doc
