"""PARENTHETICAL: the sentence around an inserted or closing attribution.

    [The plan], a source said, [is to ...]      clause -parataxis-> cue
    [X happened], officials said Friday.        read off the surface when misattached
    [X happened], said Rita Katz, the ...       a closing inverted attribution
    [The bridge], she said, [will open late]    an inserted attribution: a quote in two parts
"""

from __future__ import annotations

from service.attribution import lexicon
from service.attribution.clauses.clause import ReportedClause, contiguous, trim
from service.attribution.cues import match_cue
from service.document import ParsedDocument, Word
from service.attribution.rules import Rule
from service.attribution.syntax import (has_predicate, is_finite, is_relative_word,
                                        main_clause_in, nominal_after, to_clause_end)


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
        if cue.rel == "ccomp" and match_cue(doc, head) is not None:
            return None  # 'Nobody, he added, had [asked] X': the cue is what the speech verb reports
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


INSERTED_MAX_WORDS = 8  # words of an inserted attribution: ', the New Jersey governor told reporters,'

# What an inserted attribution is made of: its speaker, the cue's auxiliaries, a time or an
# addressee ('she said Friday', 'Trump told CNN'), never a second verb.
_INSERTED_UPOS = ("PRON", "PROPN", "NOUN", "DET", "ADJ", "NUM", "ADP", "ADV", "PART", "AUX", "CCONJ", "PUNCT")


def _inserted_bounds(doc: ParsedDocument, cue: Word) -> tuple[int, int] | None:
    """The commas around ', she said Friday,' / ', said Smith,' (indices), when the cue is
    inserted in its sentence with only its own attribution words between them."""
    sentence = doc.sentence_of(cue)
    i = cue.index - 1
    while i > sentence.start and doc.words[i].text != "," and doc.words[i].upos in _INSERTED_UPOS \
            and doc.words[i].xpos not in ("WRB", "WDT", "WP") and doc.words[i].lemma.lower() not in ("that", "as"):
        i -= 1  # ('..., when he charged into ...' is no attribution)
    j = cue.index + 1
    while j < sentence.stop and doc.words[j].text != "," and doc.words[j].upos in _INSERTED_UPOS \
            and doc.words[j].text not in ('"', "\u201c", "\u201d", "''", "``", ":"):
        j += 1
    if i <= sentence.start or j >= sentence.stop - 1 or doc.words[i].text != "," or doc.words[j].text != ",":
        return None
    if cue.lemma.lower() not in lexicon.ADDRESSEE_VERBS and any(
            o.index < j for o in doc.children(cue, "obj", "iobj") if o.index > cue.index):
        return None  # 'he added [trucks], ...': an object, not an attribution
    if j - i - 2 > INSERTED_MAX_WORDS or "\n" in doc.text[doc.words[i].start:doc.words[j].end]:
        return None
    nominal = ("PRON", "PROPN", "NOUN")
    if not any(w.upos in nominal for w in doc.words[i + 1:cue.index]) and not (
            i + 1 == cue.index and doc.words[cue.index + 1].upos in nominal + ("DET",)):
        return None  # no speaker before the cue, nor right after it ('said Smith')
    return i, j


def inserted_attribution_clause(doc: ParsedDocument, cue: Word, lemma: str, regions,
                                complement) -> ReportedClause | None:
    """'The bridge, she said, will open late.' / 'Instead, Trump told CNN, his policy would be
    X': the report runs on both sides of an attribution set off by commas, whatever the parse
    made of the words before it (subject, opening phrase, vocative). ``complement`` is the
    cue's complement clause, if any (what comes after the attribution)."""
    if cue.upos != "VERB" or not any(is_finite(v) for v in [cue] + doc.children(cue, "aux")):
        return None  # 'X, the candidates [described] as Y, ...', ', [saying], ...'
    bounds = _inserted_bounds(doc, cue)
    if bounds is None:
        return None
    comma, after = bounds
    sentence = doc.sentence_of(cue)
    before = [w for w in doc.words[sentence.start:comma]]
    line = doc.text.rfind("\n", 0, doc.words[comma].start)
    before = [w for w in before if w.start > line]
    colon = max((k for k, w in enumerate(before) if w.text in (":", ";")), default=-1)
    before = before[colon + 1:]  # 'X is weak: [With 99 percent in], Cruz, ... said, ...'
    while before and before[0].upos == "PUNCT":
        before = before[1:]
    if not before or any(r.content.start < before[-1].end and before[0].start < r.content.end for r in regions):
        return None  # a first half in quote marks is a split quotation's (clauses.quotations)
    if any(w.lemma.lower() == "according" or match_cue(doc, w) is not None and w.upos == "VERB" for w in before):
        return None  # 'Asked if X, she said, ...': the opening is a question or a report of its own
    if before[0].upos == "ADP" and any(w.lemma.lower() in lexicon.SPEECH_EVENTS for w in before[:4]):
        return None  # 'In a statement, the company said, ...': where it was said, not what
    if complement is not None:
        if complement.words[0].index < cue.index:
            return None  # 'X will pay, he said, adding Y': the clause before the cue is the report
        if any(w.upos not in ("PUNCT", "SCONJ") for w in doc.words[after + 1:complement.words[0].index]):
            return None
        rest = complement.words
    else:
        rest = trim(to_clause_end(doc, after + 1, sentence.stop))
        if not rest or rest[0].xpos == "VBG" or not any(is_finite(w) for w in rest):
            rest = []  # ', he said, on condition of anonymity' / ', recalling ...': not the report
    opening = next(w for w in before if w.upos != "PUNCT")
    if opening.xpos in ("VBN", "VBG") and rest and any(
            w.rel in ("nsubj", "expl") for w in rest if doc.head_of(w) is not None and doc.head_of(w).index in {r.index for r in rest}):
        return None  # 'Speaking to reporters, she said, X': an opening participle is the speaker's act
    if not rest and (len(before) < 3 or not main_clause_in(doc, before)):
        return None
    return ReportedClause(before + rest, Rule.PARENTHETICAL, around=bool(rest))
