"""The ground floor: a parser-neutral view of a parsed document (words with global indices and
tree links) and the quote-mark tables; both ``service.nlp`` and ``service.attribution`` build on
it and neither imports the other.

Made by the parser (``service.nlp.pipeline``) or by hand (``from_conllu``, for tests); the
attribution rooms only see this view, so they are tested on hand-written parses and would
survive a change of parser.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from dataclasses import dataclass, field


# Penn tags of finite verb forms (past, present, modal): the verbs that head clauses.
FINITE_XPOS = ("VBD", "VBZ", "VBP", "MD")


@dataclass
class Word:
    index: int  # position in the document's word list
    text: str
    lemma: str
    upos: str
    xpos: str
    feats: str
    head: int  # document-level index of the head word, -1 for a root
    deprel: str
    start: int
    end: int
    sentence: int
    children: list[int] = field(default_factory=list)

    @property
    def rel(self) -> str:
        """The universal relation without its subtype: "nsubj:pass" -> "nsubj"."""
        return self.deprel.split(":", 1)[0]

    def has_feat(self, feat: str) -> bool:
        return feat in (self.feats or "").split("|")


@dataclass
class ParsedDocument:
    text: str
    words: list[Word]
    sentences: list[range]  # word index ranges

    def sentence_of(self, word: Word) -> range:
        return self.sentences[word.sentence]

    def children(self, word: Word, *rels: str) -> list[Word]:
        kids = [self.words[i] for i in word.children]
        if rels:
            kids = [k for k in kids if k.deprel in rels or k.rel in rels]
        return kids

    def head_of(self, word: Word) -> Word | None:
        return self.words[word.head] if word.head >= 0 else None

    def subtree(self, word: Word, exclude: set[int] | None = None) -> list[Word]:
        """Word and all its descendants, in text order; subtrees rooted in ``exclude`` are cut."""
        out = []
        stack = [word.index]
        while stack:
            index = stack.pop()
            if exclude and index in exclude and index != word.index:
                continue
            out.append(self.words[index])
            stack.extend(self.words[index].children)
        out.sort(key=lambda w: w.index)
        return out

    def _word_starts(self) -> list[int]:
        """Each word's start offset, in order (words are in text order): for bisection."""
        starts = self.__dict__.get("_starts")
        if starts is None or len(starts) != len(self.words):
            starts = self.__dict__["_starts"] = [w.start for w in self.words]
        return starts

    def words_between(self, start: int, end: int) -> list[Word]:
        """Words whose characters lie inside [start, end)."""
        found = []
        for w in self.words[bisect.bisect_left(self._word_starts(), start):]:
            if w.start > end:
                break
            if w.end <= end:
                found.append(w)
        return found

    def word_at(self, offset: int) -> Word | None:
        index = bisect.bisect_right(self._word_starts(), offset) - 1
        if index >= 0 and self.words[index].start <= offset < self.words[index].end:
            return self.words[index]
        return None


def from_conllu(conllu: str) -> ParsedDocument:
    """A ParsedDocument written by hand, for tests of the rules without any model.

    One word a line: ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL [MISC], separated by whitespace,
    ``_`` for an empty field; HEAD is 1-based within the sentence (0: root). A blank line ends a
    sentence; ``# newpar`` starts a new paragraph. The text is the forms joined by single spaces
    (none after a word whose MISC says SpaceAfter=No), sentences by a space, paragraphs by a
    blank line, so offsets follow from the forms."""
    words: list[Word] = []
    sentences: list[range] = []
    text = ""
    rows: list[list[str]] = []
    new_paragraph = False

    def close_sentence() -> None:
        nonlocal text, new_paragraph
        if not rows:
            return
        base = len(words)
        if text:
            text += "\n\n" if new_paragraph else " "
        new_paragraph = False
        space_after = True
        for row in rows:
            fields = row + ["_"] * (9 - len(row))
            _id, form, lemma, upos, xpos, feats, head, deprel, misc = fields[:9]
            if words and len(words) > base and space_after:
                text += " "
            start = len(text)
            text += form
            words.append(Word(index=len(words), text=form, lemma=form if lemma == "_" else lemma,
                              upos=upos, xpos="" if xpos == "_" else xpos,
                              feats="" if feats == "_" else feats,
                              head=base + int(head) - 1 if int(head) else -1,
                              deprel=deprel, start=start, end=len(text),
                              sentence=len(sentences)))
            space_after = "SpaceAfter=No" not in misc
        sentences.append(range(base, len(words)))
        rows.clear()

    for line in conllu.strip().splitlines():
        line = line.strip()
        if line == "# newpar":
            close_sentence()
            new_paragraph = bool(words)
        elif not line:
            close_sentence()
        elif not line.startswith("#"):
            rows.append(line.split())
    close_sentence()
    for w in words:
        if w.head >= 0:
            words[w.head].children.append(w.index)
    return ParsedDocument(text=text, words=words, sentences=sentences)


# Quote marks. Curly and guillemet marks say which way they face; straight marks and the ASCII
# pair `` '' of some wire copy are read from their surroundings.
OPENING_DOUBLE = frozenset({"\u201c", "\u201e", "\u201f", "\u00ab"})  # “ „ ‟ «
CLOSING_DOUBLE = frozenset({"\u201d", "\u00bb"})  # ” »
OPENING_SINGLE = frozenset({"\u2018"})  # ‘
CLOSING_SINGLE = frozenset({"\u2019"})  # ’ (also the apostrophe)
ASCII_OPENING = "``"
ASCII_CLOSING = "''"
STRAIGHT_DOUBLE = '"'
STRAIGHT_SINGLE = "'"
# Single-quote look-alikes the parser sees as a straight single mark.
SINGLE_LOOKALIKES = frozenset({"\u201a", "\u201b", "\u2032"})  # ‚ ‛ ′


def read_word_list(path: Path) -> frozenset[str]:
    """A word list file: one word a line, lower-cased; blank lines and ``#`` comments skipped
    (the format of the lexicon's lists and of the segmenter's)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.lstrip().startswith("#"))
