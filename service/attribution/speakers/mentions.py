"""Speaker mentions: the noun phrase that names a speaker ("Mossad chief Yossi Cohen"), with its
titles and modifiers but without relative clauses, appositions or participle asides; and the
proper name it ends in."""

from __future__ import annotations

from dataclasses import dataclass

from service.attribution import lexicon
from service.document import ParsedDocument, Word
from service.attribution.spans import Span


_NP_EXCLUDED_RELS = ("acl", "appos", "punct", "parataxis", "advcl", "dep", "discourse", "vocative",
                     "reparandum", "list", "dislocated")


def noun_phrase(doc: ParsedDocument, head: Word) -> list[Word]:
    """The head's noun phrase, without clauses and asides, as contiguous words."""
    excluded = {c.index for w in doc.subtree(head) for c in doc.children(w)
                if (c.rel in _NP_EXCLUDED_RELS or c.deprel in ("acl:relcl",)) and not _tight_appos(doc, c)
                and not _word_internal_hyphen(doc, c)}
    words = doc.subtree(head, exclude=excluded)
    lo = hi = head.index
    indices = {w.index for w in words}
    # Words the parser hung on the verb beside the head ('Mossad chief | Yossi Cohen' as two
    # subjects) still belong to the phrase when nothing separates them.
    while lo - 1 >= 0 and lo - 1 not in indices and doc.words[lo - 1].sentence == head.sentence \
            and doc.words[lo - 1].upos in ("NOUN", "PROPN", "ADJ") and doc.words[lo - 1].head == head.head \
            and doc.words[lo - 1].rel in ("nsubj", "compound", "amod") and head.rel == "nsubj":
        for w in doc.subtree(doc.words[lo - 1]):
            indices.add(w.index)
        lo = min(indices)
    while lo - 1 in indices:
        lo -= 1
    while hi + 1 in indices:
        hi += 1
    # Names run on over the proper nouns right after the head ("said Anna Berg" parsed as Anna + X).
    while (head.upos == "PROPN" and hi + 1 < len(doc.words) and doc.words[hi + 1].upos == "PROPN"
           and doc.words[hi + 1].sentence == head.sentence and hi + 1 not in excluded
           and doc.words[hi + 1].text.lower() not in lexicon.TIME_WORDS):
        hi += 1
        indices.add(hi)
    words = [doc.words[i] for i in range(lo, hi + 1) if i in indices]
    while words and (words[0].upos in ("PUNCT", "CCONJ") or words[0].rel in ("case", "fixed")
                     or len(words) > 1 and words[0].lemma.lower() in lexicon.OPENING_ADVERBS):  # 'Meanwhile Rihanna'
        words = words[1:]
    while words and words[-1].upos in ("PUNCT", "CCONJ"):
        words = words[:-1]
    return words or [head]


def _word_internal_hyphen(doc: ParsedDocument, word: Word) -> bool:
    """The '-' of 'Iran-backed' belongs to the phrase (no space on either side)."""
    return word.text in ("-", "\u2013") and 0 < word.start and word.end < len(doc.text) \
        and not doc.text[word.start - 1].isspace() and not doc.text[word.end].isspace()


def _tight_appos(doc: ParsedDocument, word: Word) -> bool:
    """'Mossad chief Yossi Cohen': a name in apposition with no comma is part of the phrase."""
    if word.rel != "appos" or word.index == 0:
        return False
    first = doc.subtree(word)[0]
    return first.index > 0 and doc.words[first.index - 1].upos != "PUNCT" and word.upos == "PROPN"


def name_chain(doc: ParsedDocument, head: Word) -> list[Word]:
    """The proper name a head word ends, without its title: 'US President Donald Trump' ->
    [Donald, Trump]; hyphenated parts, particles and suffixes kept ('Jane Doe-Smith', 'Ludwig
    van der Berg', 'Robert Allenby Jr.')."""
    return name_parts(doc, head)[1]


def name_parts(doc: ParsedDocument, head: Word) -> tuple[list[Word], list[Word]]:
    """(title, name) of the proper name around a head word: 'Fire Chief Marcus Ortega-Reyes' ->
    ([Fire, Chief], [Marcus, Ortega, -, Reyes]). One rule for every name: the title is every
    word up to the last title word (titles.txt) before the name's last part, with the title
    words right before it ('Pentagon spokesman John Kirby'); the name never holds one."""
    if head.upos != "PROPN" and not (head.text[:1].isupper() and head.upos in ("NOUN", "X")):
        return [], []
    sentence = doc.sentences[head.sentence]
    chain = [head]
    j = head.index + 1
    while j < sentence.stop:
        w = doc.words[j]
        if w.upos == "PROPN" and w.text.lower() not in lexicon.TIME_WORDS:
            chain.append(w)
            j += 1
        elif _hyphen_link(doc, j):
            chain += [w, doc.words[j + 1]]
            j += 2
        elif _is_particle(w) and (k := _after_particles(doc, j)) is not None:
            chain += doc.words[j:k + 1]
            j = k + 1
        elif _is_suffix(doc, j, chain[-1]):
            chain += doc.words[j:_suffix_end(doc, j) + 1]
            break
        else:
            break
    i = head.index - 1
    while i >= sentence.start:
        w = doc.words[i]
        if w.upos == "PROPN" or (w.text[:1].isupper() and w.text.lower() in lexicon.TITLES) or (
                w.upos == "ADJ" and w.text[:1].isupper() and i > sentence.start) or (
                w.text.endswith(".") and len(w.text) <= 3 and w.text[:1].isupper()):
            chain.insert(0, w)
            i -= 1
        elif _hyphen_link(doc, i):
            chain[:0] = [doc.words[i - 1], w]
            i -= 2
        elif _is_particle(w):
            k = i
            while k >= sentence.start and _is_particle(doc.words[k]):
                k -= 1
            if k < sentence.start or doc.words[k].upos != "PROPN" or not doc.words[k].text[:1].isupper():
                break
            chain[:0] = doc.words[k + 1:i + 1]
            i = k
        else:
            break
    # Names are capitalised: "northwestern" tagged PROPN is not part of one ('al-' before a
    # hyphen is).
    while len(chain) > 1 and not chain[0].text[:1].isupper() and not _hyphen_link(doc, chain[0].index + 1):
        chain = chain[1:]
    # Titles: everything up to the last title word before the name's last part.
    core = len(chain)
    while core > 1 and (chain[core - 1].text.lower() in lexicon.NAME_SUFFIXES or chain[core - 1].text == ","):
        core -= 1
    cut = 0
    for k, w in enumerate(chain[:core - 1]):
        if w.text.lower() in lexicon.TITLES or lexicon.noun_gender(w.text):  # 'Actress Amandla Stenberg'
            cut = k + 1
    # A first name starts the name: what comes before it describes ('Rival Hillary Clinton',
    # 'Republican Donald Trump') and is taken for the title.
    first = next((k for k in range(cut, core - 1) if lexicon.first_name_gender(chain[k].text)), cut)
    if first > cut and not _hyphen_link(doc, chain[first].index - 1) and all(
            w.text[:1].isupper() and not w.text.endswith(".") for w in chain[cut:first]):  # 'J. Edgar'
        cut = first
    title, chain = chain[:cut], chain[cut:]
    title = _title_words_before(doc, (title or chain)[0], bool(title)) + title
    # Possessives or genitive leftovers ("Iran's") are not part of a name.
    return [w for w in title if w.upos != "PART"], [w for w in chain if w.upos != "PART"]


def _title_words_before(doc: ParsedDocument, first: Word, extends: bool) -> list[Word]:
    """Lower-case title words right before a name or its title: 'chief spokesman [John Kirby]',
    'former [US Ambassador]'; with the nouns and adjectives before them ('Pentagon spokesman')."""
    run: list[Word] = []
    i = first.index - 1
    while i >= doc.sentences[first.sentence].start:
        w = doc.words[i]
        if w.text.lower() not in lexicon.TITLES and not (
                w.upos in ("NOUN", "PROPN", "ADJ") and w.rel in ("compound", "amod", "flat")) \
                or w.text.lower() in lexicon.TIME_WORDS:
            break
        run.insert(0, w)
        i -= 1
    last = max((k for k, w in enumerate(run) if w.text.lower() in lexicon.TITLES), default=-1)
    if extends:
        return run
    return run if last == len(run) - 1 else []


def _hyphen_link(doc: ParsedDocument, i: int) -> bool:
    """Word i is a hyphen written inside a name: 'Doe-Smith', 'al-Baghdadi'."""
    if not 0 < i < len(doc.words) - 1:
        return False
    a, h, b = doc.words[i - 1], doc.words[i], doc.words[i + 1]
    return (h.text in ("-", "\u2013") and a.end == h.start and h.end == b.start
            and a.sentence == h.sentence == b.sentence and b.text[:1].isupper()
            and (a.text[:1].isupper() or a.text.lower() in lexicon.NAME_PARTICLES)
            and len(a.text) > 1 and not b.text.endswith("."))  # not '(D-Wis.)', '(R-Ga.)'


def _is_particle(w: Word) -> bool:
    return w.text.lower() in lexicon.NAME_PARTICLES and not w.text[:1].isupper()


def _after_particles(doc: ParsedDocument, j: int) -> int | None:
    """'Ludwig [van der] Berg': the index of the capitalised name part after particles at j."""
    k = j
    while k < len(doc.words) and doc.words[k].sentence == doc.words[j].sentence and _is_particle(doc.words[k]):
        k += 1
    if k < len(doc.words) and doc.words[k].sentence == doc.words[j].sentence \
            and doc.words[k].upos == "PROPN" and doc.words[k].text[:1].isupper():
        return k
    if _hyphen_link(doc, k):  # 'bin al-Sistani': the particle ends in a hyphen
        return k + 1
    return None


def _is_suffix(doc: ParsedDocument, j: int, before: Word) -> bool:
    """'Allenby Jr.', 'Allenby, Jr.', 'Henry Ford II' after a capitalised name part."""
    if not before.text[:1].isupper():
        return False
    w = doc.words[j]
    if w.text == "," and j + 1 < len(doc.words) and doc.words[j + 1].sentence == w.sentence:
        w = doc.words[j + 1]
    return w.text.lower() in lexicon.NAME_SUFFIXES and w.text[:1].isupper()


def _suffix_end(doc: ParsedDocument, j: int) -> int:
    return j + 1 if doc.words[j].text == "," else j


def _text(words: list[Word], doc: ParsedDocument) -> str:
    return doc.text[words[0].start:words[-1].end] if words else ""


@dataclass
class Mention:
    words: list[Word]
    head: Word
    form: str  # "pronoun", "name" or "nominal"
    text: str
    span: Span
    name: str  # proper name (names), lower-cased pronoun, or the description
    plural: bool
    definite: bool
    title: str = ""  # the title before a name ('Fire Chief'), never part of ``name``


def make_mention(doc: ParsedDocument, head: Word) -> Mention:
    words = noun_phrase(doc, head)
    text = _text(words, doc)
    span = Span(words[0].start, words[-1].end)
    plural = head.has_feat("Number=Plur") or head.xpos in ("NNS", "NNPS") or any(
        c.rel == "conj" for c in doc.children(head))
    if head.upos == "PRON" or head.text.lower() in lexicon.PRONOUNS and len(words) == 1:
        return Mention(words, head, "pronoun", text, span, head.text.lower(), plural, True)
    title, chain = name_parts(doc, head)
    if not chain and head.upos == "NOUN":
        # 'New Yorker reporter Dexter Filkins' headed by the role noun: the name follows it
        after = [w for w in words if w.index > head.index and w.upos == "PROPN"]
        if after and after[0].index == head.index + 1:
            title, chain = name_parts(doc, after[-1])
    if chain and not any(c.rel == "conj" for c in doc.children(head)):
        inside = {w.index for w in words}
        title = [w for w in title if w.index in inside]
        return Mention(words, head, "name", text, span, _text(chain, doc), plural, True,
                       _text(title, doc) if title else "")
    definite = any(c.lemma.lower() in ("the", "this", "that", "these", "those") for c in doc.children(head, "det"))
    return Mention(words, head, "nominal", text, span, text, plural, definite)
