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

from service.attribution import lexicon
from service.attribution.cues import match_cue
from service.attribution.parsed import FINITE_XPOS, ParsedDocument, Word
from service.attribution.rules import Rule

COMPLEMENT_RELS = ("ccomp", "xcomp", "parataxis")
SPEAKER_SEARCH_DEPTH = 3  # heads climbed from a cue to find its subject (conjoined, xcomp chains)
THAT_SEARCH_WORDS = 6  # words a 'that' may follow its cue by ('said on Friday that')
SUBJECT_RELS = ("nsubj", "nsubj:outer")
NON_REPORT_MARKS = lexicon.words("non_report_marks")
# Verbs whose object is the addressee, not what was said ("told reporters ...").
ADDRESSEE_VERBS = lexicon.words("addressee_verbs")
# Verbs of belief are not cues, but 'said [he believes] "X"', where the parser hung X on "said",
# reports what is believed: X belongs to the belief verb's clause.
BELIEF_VERBS = lexicon.words("belief_verbs")
# Commissives and directives report an infinitive: 'vowed [to fight]', 'urged [X to act]'.
INFINITIVE_VERBS = lexicon.words("infinitive_verbs")
TOPIC_CASES = lexicon.words("topic_cases")
TOPIC_ON_VERBS = lexicon.words("topic_on_verbs")
TIME_WORDS = lexicon.words("time_words")
WEEKDAYS = lexicon.words("weekdays")
SPEAKER_UPOS = ("PROPN", "NOUN", "PRON", "NUM", "X", "ADJ")
# Determiners that stand for a noun phrase as subjects: '[None] of those three have declared',
# '[another] says', '[Some] argue'.
PRONOMINAL_DETERMINERS = lexicon.words("pronominal_determiners")


def is_time_word(doc: ParsedDocument, word: Word) -> bool:
    """'Friday', 'last week', 'months': time, not a speaker or content. A capitalised time noun
    inside a sentence is a name ('The [Times] says')."""
    lower = word.text.lower()
    if lower not in TIME_WORDS:
        return False
    sentence_initial = word.index == doc.sentence_of(word).start
    return lower in WEEKDAYS or not word.text[:1].isupper() or sentence_initial
# Dependents that are not part of the clause's content span.
_EDGE_UPOS = ("PUNCT", "CCONJ")


@dataclass(frozen=True)
class ReportedClause:
    words: list[Word]  # the content, in text order, edges trimmed
    shape: Rule  # how the clause was found (service.attribution.rules)

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


def _attribution_after(doc: ParsedDocument, cue: Word, clause: Word) -> bool:
    if clause.index < cue.index or not doc.children(clause, *SUBJECT_RELS) \
            or doc.children(clause, "ccomp", "xcomp", "obj", "parataxis"):
        return False
    start = _subtree_start(doc, clause)
    return start > 0 and doc.words[start - 1].text == "," and match_cue(doc, clause) is not None


def complement_clause(doc: ParsedDocument, cue: Word, cue_lemma: str = "") -> ReportedClause | None:
    """The clause a speech verb takes as its complement, on either side of it."""
    lemma = cue_lemma or cue.lemma.lower()
    candidates = [c for c in doc.children(cue) if c.deprel in COMPLEMENT_RELS or c.rel == "ccomp"
                  or _that_clause_after(doc, cue, c) or _question_clause_after(doc, cue, c)
                  or _infinitive_after(doc, cue, c, lemma)]
    if _follows_quote(doc, cue):
        # '"...," said Biden, who served ...': what an inverted cue reports is the quotation before it
        candidates = [c for c in candidates if c.index < cue.index]
    # A clause before the cue is reported only if it is finite ('X will pay, he said'), not an
    # opening participle ('Asked if ..., the candidate said no'), and never by a participle
    # ('stressed that "X," suggesting Y': X is the stressing's).
    candidates = [c for c in candidates if c.index > cue.index or (
        _is_finite_clause(doc, c) and not (cue.xpos == "VBG" and cue.rel != "root"))]
    if any(o.lemma.lower() in ("yes", "no") for o in doc.children(cue, "obj", "discourse", "advmod")
           if o.index == cue.index + 1):
        return None  # 'said yes while ...': the answer is the report (object_content)
    # xcomp is reported speech only for a few verbs' infinitives (urged X to ...): keep finite ones.
    candidates = [c for c in candidates if c.rel != "xcomp" or c.upos in ("VERB", "AUX") and (
        lemma in INFINITIVE_VERBS or not any(k.lemma == "to" for k in doc.children(c, "mark")))]
    # Adverbial clauses mislabelled as complements ("said when asked") report nothing.
    candidates = [c for c in candidates if not any(
        k.lemma.lower() in NON_REPORT_MARKS for k in doc.children(c, "mark", "advmod") if k.index < c.index)
        and doc.subtree(c)[0].lemma.lower() not in NON_REPORT_MARKS]  # 'after X won' however parsed
    candidates = [c for c in candidates if not _starts_relative(doc, c)]
    # 'she said, adding ...': a participle after a comma is the reporter's next act, not content
    candidates = [c for c in candidates if not (c.xpos == "VBG" and _subtree_start(doc, c) > cue.index
                                                and doc.words[_subtree_start(doc, c) - 1].text == ",")]
    # 'He denied the charges, his lawyer said': a speech verb after a comma, with its own subject
    # and nothing it reports, attributes the cue's clause; it is not what the cue reports.
    candidates = [c for c in candidates if not _attribution_after(doc, cue, c)]
    if not candidates:
        return None
    # Prefer ccomp, then the clause nearest the cue ("said [X], killing Y": X, not the participle).
    candidates.sort(key=lambda c: (c.rel != "ccomp", abs(_subtree_start(doc, c) - cue.index)))
    clause_head = candidates[0]
    if not _is_predicate_head(doc, clause_head):
        return None  # "said X, [a broker who ...]": a noun phrase, not a reported clause
    words = doc.subtree(clause_head)
    # 'added that Guccifer told her [he had downloaded ...]', 'said he believes ["X"]' parsed as
    # two complements of the cue: a second complement right after a speech or belief verb that
    # lacks its own is that verb's (cut below at any gap).
    if clause_head.lemma.lower() in ADDRESSEE_VERBS | BELIEF_VERBS | {"say"} \
            and not doc.children(clause_head, "ccomp", "xcomp"):
        words += [w for c in candidates[1:] if c.rel == "ccomp" and c.index > clause_head.index
                  for w in doc.subtree(c)]
    words.sort(key=lambda w: w.index)
    if clause_head.rel == "xcomp":
        words += [w for o in doc.children(cue, "obj") if o.index < clause_head.index
                  and not is_time_word(doc, o) for w in doc.subtree(o)]
        words.sort(key=lambda w: w.index)
    words = _contiguous(words, clause_head)
    if words and not _follows_quote(doc, cue) and any(s.index < cue.index for s in doc.children(cue, *SUBJECT_RELS)):
        # 'the official said [al-Muhandis] had arrived': a "subject" of the cue after it, right
        # before the clause, is the clause's own subject
        for late in doc.children(cue, *SUBJECT_RELS):
            span = doc.subtree(late)
            if late.index > cue.index and span[-1].index + 1 == words[0].index:
                words = span + words
    if words and words[0].index > cue.index and lemma not in ADDRESSEE_VERBS:
        words = _trim(words)
        words = _subject_left_behind(doc, cue, words, clause_head) + words if words else words
    words = _cut_trailing_participle(_trim(words))
    words = _trim(words)
    if not words or not _has_predicate(words, doc) or _is_relative_word(words[0]):
        return None  # "said Friday", "said X, [a broker in Tampa]", "[which he ...]": no report
    return ReportedClause(words, Rule.COMPLEMENT)


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
            _is_finite(v) for v in [clause_head] + doc.children(clause_head, "aux", "aux:pass", "cop")):
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
    words = _contiguous(words, head)
    words = _trim(words)
    if len(words) < 3:
        return None
    return ReportedClause(words, Rule.PARENTHETICAL)


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
    words = _trim(words)
    if len(words) < 3:  # no predicate check: tagging errors ("trails" as a noun) are common here
        return None
    return ReportedClause(words, Rule.ACCORDING)


def speaker_head(doc: ParsedDocument, cue: Word, quoted=lambda word: False) -> Word | None:
    """The head word of the cue's speaker: its subject, or for a participle or coordinated verb
    ("..., saying ...", "... and said ...") the subject of the verb it hangs on; when the parse
    leads nowhere, the subject of the sentence's main clause before the cue. ``quoted`` tells
    whether a word lies inside quote marks (a speaker never does)."""
    participle = cue.xpos == "VBG" and cue.rel != "root" and cue.index > 0 and doc.words[cue.index - 1].text == ","
    if participle:
        # ', saying X': the reporter is the main clause's subject, wherever the parse hung the
        # participle ('Lewandowski rejected the idea that the developer would be ..., saying')
        main = main_clause_subject(doc, cue, quoted)
        if main is not None:
            return main
    return (_speaker_by_parse(doc, cue, 0, quoted)
            or (None if participle else main_clause_subject(doc, cue, quoted))  # tried above
            or _opening_noun_phrase(doc, cue, quoted))


def _speaker_by_parse(doc: ParsedDocument, cue: Word, depth: int, quoted) -> Word | None:
    subjects = [s for s in doc.children(cue, *SUBJECT_RELS)
                if (s.upos in SPEAKER_UPOS or s.upos == "DET" and s.lemma.lower() in PRONOMINAL_DETERMINERS)
                and not is_time_word(doc, s) and not quoted(s)]
    if cue.xpos == "VBG" and cue.rel != "root" and doc.head_of(cue) is not None:
        # '..., saying X': an -ing clause has no subject of its own before it; a noun there
        # belongs to the clause the participle hangs on
        subjects = [s for s in subjects if s.index > cue.index]
    # 'Beck, who has described ...' / 'an official who said': the relative pronoun stands for
    # the noun the clause modifies.
    # A subject after the cue only where the cue is inverted ('"...," said X' / ', said X').
    # ', said the official' is inverted only after a clause ('X happened, said ...'), not after an
    # aside ('The official, speaking on condition of anonymity, said ...').
    inverted = _follows_quote(doc, cue) or (cue.index > 0 and doc.words[cue.index - 1].text == ","
                                            and _finite_verb_before(doc, cue, quoted))
    subjects = [s for s in subjects if s.index < cue.index or inverted]
    if any(s.index < cue.index for s in subjects):
        # 'The official, speaking ..., said al-Muhandis had arrived': a second "subject" after
        # the cue is the reported clause's own
        subjects = [s for s in subjects if s.index < cue.index]
    if len(subjects) > 1:
        # 'Among [Kasich] supporters, 61 percent said': a name right before a noun modifies it
        modifiers = [s for s in subjects if s.upos == "PROPN" and s.index + 1 < len(doc.words)
                     and doc.words[s.index + 1].upos == "NOUN" and doc.words[s.index + 1].rel != "nsubj"]
        subjects = [s for s in subjects if s not in modifiers] or subjects
    if len(subjects) > 1:
        # 'Mossad chief Yossi Cohen said' split into several subjects: the name is the head
        names = [s for s in subjects if s.upos == "PROPN"]
        subjects = [names[-1]] if names else subjects[-1:]
    adjacent = _nominal_before(doc, cue)
    if adjacent is not None and adjacent.upos in ("PRON", "PROPN") and not _is_relative_word(adjacent) \
            and not quoted(adjacent) and (not subjects or _separated_by_comma(doc, subjects[0], cue)):
        # 'The industry, she said, is ...': a pronoun or name right before a speech verb is its
        # subject, whatever the parse made of a noun across a comma
        return adjacent
    if subjects:
        return subjects[0]
    if _follows_quote(doc, cue) and cue.xpos != "VBG":
        # '"...," wrote Trump' / '"...," said the minister': the speaker follows the cue
        # ('X happened, said the minister' is closing_inverted_attribution's)
        after = _nominal_after(doc, cue)
        if after is not None:
            return after
    head = doc.head_of(cue)
    if depth == 0 and head is not None and head.index < cue.index and quoted(head) and not quoted(cue):
        # '"X. Y," the union's leader, Mark Hughes, wrote': the parse joined the attribution's
        # verb to a verb inside the quotation; its subject is the noun phrase between them
        surface = subject_by_surface(doc, cue, quoted)
        if surface is not None and all(not quoted(w) and w.upos not in ("VERB", "AUX")
                                       for w in doc.words[surface.index:cue.index]) \
                and any(quoted(w) for w in doc.words[max(0, surface.index - 8):surface.index]):
            return surface
    nearby = _nominal_before(doc, cue)
    if nearby is not None and cue.rel in ("root", "parataxis", "ccomp", "conj") and not doc.children(cue, "nsubj:pass"):
        return nearby
    if cue.rel in ("root", "parataxis", "ccomp") and not doc.children(cue, "nsubj:pass") and not cue.xpos == "VBG":
        surface = subject_by_surface(doc, cue, quoted)
        if surface is not None:
            return surface
    if depth >= SPEAKER_SEARCH_DEPTH:
        return None
    passive = doc.children(cue, "nsubj:pass")
    head = doc.head_of(cue)
    if head is None:
        return passive[0] if passive and cue.lemma == "quote" else None
    if cue.rel in ("conj", "advcl", "xcomp", "acl") or cue.deprel == "parataxis" and cue.text.endswith("ing"):
        if cue.rel == "acl" and head.upos in ("NOUN", "PROPN", "PRON") and not is_time_word(doc, head):
            if head.rel in ("obj", "iobj", "obl", "xcomp", "nmod") and doc.head_of(head) is not None:
                # "made X a priority, announcing ...": the participle is the clause's, not the object's
                return _speaker_by_parse(doc, doc.head_of(head), depth + 1, quoted)
            return head  # "an official, speaking ..., said" / "Trump, saying ..."
        return _speaker_by_parse(doc, head, depth + 1, quoted)
    return None


# Verbs whose object is an artifact or a target rather than a message: 'wrote [a letter]',
# 'posted [a photo]', 'defended [the decision]', 'pressed [the senator]'.
NO_OBJECT_CONTENT = lexicon.words("no_object_content")  # 'adding to her lead': "add" reports only clauses
# ... and objects that are no message whatever the verb: 'tweeted [a large picture of a flag]'.
MEDIA_OBJECTS = lexicon.words("media_objects")
NAMING_VERBS = lexicon.words("naming_verbs")


def object_content(doc: ParsedDocument, cue: Word, lemma: str) -> ReportedClause | None:
    """What a speech act is about when it takes no clause: 'praised [X]', 'criticized [X for Y]',
    'urged [X to Y]', 'spoke about [X]', 'said [yes]'."""
    if lemma in NO_OBJECT_CONTENT:
        return None
    objects = [c for c in doc.children(cue, "obj", "iobj") if c.index > cue.index]
    xcomps = [c for c in doc.children(cue, "xcomp") if c.index > cue.index]
    topics = [c for c in doc.children(cue, "obl") if c.index > cue.index and any(
        k.lemma.lower() in TOPIC_CASES or (k.lemma.lower() == "on" and lemma in TOPIC_ON_VERBS)
        for k in doc.children(c, "case"))]
    objects = [o for o in objects if not is_time_word(doc, o) and o.upos != "NUM"]
    if objects and _follows_quote(doc, cue) and _subtree_start(doc, objects[0]) == cue.index + 1:
        # '"...," wrote Trump' / '"...," said the man who ...': a noun phrase right after a cue
        # that follows a closing mark is the inverted subject (whatever the parse made of it).
        return None
    words: list[Word] = []
    shape = Rule.OBJECT
    if lemma in ADDRESSEE_VERBS:
        if xcomps:  # urged X to Y
            words = [w for o in objects for w in doc.subtree(o)] + doc.subtree(xcomps[0])
        elif topics:  # 'asked Carson [about his ties to X]'
            words = [w for w in doc.subtree(topics[0]) if not (w.rel == "case" and doc.head_of(w) is topics[0])]
            shape = Rule.TOPIC
    elif objects and lemma in ("urge", "encourage", "call", "order", "beg", "press"):
        # 'urged [a strong stand]', 'urged [the industry to do more]'
        infinitives = xcomps + [a for a in doc.children(cue, "advcl") if a.index > cue.index and any(
            k.lemma == "to" for k in doc.children(a, "mark"))]
        words = [w for o in objects for w in doc.subtree(o)] + [w for x in infinitives for w in doc.subtree(x)]
    elif objects:
        obj = objects[-1]
        words = doc.subtree(obj)
        # accused [X of Y], criticized [X for Y], described [X as Y]
        extras = [e for e in doc.children(cue, "obl", "advcl", "xcomp") if e.index > obj.index and any(
            k.lemma.lower() in ("of", "for", "as") for k in doc.children(e, "case", "mark"))]
        if obj.lemma.lower() in MEDIA_OBJECTS and not extras:
            return None  # 'tweeted a picture of a flag': shared, not said ('described the video as X' is)
        if obj.upos == "PRON" and obj.lemma.lower() not in ("yes", "no", "nothing", "something", "everything") \
                and not extras:
            return None  # 'praised him': a target, not a report; 'accused him [of X]' is one
        for extra in extras:
            words += doc.subtree(extra)
    elif topics:
        topic = topics[0]
        words = [w for w in doc.subtree(topic) if not (w.rel == "case" and doc.head_of(w) is topic)]
        # 'spoke about [X]' is talk's topic; 'spoke on [condition of anonymity]' is not
        if any(k.lemma.lower() in TOPIC_CASES for k in doc.children(topic, "case")):
            shape = Rule.TOPIC
    else:
        words = []
    answer = [c for c in doc.children(cue) if c.lemma.lower() in ("yes", "no") and c.index == cue.index + 1]
    if answer:
        words = answer  # 'said [yes]
    if not words:
        return None
    words = sorted({w.index: w for w in words}.values(), key=lambda w: w.index)
    words = _contiguous(words, words[0])
    words = _trim(words)
    # One bare word is a target ("threatened Iran"), not a report; "said yes" is the exception.
    if not words or (len(words) == 1 and words[0].lemma.lower() not in ("yes", "no")):
        return None
    return ReportedClause(words, shape)


def naming_act(doc: ParsedDocument, verb: Word, is_cue) -> bool:
    """'Reid said the decision was wrong and [called] the hiring freeze "reckless"': a naming verb
    without a subject of its own, coordinated under an earlier cue (the parse may hang it inside
    the reported clause), is the speaker's second act, not part of what was said."""
    if verb.lemma.lower() not in NAMING_VERBS or verb.rel != "conj" or doc.children(verb, *SUBJECT_RELS):
        return False
    head = doc.head_of(verb)
    while head is not None:
        if head.index < verb.index and is_cue(head):
            return True
        head = doc.head_of(head)
    return False


def naming_content(doc: ParsedDocument, verb: Word, is_cue, quoted) -> ReportedClause | None:
    """What a naming act (``naming_act``) calls something, when it is in quote marks: 'called
    [the hiring freeze "reckless"]'. None when nothing after the verb is quoted."""
    if not naming_act(doc, verb, is_cue):
        return None
    words = _trim([w for w in _contiguous(doc.subtree(verb), verb) if w.index > verb.index])
    if len(words) < 2 or not any(quoted(w) for w in words if w.upos != "PUNCT"):
        return None
    return ReportedClause(words, Rule.OBJECT)


def _subtree_start(doc: ParsedDocument, head: Word) -> int:
    """Index of the first word of ``head``'s subtree (where its phrase or clause starts)."""
    return doc.subtree(head)[0].index


def _follows_quote(doc: ParsedDocument, cue: Word) -> bool:
    """Whether the cue comes right after a closing quote mark (only punctuation between)."""
    i = cue.index - 1
    while i >= 0 and doc.words[i].upos == "PUNCT":
        if doc.words[i].text in ('"', "''", "\u201d"):
            return True
        i -= 1
    return False


def _nominal_before(doc: ParsedDocument, cue: Word) -> Word | None:
    """The noun phrase head right before a cue whose parse lost its subject."""
    i = cue.index - 1
    while i >= 0 and doc.words[i].sentence == cue.sentence and doc.words[i].upos in ("ADV", "AUX", "PART"):
        i -= 1
    if i < 0 or doc.words[i].sentence != cue.sentence:
        return None
    w = doc.words[i]
    if w.upos not in ("PROPN", "NOUN", "PRON") or is_time_word(doc, w):
        return None
    while w.rel in ("compound", "flat", "amod", "nmod:poss", "det") and doc.head_of(w) is not None \
            and doc.head_of(w).index <= cue.index and not _punctuation_between(doc, w, doc.head_of(w)):
        # ('from the King James Bible, [Beck] said': a name is not part of a phrase across a comma)
        w = doc.head_of(w)
    return w if w.index < cue.index else None


def _punctuation_between(doc: ParsedDocument, a: Word, b: Word) -> bool:
    lo, hi = sorted((a.index, b.index))
    return any(doc.words[i].upos == "PUNCT" for i in range(lo + 1, hi))


def _starts_relative(doc: ParsedDocument, head: Word) -> bool:
    return _is_relative_word(doc.subtree(head)[0])


def _is_relative_word(word: Word) -> bool:
    return (word.upos == "PRON" and word.has_feat("PronType=Rel")) or word.lemma.lower() in (
        "who", "which", "whom", "whose")


def _has_predicate(words: list[Word], doc: ParsedDocument) -> bool:
    """A clause has a verb, or is in quote marks (quoted fragments report speech too)."""
    if any(w.upos in ("VERB", "AUX") for w in words):
        return True
    before = doc.text[max(0, words[0].start - 2):words[0].start]
    return any(q in before for q in ('"', "\u201c", "''", "``"))


def _that_clause_after(doc: ParsedDocument, cue: Word, child: Word) -> bool:
    """A 'that'-clause after the cue, whatever relation the parser gave it (conj, advcl, dep)."""
    if child.index < cue.index or child.deprel in ("acl:relcl", "nsubj", "obj") or child.upos not in ("VERB", "AUX", "ADJ", "NOUN"):
        return False
    marks = [k for k in doc.children(child, "mark") if k.index < child.index]
    if not marks or marks[0].lemma.lower() != "that":
        return False
    between = doc.words[cue.index + 1:marks[0].index]
    return all(w.upos not in ("VERB", "AUX") for w in between)


QUESTION_VERBS = lexicon.words("question_verbs")


def _infinitive_after(doc: ParsedDocument, cue: Word, child: Word, lemma: str) -> bool:
    """'vowed last month [to take his campaign ...]' parsed as an adverbial clause."""
    return (lemma in INFINITIVE_VERBS and child.rel == "advcl" and child.index > cue.index
            and any(k.lemma == "to" and k.index < child.index for k in doc.children(child, "mark")))


def _question_clause_after(doc: ParsedDocument, cue: Word, child: Word) -> bool:
    """'asked X [whether Y]' / 'wondered [if Y]' however the parse labelled the clause (often advcl)."""
    if child.index < cue.index or child.rel != "advcl" or cue.lemma.lower() not in QUESTION_VERBS:
        return False
    marks = [k for k in doc.children(child, "mark") if k.index < child.index]
    return bool(marks) and marks[0].lemma.lower() in ("whether", "if")


def _finite_verb_before(doc: ParsedDocument, cue: Word, quoted=lambda word: False) -> bool:
    """Whether the cue's sentence has a finite verb of its own (not inside quote marks) before it."""
    sentence = doc.sentence_of(cue)
    return any(_is_finite(w) for w in doc.words[sentence.start:cue.index]
               if w.upos in ("VERB", "AUX") and not quoted(w))


def _nominal_after(doc: ParsedDocument, cue: Word) -> Word | None:
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


def _to_clause_end(doc: ParsedDocument, start: int, stop: int) -> list[Word]:
    """Words from ``start`` to the sentence end, stopping at a semicolon or a trailing
    participle after a comma (', killing ...')."""
    words: list[Word] = []
    for w in doc.words[start:stop]:
        if w.text == ";" or (w.xpos == "VBG" and words and words[-1].text == ","):
            break
        words.append(w)
    return words


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
    words = _trim(_to_clause_end(doc, j + 1, sentence.stop))
    if len(words) < 2 or not _has_predicate(words, doc):
        return None
    return ReportedClause(words, Rule.SURFACE)


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
    if cue.rel == "acl" or any(_is_relative_word(w) or w.lemma.lower() == "that" for w in doc.words[phrase_start:cue.index]):
        return None  # 'X, something that Trump mocked': a relative clause, not an attribution
    tail = [w for w in doc.words[cue.index + 1:sentence.stop] if w.upos != "PUNCT"]
    if len(tail) > 4 or any(w.upos in ("VERB", "AUX") for w in tail):
        return None
    words = _trim(doc.words[sentence.start:phrase_start - 1])
    if len(words) < 3 or not _has_predicate(words, doc):
        return None
    return ReportedClause(words, Rule.PARENTHETICAL)


# Speech verbs that news writing inverts after the reported clause ('..., said the minister');
# others take objects there (', told [reporters]', ', described [the scene] as ...').
INVERSION_LEMMAS = lexicon.words("inversion_lemmas")


def closing_inverted_attribution(doc: ParsedDocument, cue: Word) -> tuple[ReportedClause, Word] | None:
    """'[X happened], said Rita Katz, the director of ...': a speech verb right after a comma and
    followed by its speaker to the end of the sentence reports the whole sentence before it, however
    the parse hung the verb. Returns the clause and the speaker's head word."""
    sentence = doc.sentence_of(cue)
    if cue.index - 1 <= sentence.start or doc.words[cue.index - 1].text != "," or cue.xpos == "VBG" \
            or cue.lemma.lower() not in INVERSION_LEMMAS:  # ', described [the demonstrations]'
        return None
    speaker = _nominal_after(doc, cue)
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
    words = _trim(doc.words[sentence.start:cue.index - 1])
    if len(words) < 4 or not _has_predicate(words, doc):
        return None
    # the clause must be the sentence's own, not a quotation followed by its speaker's apposition
    # ('"...," Steve Cohen, Democrat of Tennessee, told ...')
    last_mark = max((w.index for w in words if w.upos == "PUNCT" and w.text in ('"', "''", "\u201d")), default=-1)
    if not any(w.upos in ("VERB", "AUX") and _is_finite(w) for w in words if w.index > last_mark):
        return None
    return ReportedClause(words, Rule.PARENTHETICAL), speaker


def _is_predicate_head(doc: ParsedDocument, head: Word) -> bool:
    """A clause is headed by a verb, or by a nominal/adjective with a copula or a subject."""
    if head.upos in ("VERB", "AUX"):
        return True
    if any(k.rel in ("cop", "nsubj", "aux") for k in doc.children(head)):
        return True
    before = doc.text[max(0, doc.subtree(head)[0].start - 2):doc.subtree(head)[0].start]
    return any(q in before for q in ('"', "\u201c", "''", "``"))  # a quoted fragment


def is_relative(word: Word) -> bool:
    return _is_relative_word(word)


def antecedent_of_relative(doc: ParsedDocument, relative: Word) -> Word | None:
    """The noun a relative pronoun stands for ('the superdelegates [who] said')."""
    clause = doc.head_of(relative)
    return _antecedent_of_relative(doc, clause, relative) if clause is not None else None


def _antecedent_of_relative(doc: ParsedDocument, cue: Word, relative: Word) -> Word | None:
    """The noun a relative clause ('who said ...') modifies."""
    if cue.deprel == "acl:relcl" and doc.head_of(cue) is not None:
        return doc.head_of(cue)
    i = relative.index - 1
    while i >= 0 and doc.words[i].sentence == relative.sentence and doc.words[i].upos == "PUNCT":
        i -= 1
    if i >= 0 and doc.words[i].sentence == relative.sentence and doc.words[i].upos in ("NOUN", "PROPN"):
        w = doc.words[i]
        while w.rel in ("flat", "compound") and doc.head_of(w) is not None and doc.head_of(w).index < relative.index:
            w = doc.head_of(w)
        return w
    return None


def _separated_by_comma(doc: ParsedDocument, subject: Word, cue: Word) -> bool:
    lo, hi = sorted((subject.index, cue.index))
    return any(w.text == "," for w in doc.words[lo:hi])


def subject_by_surface(doc: ParsedDocument, cue: Word, quoted) -> Word | None:
    """When the parse gave a finite cue no subject: the nearest noun before it that is not the
    object of a preposition or of another verb ('Steve Coll, the dean of the school, said')."""
    sentence = doc.sentence_of(cue)
    for i in range(cue.index - 1, sentence.start - 1, -1):
        w = doc.words[i]
        if w.upos not in ("NOUN", "PROPN", "PRON") or quoted(w) or _is_relative_word(w):
            continue
        if is_time_word(doc, w) or any(k.rel == "case" for k in doc.children(w)):
            continue
        if w.rel in ("obj", "iobj", "obl", "nmod") and doc.head_of(w) is not None and doc.head_of(w).index > w.index - 50:
            head = doc.head_of(w)
            if head.upos in ("VERB", "AUX") and head.index != cue.index:
                continue
        while w.rel in ("compound", "flat", "amod", "det", "nmod:poss") and doc.head_of(w) is not None \
                and doc.head_of(w).index < cue.index and doc.head_of(w).upos in ("NOUN", "PROPN"):
            w = doc.head_of(w)
        opening = _opening_noun_phrase(doc, cue, quoted)
        if opening is not None and opening.index < w.index:
            # 'Trump, the frontrunner ... after winning the primaries, said': the noun phrase
            # that opens the clause, set off by a comma, not the last noun of its apposition
            return opening
        return w
    return None


OPENING_ADVERBS = lexicon.words("opening_adverbs")


def _opening_noun_phrase(doc: ParsedDocument, cue: Word, quoted) -> Word | None:
    """The head of a name or noun phrase opening the cue's clause (at the sentence start or right
    after a closing quotation) when a comma follows it: 'NP, apposition or relative clause, CUE'."""
    sentence = doc.sentence_of(cue)
    start = sentence.start
    for i in range(sentence.start, cue.index):
        if quoted(doc.words[i]) or doc.words[i].upos == "PUNCT" and i + 1 < cue.index and quoted(doc.words[i + 1]):
            start = i + 1
    while start < cue.index and doc.words[start].upos in ("PUNCT", "DET"):
        start += 1
    if start + 1 < cue.index and doc.words[start].lemma.lower() in OPENING_ADVERBS:
        start += 1  # 'Meanwhile Rihanna, who ..., spoke'
        while start < cue.index and doc.words[start].upos in ("PUNCT", "DET"):
            start += 1
    end = start
    while end < cue.index and doc.words[end].upos in ("PROPN", "NOUN", "ADJ", "DET", "NUM") \
            and doc.words[end].text != ",":
        end += 1
    if end == start or end >= cue.index or doc.words[end].text != ",":
        return None
    if not any(w.upos in ("PROPN", "NOUN") for w in doc.words[start:end]) or quoted(doc.words[start]):
        return None
    head = doc.words[end - 1]  # English noun phrases end in their head
    return head if head.upos in ("PROPN", "NOUN") and not is_time_word(doc, head) else None


def main_clause_subject(doc: ParsedDocument, cue: Word, quoted) -> Word | None:
    """', saying X' / 'by suggesting X' / 'and joked' whose parse hung the cue on a noun, or made a noun
    the sentence's root: the reporter is the subject of the sentence's main clause before it
    ('Republicans, who ..., have blocked ..., saying X'; 'Erin Brockovich, ..., endorsed ...')."""
    before = doc.words[cue.index - 1].text.lower() if cue.index > 0 else ""
    participle = cue.xpos == "VBG" and before in (",", "\u2014", "-", "by", '"', "\u201d", "''")
    coordinated = cue.rel == "conj" and before in ("and", ",")  # '... adopted an accent and joked'
    if not (participle or coordinated):
        return None
    sentence = doc.sentence_of(cue)
    root = next((w for w in (doc.words[i] for i in sentence) if w.head < 0), None)
    if root is None or root.index >= cue.index or quoted(root):
        return None
    if root.upos in ("VERB", "AUX"):
        subjects = [s for s in doc.children(root, *SUBJECT_RELS)
                    if s.index < root.index and s.upos in SPEAKER_UPOS and not quoted(s)]
        return subjects[0] if subjects else None
    if root.upos in ("PROPN", "NOUN") and _subtree_start(doc, root) == sentence.start:
        return root  # the sentence opens with its subject; the parse lost the verb
    return None


def _cut_trailing_participle(words: list[Word]) -> list[Word]:
    """'said the bridge was closed, blaming the storm': the participle is the reporter's, not
    part of what was reported."""
    for k in range(1, len(words) - 1):
        if words[k].text == "," and words[k + 1].xpos == "VBG" and k >= 3:
            return words[:k]
    return words


BARE_CLAUSE_LEMMAS = lexicon.words("bare_clause_lemmas")


def _is_finite(word: Word) -> bool:
    return word.xpos in FINITE_XPOS or word.has_feat("VerbForm=Fin")


SURFACE_SUBJECT_MAX_WORDS = 12  # 'said [the prime minister's Dec. 28 meeting with Trump] was ...'


def surface_bare_clause(doc: ParsedDocument, cue: Word, lemma: str) -> ReportedClause | None:
    """Fallback when the parse lost a complement without 'that': 'Iran said [it had uncovered ...]'."""
    addressed = lemma in ADDRESSEE_VERBS
    if not (lemma in BARE_CLAUSE_LEMMAS or addressed) or (doc.children(cue, "obj") and not addressed):
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
    words = _trim(_to_clause_end(doc, start, sentence.stop))
    if len(words) < 3:
        return None
    return ReportedClause(words, Rule.SURFACE)


def cut_nested_reports(doc: ParsedDocument, clause: ReportedClause, cue: Word, is_cue) -> ReportedClause | None:
    """'Cohen indicated that X, after Iran said Y': Y is a report of its own, not part of X.

    Also '..., she said, [adding, "Z"]' (a parse that hangs the participle cue inside the content):
    the leading cue and its comma are not content; a clause that is only such a cue is none.
    """
    words = clause.words
    if clause.shape is Rule.PARENTHETICAL and clause.end <= cue.start:
        # 'X, saying Y, CNN reported.': everything before a closing attribution is its report
        return clause
    while words and words[0].upos == "VERB" and is_cue(words[0]) and (
            len(words) == 1 or words[1].upos == "PUNCT"):
        words = _trim(words[1:])
    if not words:
        return None
    if len(words) != len(clause.words):
        clause = ReportedClause(words, clause.shape)
    for k, w in enumerate(clause.words):
        if k < 3 or not is_cue(w):
            continue
        if w.rel in ("advcl", "conj", "parataxis"):
            start = _subtree_start(doc, w)
        else:
            # 'one company says X, another says Y' (the parse made the second report the root):
            # a cue with its own subject after a comma starts a report of its own
            subjects = [c for c in doc.children(w, *SUBJECT_RELS) if c.index < w.index]
            if not subjects:
                continue
            start = _subtree_start(doc, subjects[0])
            if start <= clause.words[0].index or doc.words[start - 1].text not in (",", ";"):
                continue
        kept = _trim([x for x in clause.words if x.index < start])
        if len(kept) >= 3:
            return ReportedClause(kept, clause.shape)
    return clause


def _is_finite_clause(doc: ParsedDocument, head: Word) -> bool:
    verbs = [head] + doc.children(head, "aux", "aux:pass", "cop")
    return any(_is_finite(v) for v in verbs) or head.upos not in ("VERB", "AUX")


def answer_content(doc: ParsedDocument, cue: Word) -> ReportedClause | None:
    """'said [yes]', 'said [no]': a one-word answer right after the cue is what was said."""
    nxt = doc.words[cue.index + 1] if cue.index + 1 < len(doc.words) else None
    if nxt is None or nxt.sentence != cue.sentence or nxt.lemma.lower() not in ("yes", "no"):
        return None
    return ReportedClause([nxt], Rule.OBJECT)
