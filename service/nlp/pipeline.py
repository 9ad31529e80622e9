"""The parser seam: Stanza behind the ``Parser`` protocol, answering the project's ParsedDocument.

This is the only place (with the rest of ``service.nlp``) that sees Stanza objects; attribution
and the server get ``ParsedDocument``s. Also: normalisation of typographic characters, pieces of
long documents, warm-up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from service import document
from service.document import ParsedDocument, Word
from service.nlp.fastpath import char_reps, columns
from service.nlp import precision as parse_precision
from service.nlp.fastpath.columns import ColumnDocument
from service.nlp.models import ModelSpec, load_pipeline
from service.nlp.segmenter import NewsSegmenter

log = logging.getLogger(__name__)

# News text written for warming up (quotes, attributions, long and short sentences).
WARM_UP_TEXT = Path(__file__).with_name("warm_up.txt")

# Typographic characters the EWT-trained models rarely saw, mapped one code point to one code
# point, so every offset into the normalised text is an offset into the caller's text.
_PARSE_NORMALISATION = str.maketrans({
    **{mark: '"' for mark in document.OPENING_DOUBLE | document.CLOSING_DOUBLE},
    **{mark: "'" for mark in document.OPENING_SINGLE | document.CLOSING_SINGLE
       | document.SINGLE_LOOKALIKES},
    "\u00a0": " ", "\u2009": " ", "\u202f": " ",
})


def normalise_for_parsing(text: str) -> str:
    normalised = text.translate(_PARSE_NORMALISATION)
    assert len(normalised) == len(text)
    return normalised


@dataclass(eq=False)
class Piece:
    """A run of whole sentences of one document, tokenized, ready to parse (``Parser.segment``).

    ``words`` is what a batch pays for it; the rest is the parser's own business."""

    words: int
    content: Any


class Parser(Protocol):
    """What the service needs of a parser; ``DocumentParser`` is the Stanza one.

    Documents may be parsed in pieces (runs of whole sentences) so that long ones share batches
    with short ones: ``segment`` cuts, ``parse_pieces`` parses pieces of many documents
    together, ``assemble`` joins one document's parsed pieces into its ``ParsedDocument``."""

    spec: ModelSpec
    parallel_batches: int  # batches ``parse_pieces`` may be running at once

    def parse(self, texts: list[str]) -> list[ParsedDocument]: ...

    def segment(self, text: str, piece_words: int | None = None) -> list[Piece]: ...

    def parse_pieces(self, pieces: list[Piece]) -> None: ...

    def assemble(self, pieces: list[Piece], text: str) -> ParsedDocument: ...


class ParseSlots:
    """Up to ``limit`` batches parsed at once, or one user alone (switching the arithmetic,
    Stanza's own path): a readers-writer gate around one pipeline."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._cond = threading.Condition()
        self._active = 0
        self._exclusive = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive or self._active >= self.limit:
                self._cond.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._exclusive = True  # new parses wait from now on
            while self._active:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


class DocumentParser:
    """Parses documents with one Stanza pipeline, up to ``parallel_batches`` batches at once.

    Parsing is mostly torch (which releases the GIL) and partly Python (batch building, tree
    decoding, which holds it). A single batch on two torch threads leaves a core idle during the
    Python part; two batches on one torch thread each keep both busy, which on 2 cores parses
    1.15-1.3x the words per second of one batch on two threads (1.4-1.5x with extraction in the
    same threads), with the same results (bench/README.md). So ``parse`` may be called from
    that many threads at once; more callers wait. The processors keep no state between
    batches, and the columns path copies nothing shared; Stanza's own Document path (models the
    columns do not support) runs one batch at a time.
    """

    def __init__(self, spec: ModelSpec, *, torch_threads: int = 2, use_gpu: bool = False,
                 batch_tokens: int = 5000, precision: str = "auto",
                 parallel_batches: int = 1) -> None:
        import torch

        torch.set_num_threads(torch_threads)
        self.spec = spec
        self._segmenter = NewsSegmenter()
        started = time.perf_counter()
        self._batch_tokens = batch_tokens
        self._nlp = load_pipeline(spec, use_gpu=use_gpu, batch_tokens=batch_tokens)
        self._after_tokenize = [name for name in self._nlp.processors if name != "tokenize"]
        # Parse ColumnDocuments rather than Stanza Documents where every step supports them.
        self._on_columns = columns.supports(self._nlp)
        self._slots = ParseSlots(max(1, parallel_batches) if self._on_columns and not use_gpu
                                 else 1)
        # float32 or bfloat16 ("auto": bfloat16 where the CPU has it; service/nlp/precision.py)
        self.precision = parse_precision.use(self._nlp, "float32" if use_gpu else precision)
        log.info("loaded %s (%s) in %.1fs with %d torch threads, %d parallel batches, %s",
                 spec.label, spec.source, time.perf_counter() - started, torch_threads,
                 self._slots.limit, self.precision)

    @property
    def parallel_batches(self) -> int:
        """How many batches this parser parses at once (1 where only Stanza's path works)."""
        return self._slots.limit

    # --- the Parser protocol ---------------------------------------------------------------

    def parse(self, texts: list[str]) -> list[ParsedDocument]:
        """Parse ``texts`` together; one ``ParsedDocument`` per text, in order."""
        return [self.assemble([piece], text)
                for piece, text in zip(self._parse_whole(texts), texts)]

    def segment(self, text: str, piece_words: int | None = None) -> list[Piece]:
        """``text`` tokenized and split into sentences, as one piece or, with ``piece_words``,
        as consecutive runs of whole sentences of at most that many words (a longer sentence is
        a piece of its own). Thread-safe; no model involved."""
        runs = self._sentence_runs(text, piece_words)
        if self._on_columns:
            return [Piece(sum(map(len, run)), ColumnDocument(run)) for run in runs]
        return self._stanza_pieces(runs, text)

    def parse_pieces(self, pieces: list[Piece]) -> None:
        """Parse ``pieces`` (of any documents) together, in place."""
        if pieces:
            self._process([piece.content for piece in pieces])

    def assemble(self, pieces: list[Piece], text: str) -> ParsedDocument:
        """One document's parsed pieces, in order, as its ``ParsedDocument`` over ``text`` (the
        caller's text: same length and offsets as the normalised text that was parsed)."""
        contents = [piece.content for piece in pieces]
        if contents and isinstance(contents[0], ColumnDocument):
            return columns.to_parsed_document(contents, text)
        return to_parsed_document(contents, text)

    # --- for the NLP room's own tools (evaluation, benchmarks, tests) -----------------------

    def parse_stanza(self, texts: list[str]) -> list:
        """``parse`` returning Stanza Documents (with the normalised text)."""
        return [piece.content for piece in self._parse_whole(texts, stanza_documents=True)]

    def set_precision(self, precision: str) -> str:
        """Switch the tagger's and parser's arithmetic (``precision.PRECISIONS``) between batches;
        returns the one in use now."""
        with self.exclusive():
            self.precision = parse_precision.use(self._nlp, precision)
            char_reps.forget(self._nlp)  # vectors of the old arithmetic
        return self.precision

    def exclusive(self):
        """A context in which no batch is parsed but the holder's (waits for running ones):
        switching models' state, comparing with Stanza's path; tests hold it to make the parser
        look busy."""
        return self._slots.exclusive()

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

    def _parse_whole(self, texts: list[str], *, stanza_documents: bool = False) -> list[Piece]:
        if stanza_documents:
            pieces = [piece for text in texts
                      for piece in self._stanza_pieces(self._sentence_runs(text), text)]
        else:
            pieces = [piece for text in texts for piece in self.segment(text)]
        self.parse_pieces(pieces)
        return pieces

    def _sentence_runs(self, text: str, piece_words: int | None = None) -> list[list[list]]:
        """Runs of sentences, each sentence its words as (text, start, end) over the normalised
        text, each run at most ``piece_words`` words unless one sentence is longer."""
        normalised = normalise_for_parsing(text)
        runs: list[list] = []
        run: list = []
        words = 0
        for sentence in self._segmenter.split(text):
            if run and piece_words is not None and words + len(sentence) > piece_words:
                runs.append(run)
                run, words = [], 0
            run.append([(normalised[tok.start:tok.end], tok.start, tok.end) for tok in sentence])
            words += len(sentence)
        if run or not runs:
            runs.append(run)
        return runs

    @staticmethod
    def _stanza_pieces(runs: list[list[list]], text: str) -> list[Piece]:
        import stanza
        from stanza.models.common.doc import END_CHAR, START_CHAR, TEXT

        normalised = normalise_for_parsing(text)
        # Offsets as fields, not as a MISC string Stanza would parse back word by word; every
        # piece carries the whole normalised text and document-level offsets.
        return [Piece(sum(map(len, run)), stanza.Document(
                    [[{TEXT: word, START_CHAR: start, END_CHAR: end} for word, start, end in sentence]
                     for sentence in run], text=normalised))
                for run in runs]

    def _process(self, docs: list) -> None:
        if docs and isinstance(docs[0], ColumnDocument):
            with self._slots.shared():
                columns.process(self._nlp, docs)
        else:
            with self._slots.exclusive():
                # Our documents arrive tokenized and split; Stanza's tokenize step would only
                # deep-copy them (a tenth of the parse time), so the pipeline starts after it.
                self._nlp.process(docs, processors=self._after_tokenize)


def parse_with_stanza_path(parser: DocumentParser, texts: list[str]) -> list:
    """``parser.parse_stanza`` as Stanza alone would do it: its batches and batch tensors,
    vocabulary lookups, tagger output, depparse predictor and decoder, lemmatizer batches, its
    tokenize step, float32. The same parses as a float32 parser, slower; benchmarks and tests
    measure and compare with it."""
    from service.nlp import fastpath

    docs = [piece.content for text in texts
            for piece in parser._stanza_pieces(parser._sentence_runs(text), text)]
    with parser.exclusive():
        fastpath.uninstall(parser._nlp)
        parse_precision.use(parser._nlp, "float32")
        try:
            return parser._nlp(docs)
        finally:
            fastpath.install(parser._nlp, parser._batch_tokens)
            parse_precision.use(parser._nlp, parser.precision)


def to_parsed_document(docs: list, text: str) -> ParsedDocument:
    """Flatten the Stanza Documents holding consecutive runs of one document's sentences into
    the project's ``ParsedDocument`` over ``text`` (the caller's text, same length)."""
    words: list[Word] = []
    sentences: list[range] = []
    for sentence in (sentence for doc in docs for sentence in doc.sentences):
        s_index = len(sentences)
        base = len(words)
        for word in sentence.words:
            token = word.parent
            start = word.start_char if word.start_char is not None else token.start_char
            end = word.end_char if word.end_char is not None else token.end_char
            head = base + word.head - 1 if word.head else -1
            words.append(Word(
                index=len(words), text=word.text, lemma=(word.lemma or word.text),
                upos=word.upos or "X", xpos=word.xpos or "", feats=word.feats or "",
                head=head, deprel=word.deprel or "dep", start=start, end=end, sentence=s_index))
        sentences.append(range(base, len(words)))
    for w in words:
        if w.head >= 0:
            words[w.head].children.append(w.index)
    return ParsedDocument(text=text, words=words, sentences=sentences)
