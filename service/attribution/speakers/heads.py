"""Speaker heads: the word that names a cue's speaker, read off the parse (its subject, the
subject of the verb a participle hangs on, an inverted subject) or the surface when the parse
leads nowhere; and the noun a relative pronoun stands for."""

from __future__ import annotations

from service.attribution import lexicon
from service.document import ParsedDocument, Word
from service.attribution.syntax import (SUBJECT_RELS, follows_quote, is_finite, is_relative_word,
                                        is_time_word, nominal_after, subtree_start)


SPEAKER_SEARCH_DEPTH = 3  # heads climbed from a cue to find its subject (conjoined, xcomp chains)


SPEAKER_UPOS = ("PROPN", "NOUN", "PRON", "NUM", "X", "ADJ")


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
                if (s.upos in SPEAKER_UPOS or s.upos == "DET" and s.lemma.lower() in lexicon.PRONOMINAL_DETERMINERS)
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
    inverted = follows_quote(doc, cue) or (cue.index > 0 and doc.words[cue.index - 1].text == ","
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
    adjacent = nominal_before(doc, cue)
    if adjacent is not None and adjacent.upos in ("PRON", "PROPN") and not is_relative_word(adjacent) \
            and not quoted(adjacent) and (not subjects or _separated_by_comma(doc, subjects[0], cue)):
        # 'The industry, she said, is ...': a pronoun or name right before a speech verb is its
        # subject, whatever the parse made of a noun across a comma
        return adjacent
    if subjects:
        return subjects[0]
    if follows_quote(doc, cue) and cue.xpos != "VBG":
        # '"...," wrote Trump' / '"...," said the minister': the speaker follows the cue
        # ('X happened, said the minister' is closing_inverted_attribution's)
        after = nominal_after(doc, cue)
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
    nearby = nominal_before(doc, cue)
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


def nominal_before(doc: ParsedDocument, cue: Word) -> Word | None:
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


def _finite_verb_before(doc: ParsedDocument, cue: Word, quoted=lambda word: False) -> bool:
    """Whether the cue's sentence has a finite verb of its own (not inside quote marks) before it."""
    sentence = doc.sentence_of(cue)
    return any(is_finite(w) for w in doc.words[sentence.start:cue.index]
               if w.upos in ("VERB", "AUX") and not quoted(w))


def _separated_by_comma(doc: ParsedDocument, subject: Word, cue: Word) -> bool:
    lo, hi = sorted((subject.index, cue.index))
    return any(w.text == "," for w in doc.words[lo:hi])


def subject_by_surface(doc: ParsedDocument, cue: Word, quoted) -> Word | None:
    """When the parse gave a finite cue no subject: the nearest noun before it that is not the
    object of a preposition or of another verb ('Steve Coll, the dean of the school, said')."""
    sentence = doc.sentence_of(cue)
    for i in range(cue.index - 1, sentence.start - 1, -1):
        w = doc.words[i]
        if w.upos not in ("NOUN", "PROPN", "PRON") or quoted(w) or is_relative_word(w):
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
    if start + 1 < cue.index and doc.words[start].lemma.lower() in lexicon.OPENING_ADVERBS:
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
    if root.upos in ("PROPN", "NOUN") and subtree_start(doc, root) == sentence.start:
        return root  # the sentence opens with its subject; the parse lost the verb
    return None


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
