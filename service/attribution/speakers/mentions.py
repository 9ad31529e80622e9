"""Speaker mentions: the noun phrase that names a speaker ("Mossad chief Yossi Cohen"), with its
titles and modifiers but without relative clauses, appositions or participle asides; and the
proper name it ends in."""

from __future__ import annotations

from dataclasses import dataclass

from service.attribution import lexicon
from service.attribution.parsed import ParsedDocument, Word
from service.attribution.spans import Span


_NP_EXCLUDED_RELS = ("acl", "appos", "punct", "parataxis", "advcl", "dep", "discourse", "vocative",
                     "reparandum", "list", "dislocated")


def noun_phrase(doc: ParsedDocument, head: Word) -> list[Word]:
    """The head's noun phrase, without clauses and asides, as contiguous words."""
    excluded = {c.index for w in doc.subtree(head) for c in doc.children(w)
                if (c.rel in _NP_EXCLUDED_RELS or c.deprel in ("acl:relcl",)) and not _tight_appos(doc, c)
                and not _word_internal_hyphen(doc, c)}
    words = doc.subtree(head, exclude=excluded)
    lo = hi = head.index
    indices = {w.index for w in words}
    # Words the parser hung on the verb beside the head ('Mossad chief | Yossi Cohen' as two
    # subjects) still belong to the phrase when nothing separates them.
    while lo - 1 >= 0 and lo - 1 not in indices and doc.words[lo - 1].sentence == head.sentence \
            and doc.words[lo - 1].upos in ("NOUN", "PROPN", "ADJ") and doc.words[lo - 1].head == head.head \
            and doc.words[lo - 1].rel in ("nsubj", "compound", "amod") and head.rel == "nsubj":
        for w in doc.subtree(doc.words[lo - 1]):
            indices.add(w.index)
        lo = min(indices)
    while lo - 1 in indices:
        lo -= 1
    while hi + 1 in indices:
        hi += 1
    # Names run on over the proper nouns right after the head ("said Anna Berg" parsed as Anna + X).
    while (head.upos == "PROPN" and hi + 1 < len(doc.words) and doc.words[hi + 1].upos == "PROPN"
           and doc.words[hi + 1].sentence == head.sentence and hi + 1 not in excluded
           and doc.words[hi + 1].text.lower() not in lexicon.TIME_WORDS):
        hi += 1
        indices.add(hi)
    words = [doc.words[i] for i in range(lo, hi + 1) if i in indices]
    while words and (words[0].upos in ("PUNCT", "CCONJ") or words[0].rel in ("case", "fixed")
                     or len(words) > 1 and words[0].lemma.lower() in lexicon.OPENING_ADVERBS):  # 'Meanwhile Rihanna'
        words = words[1:]
    while words and words[-1].upos in ("PUNCT", "CCONJ"):
        words = words[:-1]
    return words or [head]


def _word_internal_hyphen(doc: ParsedDocument, word: Word) -> bool:
    """The '-' of 'Iran-backed' belongs to the phrase (no space on either side)."""
    return word.text in ("-", "\u2013") and 0 < word.start and word.end < len(doc.text) \
        and not doc.text[word.start - 1].isspace() and not doc.text[word.end].isspace()


def _tight_appos(doc: ParsedDocument, word: Word) -> bool:
    """'Mossad chief Yossi Cohen': a name in apposition with no comma is part of the phrase."""
    if word.rel != "appos" or word.index == 0:
        return False
    first = doc.subtree(word)[0]
    return first.index > 0 and doc.words[first.index - 1].upos != "PUNCT" and word.upos == "PROPN"


def name_chain(doc: ParsedDocument, head: Word) -> list[Word]:
    """The proper name a head word ends: 'US President Donald Trump' -> [Donald, Trump]."""
    if head.upos != "PROPN" and not (head.text[:1].isupper() and head.upos in ("NOUN", "X")):
        return []
    chain = [head]
    j = head.index + 1
    while j < len(doc.words) and doc.words[j].upos == "PROPN" and doc.words[j].sentence == head.sentence \
            and doc.words[j].text.lower() not in lexicon.TIME_WORDS:
        chain.append(doc.words[j])
        j += 1
    i = head.index - 1
    while i >= 0 and doc.words[i].sentence == head.sentence:
        w = doc.words[i]
        if w.upos == "PROPN" or (w.text[:1].isupper() and w.text.lower() in lexicon.TITLES) or (
                w.upos == "ADJ" and w.text[:1].isupper() and i > doc.sentences[w.sentence].start) or (
                w.text.endswith(".") and len(w.text) <= 3 and w.text[:1].isupper()):
            chain.insert(0, w)
            i -= 1
            continue
        break
    # Names are capitalised: "northwestern" tagged PROPN is not part of one.
    while len(chain) > 1 and not chain[0].text[:1].isupper():
        chain = chain[1:]
    # Titles: keep what follows the last title word.
    cut = 0
    for k, w in enumerate(chain[:-1]):
        if w.text.lower() in lexicon.TITLES:
            cut = k + 1
    chain = chain[cut:]
    # Possessives or genitive leftovers ("Iran's") are not part of a name.
    return [w for w in chain if w.upos != "PART"]


def _text(words: list[Word], doc: ParsedDocument) -> str:
    return doc.text[words[0].start:words[-1].end] if words else ""


@dataclass
class Mention:
    words: list[Word]
    head: Word
    form: str  # "pronoun", "name" or "nominal"
    text: str
    span: Span
    name: str  # proper name (names), lower-cased pronoun, or the description
    plural: bool
    definite: bool


def make_mention(doc: ParsedDocument, head: Word) -> Mention:
    words = noun_phrase(doc, head)
    text = _text(words, doc)
    span = Span(words[0].start, words[-1].end)
    plural = head.has_feat("Number=Plur") or head.xpos in ("NNS", "NNPS") or any(
        c.rel == "conj" for c in doc.children(head))
    if head.upos == "PRON" or head.text.lower() in lexicon.PRONOUNS and len(words) == 1:
        return Mention(words, head, "pronoun", text, span, head.text.lower(), plural, True)
    chain = name_chain(doc, head)
    if not chain and head.upos == "NOUN":
        # 'New Yorker reporter Dexter Filkins' headed by the role noun: the name follows it
        after = [w for w in words if w.index > head.index and w.upos == "PROPN"]
        if after and after[0].index == head.index + 1:
            chain = name_chain(doc, after[-1])
    if chain and not any(c.rel == "conj" for c in doc.children(head)):
        return Mention(words, head, "name", text, span, _text(chain, doc), plural, True)
    definite = any(c.lemma.lower() in ("the", "this", "that", "these", "those") for c in doc.children(head, "det"))
    return Mention(words, head, "nominal", text, span, text, plural, definite)
