"""Reading a parse: small questions about words and clauses that clause finders and speaker
heads both ask (is it finite, a time word, a relative pronoun; where does a phrase start)."""

from __future__ import annotations

from service.attribution import lexicon
from service.document import FINITE_XPOS, ParsedDocument, Word


SUBJECT_RELS = ("nsubj", "nsubj:outer")


def is_time_word(doc: ParsedDocument, word: Word) -> bool:
    """'Friday', 'last week', 'months': time, not a speaker or content. A capitalised time noun
    inside a sentence is a name ('The [Times] says')."""
    lower = word.text.lower()
    if lower not in lexicon.TIME_WORDS:
        return False
    sentence_initial = word.index == doc.sentence_of(word).start
    return lower in lexicon.WEEKDAYS or not word.text[:1].isupper() or sentence_initial


def subtree_start(doc: ParsedDocument, head: Word) -> int:
    """Index of the first word of ``head``'s subtree (where its phrase or clause starts)."""
    return doc.subtree(head)[0].index


def follows_quote(doc: ParsedDocument, cue: Word) -> bool:
    """Whether the cue comes right after a closing quote mark (only punctuation between)."""
    i = cue.index - 1
    while i >= 0 and doc.words[i].upos == "PUNCT":
        if doc.words[i].text in ('"', "''", "\u201d"):
            return True
        i -= 1
    return False


def is_relative_word(word: Word) -> bool:
    return (word.upos == "PRON" and word.has_feat("PronType=Rel")) or word.lemma.lower() in (
        "who", "which", "whom", "whose")


def has_predicate(words: list[Word], doc: ParsedDocument) -> bool:
    """A clause has a verb, or is in quote marks (quoted fragments report speech too)."""
    if any(w.upos in ("VERB", "AUX") for w in words):
        return True
    before = doc.text[max(0, words[0].start - 2):words[0].start]
    return any(q in before for q in ('"', "\u201c", "''", "``"))


def is_finite(word: Word) -> bool:
    return word.xpos in FINITE_XPOS or word.has_feat("VerbForm=Fin")


def is_finite_clause(doc: ParsedDocument, head: Word) -> bool:
    verbs = [head] + doc.children(head, "aux", "aux:pass", "cop")
    return any(is_finite(v) for v in verbs) or head.upos not in ("VERB", "AUX")


def is_predicate_head(doc: ParsedDocument, head: Word) -> bool:
    """A clause is headed by a verb, or by a nominal/adjective with a copula or a subject."""
    if head.upos in ("VERB", "AUX"):
        return True
    if any(k.rel in ("cop", "nsubj", "aux") for k in doc.children(head)):
        return True
    before = doc.text[max(0, doc.subtree(head)[0].start - 2):doc.subtree(head)[0].start]
    return any(q in before for q in ('"', "\u201c", "''", "``"))  # a quoted fragment


def nominal_after(doc: ParsedDocument, cue: Word) -> Word | None:
    """The first noun phrase head right after an inverted cue: 'said [Anna] Berg', 'said the [minister]'."""
    j = cue.index + 1
    while j < len(doc.words) and doc.words[j].sentence == cue.sentence and (
            doc.words[j].upos in ("DET", "ADJ", "NUM", "ADV") or doc.words[j].xpos == "VBN"):
        j += 1  # 'said the [printed] slate card'
    if j >= len(doc.words) or doc.words[j].sentence != cue.sentence:
        return None
    w = doc.words[j]
    if w.upos not in ("PROPN", "NOUN", "PRON") or is_time_word(doc, w):
        return None
    k = j  # 'the foreign minister', 'the Cruz slate card': a run ending in a noun ends in its head
    while k + 1 < len(doc.words) and doc.words[k + 1].upos in ("NOUN", "PROPN") and doc.words[k + 1].sentence == cue.sentence:
        k += 1
    if doc.words[k].upos == "NOUN" and w.upos != "PRON":
        return doc.words[k]
    return w


def to_clause_end(doc: ParsedDocument, start: int, stop: int) -> list[Word]:
    """Words from ``start`` to the sentence end, stopping at a semicolon or a trailing
    participle after a comma (', killing ...')."""
    words: list[Word] = []
    for w in doc.words[start:stop]:
        if w.text == ";" or (w.xpos == "VBG" and words and words[-1].text == ","):
            break
        words.append(w)
    return words


def cut_trailing_participle(words: list[Word]) -> list[Word]:
    """'said the bridge was closed, blaming the storm': the participle is the reporter's, not
    part of what was """
    for k in range(1, len(words) - 1):
        if words[k].text == "," and words[k + 1].xpos == "VBG" and k >= 3:
            return words[:k]
    return words


def main_clause_in(doc: ParsedDocument, words: list[Word]) -> bool:
    """Whether ``words`` hold a finite clause with a subject that no subordinator opens ('the
    plan failed', not 'after the plan failed')."""
    for w in words:
        verbs = [w] + doc.children(w, "aux", "aux:pass", "cop")
        if any(is_finite(v) for v in verbs) and doc.children(w, "nsubj", "nsubj:pass", "expl") \
                and not doc.children(w, "mark") and w.rel not in ("acl", "advcl", "csubj"):
            return True
    return False
