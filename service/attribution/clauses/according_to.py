"""ACCORDING: 'X happened, according to Y' / 'According to Y, X happened'."""

from __future__ import annotations

from service.attribution.clauses.clause import ReportedClause, trim
from service.document import FINITE_XPOS, ParsedDocument, Word
from service.attribution.rules import Rule


def according_to_phrase_end(doc: ParsedDocument, according: Word, source: Word) -> int:
    """Index of the last word of 'according to [Y]': Y's phrase, up to a comma where it runs on."""
    sentence = doc.sentence_of(according)
    # 'According to figures published by the agency, X': the phrase is the part of the sentence
    # the root's child above "according" spans, however the parse hung it (here "figures" on
    # "published"), when it opens the sentence and a comma closes it.
    phrase = according
    while phrase.head >= 0 and doc.words[phrase.head].rel != "root" and phrase.rel != "root":
        phrase = doc.words[phrase.head]
    if phrase.rel != "root":
        words = doc.subtree(phrase)
        last = words[-1].index
        if words[0].index == according.index and last - words[0].index + 1 == len(words) \
                and last + 1 < sentence.stop - 1 and doc.words[last + 1].text == ",":
            return last
        # ... or, where the parse made the source's participle the main verb ('According to a
        # complaint filed by X, Y'), up to the first comma when no finite verb comes before it.
        opening = all(w.upos == "PUNCT" for w in doc.words[sentence.start:according.index])
        comma = next((w.index for w in doc.words[according.index + 2:sentence.stop - 1] if w.text == ","), None)
        if opening and comma is not None and comma > according.index + 2 and not any(
                w.xpos in FINITE_XPOS for w in doc.words[according.index + 2:comma]):
            return comma - 1
    phrase_end = max([according.index + 1] + [w.index for w in doc.subtree(source)
                                               if according.index < w.index < sentence.stop])
    # the source phrase ends at the next comma, if it runs on
    for k in range(according.index + 2, phrase_end + 1):
        if doc.words[k].text in (",", ";"):
            return k - 1
    return phrase_end


def according_to_clause(doc: ParsedDocument, according: Word, source: Word) -> ReportedClause | None:
    """'X happened, according to Y' / 'According to Y, X happened': X is the sentence without the
    according-to phrase (read off the surface, which is steadier than the attachment)."""
    sentence = doc.sentence_of(according)
    phrase_end = according_to_phrase_end(doc, according, source)
    before = [w for w in doc.words[sentence.start:according.index]]
    after = [w for w in doc.words[phrase_end + 1:sentence.stop]]
    if len([w for w in before if w.upos != "PUNCT"]) >= 3:
        words = before + ([w for w in after if w.upos != "PUNCT"] and after if before[-1].text != "," else [])
    else:
        words = after
    words = trim(words)
    if len(words) < 3:  # no predicate check: tagging errors ("trails" as a noun) are common here
        return None
    return ReportedClause(words, Rule.ACCORDING)
