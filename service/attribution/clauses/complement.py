"""COMPLEMENT: the clause a speech verb takes, on either side of it.

    officials said [the strike killed ...]      cue -ccomp-> clause
    told Reuters [that it had ...]              (the "that" is left out of the span)
    "...," wrote Trump                          same relations, subject after the cue
    said [yes]                                  a one-word answer (answer_content)
"""

from __future__ import annotations

from service.attribution import lexicon
from service.attribution.clauses.clause import ReportedClause, contiguous, trim
from service.attribution.cues import match_cue
from service.document import ParsedDocument, Word
from service.attribution.rules import Rule
from service.attribution.syntax import (SUBJECT_RELS, cut_trailing_participle, follows_quote,
                                        has_predicate, is_finite, is_finite_clause,
                                        is_predicate_head, is_relative_word, is_time_word,
                                        subtree_start)


COMPLEMENT_RELS = ("ccomp", "xcomp", "parataxis")


def _attribution_after(doc: ParsedDocument, cue: Word, clause: Word) -> bool:
    if clause.index < cue.index or not doc.children(clause, *SUBJECT_RELS) \
            or doc.children(clause, "ccomp", "xcomp", "obj", "parataxis"):
        return False
    start = subtree_start(doc, clause)
    return start > 0 and doc.words[start - 1].text == "," and match_cue(doc, clause) is not None


def complement_clause(doc: ParsedDocument, cue: Word, cue_lemma: str = "") -> ReportedClause | None:
    """The clause a speech verb takes as its complement, on either side of it."""
    lemma = cue_lemma or cue.lemma.lower()
    candidates = [c for c in doc.children(cue) if c.deprel in COMPLEMENT_RELS or c.rel == "ccomp"
                  or _that_clause_after(doc, cue, c) or _question_clause_after(doc, cue, c)
                  or _infinitive_after(doc, cue, c, lemma)]
    if follows_quote(doc, cue):
        # '"...," said Biden, who served ...': what an inverted cue reports is the quotation before it
        candidates = [c for c in candidates if c.index < cue.index]
    # A clause before the cue is reported only if it is finite ('X will pay, he said'), not an
    # opening participle ('Asked if ..., the candidate said no'), and never by a participle
    # ('stressed that "X," suggesting Y': X is the stressing's).
    candidates = [c for c in candidates if c.index > cue.index or (
        is_finite_clause(doc, c) and not (cue.xpos == "VBG" and cue.rel != "root"))]
    if any(o.lemma.lower() in ("yes", "no") for o in doc.children(cue, "obj", "discourse", "advmod")
           if o.index == cue.index + 1):
        return None  # 'said yes while ...': the answer is the report (object_content)
    # xcomp is reported speech only for a few verbs' infinitives (urged X to ...): keep finite ones.
    candidates = [c for c in candidates if c.rel != "xcomp" or c.upos in ("VERB", "AUX") and (
        lemma in lexicon.INFINITIVE_VERBS or not any(k.lemma == "to" for k in doc.children(c, "mark")))]
    # Adverbial clauses mislabelled as complements ("said when asked") report nothing.
    candidates = [c for c in candidates if not any(
        k.lemma.lower() in lexicon.NON_REPORT_MARKS for k in doc.children(c, "mark", "advmod") if k.index < c.index)
        and doc.subtree(c)[0].lemma.lower() not in lexicon.NON_REPORT_MARKS]  # 'after X won' however parsed
    candidates = [c for c in candidates if not _starts_relative(doc, c)]
    # 'she said, adding ...': a participle after a comma is the reporter's next act, not content
    candidates = [c for c in candidates if not (c.xpos == "VBG" and subtree_start(doc, c) > cue.index
                                                and doc.words[subtree_start(doc, c) - 1].text == ",")]
    # 'He denied the charges, his lawyer said': a speech verb after a comma, with its own subject
    # and nothing it reports, attributes the cue's clause; it is not what the cue reports.
    candidates = [c for c in candidates if not _attribution_after(doc, cue, c)]
    if not candidates:
        return None
    # Prefer ccomp, then the clause nearest the cue ("said [X], killing Y": X, not the participle).
    candidates.sort(key=lambda c: (c.rel != "ccomp", abs(subtree_start(doc, c) - cue.index)))
    clause_head = candidates[0]
    if not is_predicate_head(doc, clause_head):
        return None  # "said X, [a broker who ...]": a noun phrase, not a reported clause
    words = doc.subtree(clause_head)
    # 'added that Guccifer told her [he had downloaded ...]', 'said he believes ["X"]' parsed as
    # two complements of the cue: a second complement right after a speech or belief verb that
    # lacks its own is that verb's (cut below at any gap).
    if clause_head.lemma.lower() in lexicon.ADDRESSEE_VERBS | lexicon.BELIEF_VERBS | {"say"} \
            and not doc.children(clause_head, "ccomp", "xcomp"):
        words += [w for c in candidates[1:] if c.rel == "ccomp" and c.index > clause_head.index
                  for w in doc.subtree(c)]
    words.sort(key=lambda w: w.index)
    if clause_head.rel == "xcomp":
        words += [w for o in doc.children(cue, "obj") if o.index < clause_head.index
                  and not is_time_word(doc, o) for w in doc.subtree(o)]
        words.sort(key=lambda w: w.index)
    words = contiguous(words, clause_head)
    if words and not follows_quote(doc, cue) and any(s.index < cue.index for s in doc.children(cue, *SUBJECT_RELS)):
        # 'the official said [al-Muhandis] had arrived': a "subject" of the cue after it, right
        # before the clause, is the clause's own subject
        for late in doc.children(cue, *SUBJECT_RELS):
            span = doc.subtree(late)
            if late.index > cue.index and span[-1].index + 1 == words[0].index:
                words = span + words
    if words and words[0].index > cue.index and lemma not in lexicon.ADDRESSEE_VERBS:
        words = trim(words)
        words = _subject_left_behind(doc, cue, words, clause_head) + words if words else words
    words = cut_trailing_participle(trim(words))
    words = trim(words)
    if not words or not has_predicate(words, doc) or is_relative_word(words[0]):
        return None  # "said Friday", "said X, [a broker in Tampa]", "[which he ...]": no report
    if words[0].index > cue.index:
        words += _shared_subject_predicate(doc, cue, clause_head, words)
    return ReportedClause(words, Rule.COMPLEMENT)


# Auxiliaries of a backshifted report: 'said X had raised taxes and [had] no plan'
_REPORT_AUX = ("had", "would", "could", "might", "should", "will", "has", "have")


def _shared_subject_predicate(doc: ParsedDocument, cue: Word, clause_head: Word,
                              words: list[Word]) -> list[Word]:
    """'said the senator had raised taxes and [had "no plan" for the roads]', parsed with the
    second predicate coordinated with the cue: a predicate right after the clause, with no
    subject of its own, opening with the clause's own auxiliary (or a report's "had"/"would")
    shares the clause's subject, not the cue's."""
    end = words[-1].index
    if not is_finite_clause(doc, clause_head) or clause_head.upos not in ("VERB", "AUX", "ADJ", "NOUN"):
        return []  # ('urged X [to disavow Y] and has ...': the infinitive's subject is not the clause's)
    for conj in doc.children(cue, "conj"):
        span = doc.subtree(conj)
        if span[0].index != end + 1 or span[0].upos != "CCONJ" or conj.upos not in ("VERB", "AUX") \
                or doc.children(conj, *SUBJECT_RELS, "nsubj:pass") or match_cue(doc, conj) is not None:
            continue
        first = span[1] if len(span) > 1 else None
        clause_aux = {a.text.lower() for a in doc.children(clause_head, "aux", "aux:pass")}
        if first is None or first.text.lower() not in _REPORT_AUX or (
                clause_aux and first.text.lower() not in clause_aux):
            continue
        span = contiguous(span, conj)
        return span[:1] + trim(span[1:])  # the "and" joins it to the clause
    return []


_NP_UPOS = ("DET", "ADJ", "NOUN", "PROPN", "NUM")


# Prepositions that join a noun to the head noun of a subject ('talks [with] pilots').
_NP_PREPOSITIONS = ("with", "of", "for", "from", "between", "over", "on", "in", "at", "against", "about")


def _noun_run_before(doc: ParsedDocument, k: int, stop: int) -> list[Word]:
    """The noun phrase words (no time words) ending at index ``k``, not reaching ``stop``."""
    run: list[Word] = []
    while k > stop:
        w = doc.words[k]
        if not (w.upos in _NP_UPOS or w.xpos in ("PRP$", "POS")) or is_time_word(doc, w):
            break
        run.insert(0, w)
        k -= 1
    return run if any(w.upos in ("NOUN", "PROPN") for w in run) else []


def _subject_left_behind(doc: ParsedDocument, cue: Word, words: list[Word], clause_head: Word) -> list[Word]:
    """'said [talks with pilots] were continuing', parsed with "talks" as the cue's object or
    oblique and the clause starting at "were" (no subject) or at "with" (a subject with a
    preposition): the noun phrase between the cue and such a clause is the clause's subject.
    Only right after the cue, an adverb, a time phrase or "that", and never across a comma."""
    first = words[0]
    subjects = [s for s in doc.children(clause_head, "nsubj", "nsubj:pass", "expl", "csubj")
                if s.index < clause_head.index]
    opens_with_preposition = first.upos == "ADP" and first.lemma.lower() in _NP_PREPOSITIONS
    if subjects and not opens_with_preposition or not any(
            is_finite(v) for v in [clause_head] + doc.children(clause_head, "aux", "aux:pass", "cop")):
        return []  # ('urged [X] to act': an infinitive's subject is the cue's object)
    run = _noun_run_before(doc, first.index - 1, cue.index)
    if run and not opens_with_preposition and run[0].index - 1 > cue.index:
        # 'talks [with] pilots': one prepositional modifier of the subject's head noun
        joiner = doc.words[run[0].index - 1]
        head_run = _noun_run_before(doc, joiner.index - 1, cue.index) \
            if joiner.upos == "ADP" and joiner.lemma.lower() in _NP_PREPOSITIONS else []
        if head_run:
            run = head_run + [joiner] + run
    if not run:
        return []
    before = doc.words[run[0].index - 1]
    if not (before.index == cue.index or before.head == cue.index and before.rel == "compound:prt"
            or is_time_word(doc, before) or before.upos == "ADV" or before.lemma.lower() == "that"):
        return []
    return run


def _starts_relative(doc: ParsedDocument, head: Word) -> bool:
    return is_relative_word(doc.subtree(head)[0])


def _that_clause_after(doc: ParsedDocument, cue: Word, child: Word) -> bool:
    """A 'that'-clause after the cue, whatever relation the parser gave it (conj, advcl, dep)."""
    if child.index < cue.index or child.deprel in ("acl:relcl", "nsubj", "obj") or child.upos not in ("VERB", "AUX", "ADJ", "NOUN"):
        return False
    marks = [k for k in doc.children(child, "mark") if k.index < child.index]
    if not marks or marks[0].lemma.lower() != "that":
        return False
    between = doc.words[cue.index + 1:marks[0].index]
    return all(w.upos not in ("VERB", "AUX") for w in between)


def _infinitive_after(doc: ParsedDocument, cue: Word, child: Word, lemma: str) -> bool:
    """'vowed last month [to take his campaign ...]' parsed as an adverbial clause."""
    return (lemma in lexicon.INFINITIVE_VERBS and child.rel == "advcl" and child.index > cue.index
            and any(k.lemma == "to" and k.index < child.index for k in doc.children(child, "mark")))


def _question_clause_after(doc: ParsedDocument, cue: Word, child: Word) -> bool:
    """'asked X [whether Y]' / 'wondered [if Y]' however the parse labelled the clause (often advcl)."""
    if child.index < cue.index or child.rel != "advcl" or cue.lemma.lower() not in lexicon.QUESTION_VERBS:
        return False
    marks = [k for k in doc.children(child, "mark") if k.index < child.index]
    return bool(marks) and marks[0].lemma.lower() in ("whether", "if")


def answer_content(doc: ParsedDocument, cue: Word) -> ReportedClause | None:
    """'said [yes]', 'said [no]': a one-word answer right after the cue is what was said."""
    nxt = doc.words[cue.index + 1] if cue.index + 1 < len(doc.words) else None
    if nxt is None or nxt.sentence != cue.sentence or nxt.lemma.lower() not in ("yes", "no"):
        return None
    return ReportedClause([nxt], Rule.OBJECT)
