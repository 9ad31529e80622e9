"""SURFACE: a reported clause read off the word order when the parse lost the complement.

    CUE [to X] [in May] that [CLAUSE]           surface_that_clause
    Iran said [it had uncovered ...]            surface_bare_clause
"""

from __future__ import annotations

from service.attribution import lexicon
from service.attribution.clauses.clause import ReportedClause, trim
from service.document import FINITE_XPOS, ParsedDocument, Word
from service.attribution.rules import Rule
from service.attribution.syntax import (has_predicate, to_clause_end)


THAT_SEARCH_WORDS = 6  # words a 'that' may follow its cue by ('said on Friday that')


def surface_that_clause(doc: ParsedDocument, cue: Word) -> ReportedClause | None:
    """Fallback when the parse lost the complement: 'CUE [to X] [in May] that CLAUSE' read off the
    surface, up to the sentence end or a trailing participle (', killing ...')."""
    sentence = doc.sentence_of(cue)
    j = cue.index + 1
    skipped = 0
    while j < sentence.stop and doc.words[j].lemma.lower() != "that" and skipped <= THAT_SEARCH_WORDS:
        w = doc.words[j]
        # a verb inside a noun phrase ('the Associated Press') does not start another clause
        if (w.upos in ("VERB", "AUX") and w.rel not in ("amod", "compound", "flat", "nmod")) \
                or w.text in (";", ":", '"'):
            return None
        j += 1
        skipped += 1
    if j >= sentence.stop or doc.words[j].lemma.lower() != "that" or doc.words[j].upos not in ("SCONJ", "PRON", "DET"):
        return None
    words = trim(to_clause_end(doc, j + 1, sentence.stop))
    if len(words) < 2 or not has_predicate(words, doc):
        return None
    return ReportedClause(words, Rule.SURFACE)


SURFACE_SUBJECT_MAX_WORDS = 12  # 'said [the prime minister's Dec. 28 meeting with Trump] was ...'


def surface_bare_clause(doc: ParsedDocument, cue: Word, lemma: str) -> ReportedClause | None:
    """Fallback when the parse lost a complement without 'that': 'Iran said [it had uncovered ...]'."""
    addressed = lemma in lexicon.ADDRESSEE_VERBS
    if not (lemma in lexicon.BARE_CLAUSE_LEMMAS or addressed) or (doc.children(cue, "obj") and not addressed):
        return None
    sentence = doc.sentence_of(cue)
    start = cue.index + 1
    # 'told The Washington Post on Thursday [he was ...]', 'announcing on Wednesday [he ...]'
    skippable = [c for c in doc.children(cue, "obj", "iobj", "obl", "advmod", "obl:tmod", "obl:npmod")
                 if c.index > cue.index and c.xpos != "PRP$"]  # 'said [her] net worth was ...' opens the clause
    for child in sorted(skippable, key=lambda c: c.index):
        span = doc.subtree(child)
        if span[0].index == start and span[-1].index - start < 8:
            start = span[-1].index + 1
    if addressed and start == cue.index + 1:
        return None  # 'told' with no addressee before the clause is not this shape
    if start >= sentence.stop or doc.words[start].upos not in ("PRON", "DET", "NOUN", "PROPN", "NUM", "ADJ"):
        return None
    if doc.words[start].upos == "PRON" and doc.words[start].lemma.lower() not in (
            "he", "she", "it", "they", "we", "i", "you", "there", "this", "that"):
        return None
    window = doc.words[start:min(sentence.stop, start + SURFACE_SUBJECT_MAX_WORDS)]
    if not any(w.xpos in FINITE_XPOS for w in window[1:]):
        return None
    words = trim(to_clause_end(doc, start, sentence.stop))
    if len(words) < 3:
        return None
    return ReportedClause(words, Rule.SURFACE)
