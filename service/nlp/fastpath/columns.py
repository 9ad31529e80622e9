"""Parsing without Stanza's Document objects: a run of sentences held as columns.

Stanza keeps a parse as a ``Document`` of ``Sentence``, ``Token`` and ``Word`` objects. Building
them from our tokenized sentences, reading and writing their fields word by word through
properties (``Document.get``/``set``) and the parser's ``build_dependencies`` cost about a sixth
of a news parse, and the service then copies every word into its own ``ParsedDocument`` anyway.

``ColumnDocument`` holds one run of sentences as flat per-word lists (text, offsets, upos, xpos,
feats, lemma, head, deprel) and answers the two calls Stanza's tagger and parser datasets and the
fast path's processors make of a document, ``get`` and ``set``, with the values Stanza's ``Word``
would give (``"_"`` read back as None, heads as ints). ``process`` runs a fast-path pipeline's
pos, lemma and depparse steps over many of them at once, as Stanza's bulk processing does, and
``to_parsed_document`` turns one document's runs into its ``ParsedDocument``: the same words,
tags, lemmas and trees as the Stanza Document path (tests compare the two).

Only pipelines whose every step after tokenizing is one the fast path runs (``supports``) take
this path; others parse Stanza Documents as before.
"""

from __future__ import annotations

from itertools import accumulate

from service.document import ParsedDocument, Word

# Stanza's field names (``stanza.models.common.doc``), spelled out so that importing this module
# does not import Stanza.
TEXT, START_CHAR, END_CHAR = "text", "start_char", "end_char"
UPOS, XPOS, FEATS, LEMMA, HEAD, DEPREL = "upos", "xpos", "feats", "lemma", "head", "deprel"

# How Stanza's Word stores what a processor sets: "_" (and None) mean no value; heads are ints;
# a lemma "_" is kept only for the word "_" itself.
_NULLABLE = (UPOS, XPOS, FEATS, DEPREL)


class ColumnDocument:
    """Consecutive sentences of one document: per-word columns plus sentence lengths."""

    __slots__ = ("lengths", "columns")

    def __init__(self, sentences: list[list[tuple[str, int, int]]]) -> None:
        """``sentences``: per sentence, its words as (text, start, end), offsets into the
        document."""
        self.lengths = [len(sentence) for sentence in sentences]
        words = [word for sentence in sentences for word in sentence]
        self.columns: dict[str, list] = {
            TEXT: [text for text, _, _ in words],
            START_CHAR: [start for _, start, _ in words],
            END_CHAR: [end for _, _, end in words],
        }

    @property
    def num_words(self) -> int:
        return len(self.columns[TEXT])

    # --- what Stanza's datasets and the fast path's processors call ------------------------

    def get(self, fields, as_sentences: bool = False, from_token: bool = False) -> list:
        """``Document.get``: one value per word for a single field, else a list of values per
        word (fresh lists: Stanza's datasets edit them in place); per sentence if asked."""
        if from_token:
            raise NotImplementedError("a ColumnDocument has words only (no multi-word tokens)")
        if isinstance(fields, str):
            fields = [fields]
        count = self.num_words
        values = [self.columns.get(field) or [None] * count for field in fields]
        flat = list(values[0]) if len(values) == 1 else [list(word) for word in zip(*values)]
        if not as_sentences:
            return flat
        ends = list(accumulate(self.lengths))
        return [flat[end - length:end] for end, length in zip(ends, self.lengths)]

    def set(self, fields, contents, to_token: bool = False, to_sentence: bool = False) -> None:
        """``Document.set`` for word fields: ``contents`` has one entry per word."""
        if to_token or to_sentence:
            raise NotImplementedError("a ColumnDocument sets word fields only")
        if isinstance(fields, str):
            fields = [fields]
        if len(contents) != self.num_words:
            raise ValueError(f"{len(contents)} values for {self.num_words} words")
        columns = [list(contents)] if len(fields) == 1 else [list(c) for c in zip(*contents)]
        if not contents:
            columns = [[] for _ in fields]
        for field, column in zip(fields, columns):
            self.columns[field] = _as_stored(field, column, self.columns[TEXT])

    # --- batching many documents' runs -------------------------------------------------------

    @classmethod
    def concatenate(cls, docs: list[ColumnDocument]) -> ColumnDocument:
        """One document holding the sentences of ``docs`` in order (for one batched pass)."""
        combined = cls([])
        combined.lengths = [length for doc in docs for length in doc.lengths]
        for field in docs[0].columns if docs else ():
            combined.columns[field] = [value for doc in docs for value in doc.columns[field]]
        return combined

    def scatter(self, docs: list[ColumnDocument]) -> None:
        """Copy this combined document's columns back into the ``docs`` it was made of."""
        at = 0
        for doc in docs:
            end = at + doc.num_words
            for field, column in self.columns.items():
                doc.columns[field] = column[at:end]
            at = end


def _as_stored(field: str, column: list, texts: list[str]) -> list:
    if field in _NULLABLE:
        return [None if value is None or value == "_" else value for value in column]
    if field == HEAD:
        return [None if value is None or value == "_" else int(value) for value in column]
    if field == LEMMA:
        return [None if (value is None or value == "_") and text != "_" else value
                for value, text in zip(column, texts)]
    return column


def supports(pipeline) -> bool:
    """Whether every step of ``pipeline`` after tokenizing runs on ColumnDocuments: the fast
    path's pos and depparse batching and its dictionary lemmatizer."""
    steps = [name for name in pipeline.processors if name != "tokenize"]
    if steps != ["pos", "lemma", "depparse"]:
        return False
    return all("process" in vars(pipeline.processors[name]) for name in steps)


def process(pipeline, docs: list[ColumnDocument]) -> None:
    """Tag, lemmatize and parse ``docs`` together, in place (``supports(pipeline)`` holds)."""
    if not docs:
        return
    combined = ColumnDocument.concatenate(docs)
    if combined.num_words:
        for name in ("pos", "lemma", "depparse"):
            pipeline.processors[name].process(combined)
    combined.scatter(docs)


def to_parsed_document(docs: list[ColumnDocument], text: str) -> ParsedDocument:
    """One document's parsed runs of sentences, in order, as its ``ParsedDocument`` over
    ``text``; the same values ``pipeline.to_parsed_document`` reads off Stanza Documents."""
    words: list[Word] = []
    sentences: list[range] = []
    for doc in docs:
        c = doc.columns
        rows = zip(c[TEXT], c.get(LEMMA) or _nones(doc), c.get(UPOS) or _nones(doc),
                   c.get(XPOS) or _nones(doc), c.get(FEATS) or _nones(doc),
                   c.get(HEAD) or _nones(doc), c.get(DEPREL) or _nones(doc),
                   c[START_CHAR], c[END_CHAR])
        for length in doc.lengths:
            base = len(words)
            s_index = len(sentences)
            for _ in range(length):
                word_text, lemma, upos, xpos, feats, head, deprel, start, end = next(rows)
                words.append(Word(
                    index=len(words), text=word_text, lemma=lemma or word_text,
                    upos=upos or "X", xpos=xpos or "", feats=feats or "",
                    head=base + head - 1 if head else -1, deprel=deprel or "dep",
                    start=start, end=end, sentence=s_index))
            sentences.append(range(base, len(words)))
    for w in words:
        if w.head >= 0:
            words[w.head].children.append(w.index)
    return ParsedDocument(text=text, words=words, sentences=sentences)


def _nones(doc: ColumnDocument) -> list:
    return [None] * doc.num_words
