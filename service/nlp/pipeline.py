"""The Stanza pipeline the service parses with: batching across documents, threads, normalisation."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from service.nlp.models import ModelSpec, load_pipeline
from service.nlp.segmenter import NewsSegmenter

log = logging.getLogger(__name__)

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
        import stanza

        if not texts:
            return []
        docs = [self._segmented(text) for text in texts]
        with self._lock:
            # Our documents arrive tokenized and split; Stanza's tokenize step would only
            # deep-copy them (a tenth of the parse time), so the pipeline starts after it.
            parsed = self._nlp.process(docs, processors=self._after_tokenize)
        return parsed

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
        import stanza
        from stanza.models.common.doc import END_CHAR, START_CHAR, TEXT

        normalised = normalise_for_parsing(text)
        sentences = [
            # offsets as fields, not as a MISC string Stanza would parse back word by word
            [{TEXT: normalised[tok.start:tok.end], START_CHAR: tok.start, END_CHAR: tok.end}
             for tok in sentence]
            for sentence in self._segmenter.split(text)
        ]
        return stanza.Document(sentences, text=normalised)
