"""OBJECT and TOPIC: what a speech act is about when it takes no clause.

    praised [the decision], urged [X to act]    the object (and its complements)
    spoke about [X]                             the topic of talk
    ... and called [the freeze "reckless"]      a naming act coordinated under a cue
"""

from __future__ import annotations

from service.attribution import lexicon
from service.attribution.clauses.clause import ReportedClause, contiguous, trim
from service.document import ParsedDocument, Word
from service.attribution.rules import Rule
from service.attribution.syntax import (SUBJECT_RELS, follows_quote,
                                        is_time_word,
                                        subtree_start)


def object_content(doc: ParsedDocument, cue: Word, lemma: str) -> ReportedClause | None:
    """What a speech act is about when it takes no clause: 'praised [X]', 'criticized [X for Y]',
    'urged [X to Y]', 'spoke about [X]', 'said [yes]'."""
    if lemma in lexicon.NO_OBJECT_CONTENT:
        return None
    objects = [c for c in doc.children(cue, "obj", "iobj") if c.index > cue.index]
    xcomps = [c for c in doc.children(cue, "xcomp") if c.index > cue.index]
    topics = [c for c in doc.children(cue, "obl") if c.index > cue.index and any(
        k.lemma.lower() in lexicon.TOPIC_CASES or (k.lemma.lower() == "on" and lemma in lexicon.TOPIC_ON_VERBS)
        for k in doc.children(c, "case"))]
    objects = [o for o in objects if not is_time_word(doc, o) and o.upos != "NUM"]
    if objects and follows_quote(doc, cue) and subtree_start(doc, objects[0]) == cue.index + 1:
        # '"...," wrote Trump' / '"...," said the man who ...': a noun phrase right after a cue
        # that follows a closing mark is the inverted subject (whatever the parse made of it).
        return None
    words: list[Word] = []
    shape = Rule.OBJECT
    if lemma in lexicon.ADDRESSEE_VERBS:
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
        if obj.lemma.lower() in lexicon.MEDIA_OBJECTS and not extras:
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
        if any(k.lemma.lower() in lexicon.TOPIC_CASES for k in doc.children(topic, "case")):
            shape = Rule.TOPIC
    else:
        words = []
    answer = [c for c in doc.children(cue) if c.lemma.lower() in ("yes", "no") and c.index == cue.index + 1]
    if answer:
        words = answer  # 'said [yes]
    if not words:
        return None
    words = sorted({w.index: w for w in words}.values(), key=lambda w: w.index)
    words = contiguous(words, words[0])
    words = trim(words)
    # One bare word is a target ("threatened Iran"), not a report; "said yes" is the exception.
    if not words or (len(words) == 1 and words[0].lemma.lower() not in ("yes", "no")):
        return None
    return ReportedClause(words, shape)


def naming_act(doc: ParsedDocument, verb: Word, is_cue) -> bool:
    """'Reid said the decision was wrong and [called] the hiring freeze "reckless"': a naming verb
    without a subject of its own, coordinated under an earlier cue (the parse may hang it inside
    the reported clause), is the speaker's second act, not part of what was said."""
    if verb.lemma.lower() not in lexicon.NAMING_VERBS or verb.rel != "conj" or doc.children(verb, *SUBJECT_RELS):
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
    words = trim([w for w in contiguous(doc.subtree(verb), verb) if w.index > verb.index])
    if len(words) < 2 or not any(quoted(w) for w in words if w.upos != "PUNCT"):
        return None
    return ReportedClause(words, Rule.OBJECT)
