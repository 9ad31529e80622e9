"""What a clause must not keep: another report inside it ('said X, after Iran said Y'), a
leading cue, a quotation that has its own attribution after it."""

from __future__ import annotations

from dataclasses import replace

from service.attribution.clauses.clause import ReportedClause, trim
from service.document import ParsedDocument, Word
from service.attribution.quote_marks import QuotedRegion
from service.attribution.rules import Rule
from service.attribution.syntax import SUBJECT_RELS, main_clause_in, subtree_start

TRAILING_CUE_CHARS = 80  # how far after a quotation its own cue ('"X," he said') may be


def cut_nested_reports(doc: ParsedDocument, clause: ReportedClause, cue: Word, is_cue) -> ReportedClause | None:
    """'Cohen indicated that X, after Iran said Y': Y is a report of its own, not part of X.

    Also '..., she said, [adding, "Z"]' (a parse that hangs the participle cue inside the content):
    the leading cue and its comma are not content; a clause that is only such a cue is none.
    """
    words = clause.words
    if clause.rule is Rule.PARENTHETICAL and clause.end <= cue.start:
        # 'X, saying Y, CNN ': everything before a closing attribution is its report
        return clause
    while words and words[0].upos == "VERB" and is_cue(words[0]) and (
            len(words) == 1 or words[1].upos == "PUNCT"):
        words = trim(words[1:])
    if not words:
        return None
    if len(words) != len(clause.words):
        clause = replace(clause, words=words)
    # 'The plan, he said, [it] would fail': a subject after the inserted attribution's comma opens
    # the clause's second part, not a report of its own
    opening = next((b for a, b in zip(clause.words, clause.words[1:]) if b.index > a.index + 1),
                   clause.words[0]) if clause.around else clause.words[0]
    for k, w in enumerate(clause.words):
        if k < 3 or not is_cue(w):
            continue
        if w.rel in ("advcl", "conj", "parataxis"):
            start = subtree_start(doc, w)
        else:
            # 'one company says X, another says Y' (the parse made the second report the root):
            # a cue with its own subject after a comma starts a report of its own
            subjects = [c for c in doc.children(w, *SUBJECT_RELS) if c.index < w.index]
            if not subjects:
                continue
            start = subtree_start(doc, subjects[0])
            if start <= opening.index or doc.words[start - 1].text not in (",", ";"):
                continue
        kept = trim([x for x in clause.words if x.index < start])
        if len(kept) >= 3:
            return _kept(doc, clause, kept)
    return clause


def _kept(doc: ParsedDocument, clause: ReportedClause, kept: list[Word]) -> ReportedClause | None:
    """The clause cut to ``kept``; none where only the opening before an inserted attribution is
    left and it is no clause of its own ('[In the cable], he wrote, "X," she said')."""
    words = clause.words
    gap = next((k for k in range(1, len(words)) if words[k].index > words[k - 1].index + 1), None)
    if clause.around and gap is not None and kept[-1].index < words[gap].index \
            and not main_clause_in(doc, kept):
        return None
    return replace(clause, words=kept)


def leave_self_attributed_quotations(doc: ParsedDocument, clause: ReportedClause, cue: Word,
                                      regions: list[QuotedRegion], cues) -> ReportedClause | None:
    """'Rhimes declared the need for X: "Change the world," she said.': a quotation followed by
    its own attribution is that attribution's, not part of what an earlier cue reports; the
    clause ends before it (and is dropped when nothing is left)."""
    for region in regions:
        if not (cue.end <= region.open_mark.start and clause.start <= region.content.start < clause.end):
            continue
        if _own_trailing_cue(doc, region, cues) is None:
            continue
        kept = [w for w in clause.words if w.end <= region.open_mark.start]
        while kept and kept[-1].upos in ("PUNCT", "CCONJ"):
            kept = kept[:-1]
        return _kept(doc, clause, kept) if len(kept) >= 2 else None
    return clause


def _own_trailing_cue(doc: ParsedDocument, region: QuotedRegion, cues) -> Word | None:
    """The cue of '"...," she said' / '"...," said Smith' right after a closing mark, if any."""
    if region.close_mark is None:
        return None
    after = [w for w in doc.words_between(region.outer.end, region.outer.end + TRAILING_CUE_CHARS)]
    after = [w for w in after if w.sentence == (after[0].sentence if after else -1)][:6]
    if after and "\n" in doc.text[region.outer.end:after[0].start]:
        return None  # the next paragraph's attribution is its own quote's
    if not after or after[0].text != ",":
        words = after
    else:
        words = after[1:]
    for k, w in enumerate(words):
        if cues[w.index] is not None and w.upos == "VERB":
            # only a short subject before it ('she', 'the senator'), or none ('said Smith')
            return w if all(x.upos in ("PRON", "PROPN", "NOUN", "DET", "ADJ") for x in words[:k]) and k <= 4 else None
        if w.upos not in ("PRON", "PROPN", "NOUN", "DET", "ADJ"):
            return None
    return None
