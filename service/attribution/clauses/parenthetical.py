"""PARENTHETICAL: the sentence around an inserted or closing attribution.

    [The plan], a source said, [is to ...]      clause -parataxis-> cue
    [X happened], officials said Friday.        read off the surface when misattached
    [X happened], said Rita Katz, the ...       a closing inverted attribution
"""

from __future__ import annotations

from service.attribution import lexicon
from service.attribution.clauses.clause import ReportedClause, contiguous, trim
from service.attribution.parsed import ParsedDocument, Word
from service.attribution.rules import Rule
from service.attribution.syntax import (has_predicate, is_finite, is_relative_word, nominal_after)


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
    # The attribution must be set off by commas: 'X, officials said.' / 'X, a source said, is Y'.
    attribution = doc.subtree(cue)
    sentence = doc.sentence_of(cue)
    first, last = attribution[0].index, attribution[-1].index
    while last > cue.index and doc.words[last].upos == "PUNCT":
        last -= 1
    before = doc.words[first - 1] if first - 1 >= sentence.start else None
    after = doc.words[last + 1] if last + 1 < sentence.stop else None
    if before is None or before.text not in (",", "\u2014", "--") or (
            after is not None and after.text not in (",", ".", "!", "?", ";", "\u2014", "--", '"', "''")):
        return None
    words = doc.subtree(head, exclude={cue.index})
    words = [w for w in words if w.sentence == cue.sentence]
    words = contiguous(words, head)
    words = trim(words)
    if len(words) < 3:
        return None
    return ReportedClause(words, Rule.PARENTHETICAL)


def trailing_attribution_clause(doc: ParsedDocument, cue: Word, speaker: Word | None) -> ReportedClause | None:
    """'X happened, officials said Friday.': the attribution closes the sentence after a comma."""
    if speaker is None or speaker.index > cue.index:
        return None
    sentence = doc.sentence_of(cue)
    # The attribution phrase runs back from the cue over nominal words to a comma (read off the
    # surface: 'Airport, Iraqi TV and three Iraqi officials said' is often misattached).
    phrase_start = cue.index
    while phrase_start - 1 > sentence.start and doc.words[phrase_start - 1].upos in (
            "NOUN", "PROPN", "ADJ", "NUM", "DET", "CCONJ", "PRON", "PART", "ADV") \
            and doc.words[phrase_start - 1].text != ",":
        phrase_start -= 1
    if phrase_start <= sentence.start or doc.words[phrase_start - 1].text != ",":
        return None
    if not (phrase_start <= speaker.index < cue.index):
        return None
    if cue.rel == "acl" or any(is_relative_word(w) or w.lemma.lower() == "that" for w in doc.words[phrase_start:cue.index]):
        return None  # 'X, something that Trump mocked': a relative clause, not an attribution
    tail = [w for w in doc.words[cue.index + 1:sentence.stop] if w.upos != "PUNCT"]
    if len(tail) > 4 or any(w.upos in ("VERB", "AUX") for w in tail):
        return None
    words = trim(doc.words[sentence.start:phrase_start - 1])
    if len(words) < 3 or not has_predicate(words, doc):
        return None
    return ReportedClause(words, Rule.PARENTHETICAL)


def closing_inverted_attribution(doc: ParsedDocument, cue: Word) -> tuple[ReportedClause, Word] | None:
    """'[X happened], said Rita Katz, the director of ...': a speech verb right after a comma and
    followed by its speaker to the end of the sentence reports the whole sentence before it, however
    the parse hung the verb. Returns the clause and the speaker's head word."""
    sentence = doc.sentence_of(cue)
    if cue.index - 1 <= sentence.start or doc.words[cue.index - 1].text != "," or cue.xpos == "VBG" \
            or cue.lemma.lower() not in lexicon.INVERSION_LEMMAS:  # ', described [the demonstrations]'
        return None
    speaker = nominal_after(doc, cue)
    if speaker is None:
        return None
    # After the speaker's own words only an aside set off by a comma (apposition, relative clause)
    # or a time or place may follow: no second predicate of the sentence.
    i = speaker.index + 1
    while i < sentence.stop and doc.words[i].text not in (",", ".", "!", "?", ";", ":") \
            and doc.words[i].upos not in ("VERB", "AUX"):
        i += 1
    if i < sentence.stop and doc.words[i].upos in ("VERB", "AUX"):
        return None
    words = trim(doc.words[sentence.start:cue.index - 1])
    if len(words) < 4 or not has_predicate(words, doc):
        return None
    # the clause must be the sentence's own, not a quotation followed by its speaker's apposition
    # ('"...," Steve Cohen, Democrat of Tennessee, told ...')
    last_mark = max((w.index for w in words if w.upos == "PUNCT" and w.text in ('"', "''", "\u201d")), default=-1)
    if not any(w.upos in ("VERB", "AUX") and is_finite(w) for w in words if w.index > last_mark):
        return None
    return ReportedClause(words, Rule.PARENTHETICAL), speaker
