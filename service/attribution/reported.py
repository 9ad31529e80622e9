"""Reported speech from dependency structure: the clause a cue reports, and who the cue's speaker is.

Shapes handled (UD relations as Stanza's English models produce them):
- complement:    officials said [the strike killed ...]      cue -ccomp-> clause
                 told Reuters [that it had ...]              (the "that" is left out of the span)
- inverted:      "...," wrote Trump / said Friday            same relations, subject after the cue
- parenthetical: [The plan], a source said, [is to ...]      clause -parataxis-> cue
                 [X happened], officials said.
- according to:  [X happened], according to Y               clause -obl-> Y -case-> according
- participle:    Khamenei dismissed ..., saying [...]        speaker is the subject of "dismissed"
"""

from __future__ import annotations

from dataclasses import dataclass

from service.attribution.parsed import ParsedDocument, Word

COMPLEMENT_RELS = ("ccomp", "xcomp", "parataxis")
CLAUSE_HEAD_UPOS = ("VERB", "AUX", "ADJ", "NOUN", "PROPN", "PRON", "NUM", "ADV")
SUBJECT_RELS = ("nsubj", "nsubj:outer")
SPEAKER_UPOS = ("PROPN", "NOUN", "PRON", "NUM", "X", "ADJ")
# Dependents that are not part of the clause's content span.
_EDGE_UPOS = ("PUNCT", "CCONJ")


@dataclass(frozen=True)
class ReportedClause:
    words: list[Word]  # the content, in text order, edges trimmed
    shape: str  # "complement", "parenthetical" or "according"

    @property
    def start(self) -> int:
        return self.words[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end


def _trim(words: list[Word], cue: Word | None = None) -> list[Word]:
    """Drop punctuation, conjunctions and the complementiser at the edges of a clause."""
    while words and (words[0].upos in _EDGE_UPOS or words[0].rel == "mark" and words[0].lemma.lower() in ("that", "whether", "if")):
        words = words[1:]
    while words and words[-1].upos in _EDGE_UPOS:
        words = words[:-1]
    return words


def _contiguous(words: list[Word], around: Word) -> list[Word]:
    """The longest run of consecutive word indices containing ``around`` (cut at gaps)."""
    indices = {w.index for w in words}
    lo = hi = around.index
    while lo - 1 in indices:
        lo -= 1
    while hi + 1 in indices:
        hi += 1
    return [w for w in words if lo <= w.index <= hi]


def complement_clause(doc: ParsedDocument, cue: Word) -> ReportedClause | None:
    """The clause a speech verb takes as its complement, on either side of it."""
    candidates = [c for c in doc.children(cue) if c.deprel in COMPLEMENT_RELS or c.rel == "ccomp"]
    # xcomp is reported speech only for a few verbs' infinitives (urged X to ...): keep finite ones.
    candidates = [c for c in candidates if c.rel != "xcomp" or c.upos in ("VERB", "AUX") and not any(
        k.lemma == "to" for k in doc.children(c, "mark"))]
    if not candidates:
        return None
    # Prefer ccomp, then the biggest clause.
    candidates.sort(key=lambda c: (c.rel != "ccomp", -len(doc.subtree(c))))
    clause_head = candidates[0]
    words = doc.subtree(clause_head)
    words = _contiguous(words, clause_head)
    words = _trim(words)
    if not words:
        return None
    return ReportedClause(words, "complement")


def parenthetical_clause(doc: ParsedDocument, cue: Word) -> ReportedClause | None:
    """'X happened, officials said.' / 'X, a source said, is Y.': the clause the cue hangs on."""
    if cue.rel not in ("parataxis", "ccomp", "advcl", "conj") or cue.rel == "conj":
        return None
    head = doc.head_of(cue)
    if head is None:
        return None
    if cue.rel in ("ccomp", "advcl"):
        # only inverted shapes: the cue follows its head and has no complement of its own
        if cue.index < head.index:
            return None
        if cue.rel == "advcl" and any(c.rel == "mark" for c in doc.children(cue)):
            return None  # "... as he said", "when asked" are not reports of the clause
    words = doc.subtree(head, exclude={cue.index})
    words = [w for w in words if w.sentence == cue.sentence]
    words = _contiguous(words, head)
    words = _trim(words)
    if len(words) < 3:
        return None
    return ReportedClause(words, "parenthetical")


def according_to_clause(doc: ParsedDocument, according: Word, source: Word) -> ReportedClause | None:
    """'X happened, according to Y': X is the clause Y's phrase modifies."""
    phrase = {w.index for w in doc.subtree(source)} | {according.index, according.index + 1}
    head = doc.head_of(source)
    while head is not None and head.upos not in ("VERB", "AUX", "ADJ") and head.rel not in ("root",):
        head = doc.head_of(head)
    if head is None:
        return None
    words = [w for w in doc.subtree(head) if w.index not in phrase and w.sentence == according.sentence]
    # keep the side of the phrase the head is on
    if head.index < according.index:
        words = [w for w in words if w.index < according.index]
    else:
        words = [w for w in words if w.index > max(phrase)]
    words = _trim(words)
    if len(words) < 3:
        return None
    return ReportedClause(words, "according")


def speaker_head(doc: ParsedDocument, cue: Word, depth: int = 0) -> Word | None:
    """The head word of the cue's speaker: its subject, or for a participle or coordinated verb
    ("..., saying ...", "... and said ...") the subject of the verb it hangs on."""
    subjects = [s for s in doc.children(cue, *SUBJECT_RELS) if s.upos in SPEAKER_UPOS]
    if subjects:
        return subjects[0]
    if depth >= 3:
        return None
    passive = doc.children(cue, "nsubj:pass")
    head = doc.head_of(cue)
    if head is None:
        return passive[0] if passive and cue.lemma == "quote" else None
    if cue.rel in ("conj", "advcl", "xcomp", "acl") or cue.deprel == "parataxis" and cue.text.endswith("ing"):
        if cue.rel == "acl" and head.upos in ("NOUN", "PROPN", "PRON"):
            return head  # "an official, speaking ..., said" / "Trump, saying ..."
        return speaker_head(doc, head, depth + 1)
    return None
