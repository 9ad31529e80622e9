"""A small, parser-neutral view of a parsed document: words with global indices and tree links.

Built from a Stanza Document (``from_stanza``); the attribution rooms only see this view, so they
can be tested on hand-written parses and would survive a change of parser.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


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


def from_stanza(doc, text: str | None = None) -> ParsedDocument:
    """Flatten a Stanza Document. ``text`` is the caller's original text (same length)."""
    return from_stanza_parts([doc], text)


def from_stanza_parts(docs, text: str | None = None) -> ParsedDocument:
    """Flatten the Stanza Documents holding consecutive runs of one document's sentences (as
    parsed in pieces) into that document. ``text`` is the caller's original text (same length)."""
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
    return ParsedDocument(text=text if text is not None else docs[0].text, words=words,
                          sentences=sentences)
