"""The cue lexicon: which words introduce reported speech ("said", "wrote", "according to")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from service.attribution import lexicon
from service.document import ParsedDocument, Word

LEXICON_FILE = lexicon.CUE_LEMMAS


@dataclass(frozen=True)
class CueLexicon:
    reporting: frozenset[str]  # introduce direct and indirect speech
    manner: frozenset[str]  # attribute quoted words only ("he laughed")
    phrasal: frozenset[tuple[str, str]]  # (lemma, particle) pairs: ("point", "out")
    phrasal_manner: frozenset[tuple[str, str]]

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> "CueLexicon":
        reporting: set[str] = set()
        manner: set[str] = set()
        phrasal: set[tuple[str, str]] = set()
        phrasal_manner: set[tuple[str, str]] = set()
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip().lower()
            if not line:
                continue
            direct_only = line.endswith("*")
            parts = line.rstrip("*").split()
            if len(parts) == 2:
                (phrasal_manner if direct_only else phrasal).add((parts[0], parts[1]))
            else:
                (manner if direct_only else reporting).add(parts[0])
        return cls(frozenset(reporting), frozenset(manner), frozenset(phrasal), frozenset(phrasal_manner))


@lru_cache(maxsize=1)
def default_lexicon() -> CueLexicon:
    return CueLexicon.load()


def _lemma_candidates(word: Word) -> list[str]:
    """The tagger's lemma first, then rule-based guesses for verbs it never saw ("tweeted")."""
    lower = word.text.lower()
    out = [word.lemma.lower(), lower]
    for suffix, repl in (("ied", "y"), ("ies", "y"), ("ing", ""), ("ing", "e"), ("ed", ""),
                         ("ed", "e"), ("es", ""), ("s", "")):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem = lower[: -len(suffix)] + repl
            out.append(stem)
            if repl == "" and len(stem) > 2 and stem[-1] == stem[-2]:
                out.append(stem[:-1])  # quipped -> quip
    return out


@dataclass(frozen=True)
class CueMatch:
    word: Word
    lemma: str
    manner_only: bool  # True: attributes quoted words but never introduces indirect speech
    particle: Word | None = None


def match_cue(doc: ParsedDocument, word: Word, lexicon: CueLexicon | None = None) -> CueMatch | None:
    """The cue this word starts, if it is a speech verb (or a phrasal one with its particle)."""
    lexicon = lexicon or default_lexicon()
    if word.rel == "amod" or (word.start > 0 and doc.text[word.start - 1] == "-"):
        return None  # "so-called", "self-described": adjectives, not acts of speech
    if word.upos not in ("VERB", "AUX") and not (word.upos in ("NOUN", "PROPN", "ADJ") and word.rel in ("root", "parataxis", "ccomp", "conj", "advcl")):
        return None
    if word.upos == "AUX" and word.lemma.lower() != "say":
        return None
    if word.text == "Asked" and all(w.upos == "PUNCT" for w in doc.words[doc.sentence_of(word).start:word.index]):
        return None  # 'Asked whether X, Brandt said ...': the question put to the speaker, not their words
    governor = doc.head_of(word)
    if word.rel == "xcomp" and governor is not None and governor.lemma.lower() in (
            "decline", "refuse", "fail", "hesitate"):
        return None  # "declined to say whether ...": nothing was said
    particles = [c for c in doc.children(word, "compound:prt")]
    for lemma in _lemma_candidates(word):
        for particle in particles:
            pair = (lemma, particle.text.lower())
            if pair in lexicon.phrasal:
                return CueMatch(word, f"{lemma} {pair[1]}", False, particle)
            if pair in lexicon.phrasal_manner:
                return CueMatch(word, f"{lemma} {pair[1]}", True, particle)
        if lemma in lexicon.reporting:
            return CueMatch(word, lemma, False)
        if lemma in lexicon.manner:
            return CueMatch(word, lemma, True)
    return None


def according_to(doc: ParsedDocument, word: Word) -> Word | None:
    """For the "according" of "according to X", the head word of X; else None."""
    if word.text.lower() != "according":
        return None
    nxt = doc.words[word.index + 1] if word.index + 1 < len(doc.words) else None
    if nxt is None or nxt.text.lower() != "to" or nxt.sentence != word.sentence:
        return None
    # UD: X -case-> according (fixed: to); X hangs on the clause as obl. Trust the parse only
    # when X comes after "to" (a misattached "according" often points back into the clause).
    head = doc.head_of(word)
    if head is not None and word.rel == "case" and head.index > nxt.index and head.upos in (
            "NOUN", "PROPN", "PRON", "NUM", "X"):
        return head
    # Parser variations: take the first nominal after "to" in the same sentence.
    for w in doc.words[nxt.index + 1: doc.sentence_of(word).stop]:
        if w.upos in ("NOUN", "PROPN", "PRON"):
            # climb to the head of its noun phrase
            while w.rel in ("compound", "flat", "amod", "nmod:poss", "nmod:desc", "det") and doc.head_of(w) is not None \
                    and doc.head_of(w).index > nxt.index:
                w = doc.head_of(w)
            return w
    return None
