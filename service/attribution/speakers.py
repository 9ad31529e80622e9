"""Speaker noun phrases, and resolving them to the entities a document talks about.

- A speaker mention is the subject's noun phrase with its titles and modifiers ("Mossad chief Yossi
  Cohen"), without relative clauses, appositions or participle asides.
- Names resolve to the fullest form the document gives ("Cohen" -> "Yossi Cohen"), titles dropped.
- Pronouns resolve to the nearest earlier compatible speaker or named person (he/she: a person of
  no conflicting gender; they: a group or organisation; it: an organisation).
- Definite descriptions ("the officials", "the official") resolve to the earlier speaker described
  with the same head noun, named by its fullest description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.attribution.parsed import FINITE_XPOS, ParsedDocument, Word
from service.attribution import lexicon
from service.attribution.spans import Resolution, Span, Speaker, SpeakerEntry, SpeakerKind

_NP_EXCLUDED_RELS = ("acl", "appos", "punct", "parataxis", "advcl", "dep", "discourse", "vocative",
                     "reparandum", "list", "dislocated")
PERSON_NOUNS = lexicon.words("person_nouns")
PRONOUNS = lexicon.PRONOUNS
RESOLVE_WINDOW_CHARS = 2500  # how far back a pronoun looks for an antecedent


def titles() -> frozenset[str]:
    return lexicon.words("titles")


def group_words() -> frozenset[str]:
    return lexicon.words("group_words")


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
           and doc.words[hi + 1].text.lower() not in lexicon.words("time_words")):
        hi += 1
        indices.add(hi)
    words = [doc.words[i] for i in range(lo, hi + 1) if i in indices]
    while words and (words[0].upos in ("PUNCT", "CCONJ") or words[0].rel in ("case", "fixed")
                     or len(words) > 1 and words[0].lemma.lower() in lexicon.words("opening_adverbs")):  # 'Meanwhile Rihanna'
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
    """The proper name a head word ends: 'US President Donald Trump' -> [Donald, Trump]."""
    if head.upos != "PROPN" and not (head.text[:1].isupper() and head.upos in ("NOUN", "X")):
        return []
    chain = [head]
    j = head.index + 1
    while j < len(doc.words) and doc.words[j].upos == "PROPN" and doc.words[j].sentence == head.sentence \
            and doc.words[j].text.lower() not in lexicon.words("time_words"):
        chain.append(doc.words[j])
        j += 1
    i = head.index - 1
    while i >= 0 and doc.words[i].sentence == head.sentence:
        w = doc.words[i]
        if w.upos == "PROPN" or (w.text[:1].isupper() and w.text.lower() in titles()) or (
                w.upos == "ADJ" and w.text[:1].isupper() and i > doc.sentences[w.sentence].start) or (
                w.text.endswith(".") and len(w.text) <= 3 and w.text[:1].isupper()):
            chain.insert(0, w)
            i -= 1
            continue
        break
    # Names are capitalised: "northwestern" tagged PROPN is not part of one.
    while len(chain) > 1 and not chain[0].text[:1].isupper():
        chain = chain[1:]
    # Titles: keep what follows the last title word.
    cut = 0
    for k, w in enumerate(chain[:-1]):
        if w.text.lower() in titles():
            cut = k + 1
    chain = chain[cut:]
    # Possessives or genitive leftovers ("Iran's") are not part of a name.
    return [w for w in chain if w.upos != "PART"]


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


def make_mention(doc: ParsedDocument, head: Word) -> Mention:
    words = noun_phrase(doc, head)
    text = _text(words, doc)
    span = Span(words[0].start, words[-1].end)
    plural = head.has_feat("Number=Plur") or head.xpos in ("NNS", "NNPS") or any(
        c.rel == "conj" for c in doc.children(head))
    if head.upos == "PRON" or head.text.lower() in PRONOUNS and len(words) == 1:
        return Mention(words, head, "pronoun", text, span, head.text.lower(), plural, True)
    chain = name_chain(doc, head)
    if not chain and head.upos == "NOUN":
        # 'New Yorker reporter Dexter Filkins' headed by the role noun: the name follows it
        after = [w for w in words if w.index > head.index and w.upos == "PROPN"]
        if after and after[0].index == head.index + 1:
            chain = name_chain(doc, after[-1])
    if chain and not any(c.rel == "conj" for c in doc.children(head)):
        return Mention(words, head, "name", text, span, _text(chain, doc), plural, True)
    definite = any(c.lemma.lower() in ("the", "this", "that", "these", "those") for c in doc.children(head, "det"))
    return Mention(words, head, "nominal", text, span, text, plural, definite)


@dataclass
class Entity:
    speaker_id: str
    name: str
    kind: SpeakerKind
    gender: str | None = None
    head_lemmas: set[str] = field(default_factory=set)
    plural: bool | None = None  # number of its descriptions, when it was described
    mentions: list[Span] = field(default_factory=list)
    # The latest place the text names it, speaker or not (what a pronoun is linked to).
    last_named: Span | None = None
    last_position: int = 0
    quote_count: int = 0


class SpeakerResolver:
    """Resolves speaker mentions of one document, in text order, to entities."""

    def __init__(self, doc: ParsedDocument, quoted=lambda word: False) -> None:
        self.doc = doc
        self._quoted = quoted  # names inside quote marks are what someone said, not antecedents
        self.entities: list[Entity] = []
        self._names = self._name_inventory()

    def _name_inventory(self) -> list[tuple[int, list[Word]]]:
        """Every proper name in the document (start offset, words), for fullest-name lookups."""
        names = []
        for w in self.doc.words:
            if w.upos != "PROPN":
                continue
            nxt = self.doc.words[w.index + 1] if w.index + 1 < len(self.doc.words) else None
            if nxt is not None and nxt.upos == "PROPN" and nxt.sentence == w.sentence:
                continue  # not the last word of its name
            chain = name_chain(self.doc, w)
            if chain:
                names.append((chain[0].start, chain))
        return names

    def _fullest_name(self, chain_text: str) -> str:
        tokens = chain_text.split()
        best = chain_text
        for _, chain in self._names:
            words = [w.text for w in chain]
            if len(words) > len(best.split()) and words[-len(tokens):] == tokens and not any(
                    t.lower() in group_words() for t in words[:-len(tokens)]):
                best = " ".join(words)
        return best

    @staticmethod
    def _name_kind(name: str) -> SpeakerKind:
        tokens = name.split()
        if any(t.lower().strip(".") in group_words() for t in tokens):
            return SpeakerKind.ORGANIZATION
        if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) >= 2:
            return SpeakerKind.ORGANIZATION  # acronyms: PMF, IRGC
        if len(tokens) >= 2:
            return SpeakerKind.PERSON
        return SpeakerKind.UNKNOWN

    def _new_entity(self, name: str, kind: SpeakerKind) -> Entity:
        entity = Entity(speaker_id=f"s{len(self.entities) + 1}", name=name, kind=kind)
        self.entities.append(entity)
        return entity

    def _match_name(self, name: str) -> Entity | None:
        tokens = name.lower().split()
        for entity in reversed(self.entities):
            known = entity.name.lower().split()
            if known == tokens or (known[-len(tokens):] == tokens and entity.kind != SpeakerKind.GROUP):
                return entity
            if tokens[-len(known):] == known and len(known) >= 1 and entity.kind == SpeakerKind.PERSON:
                entity.name = name if len(name) > len(entity.name) else entity.name
                return entity
        return None

    def _antecedent(self, pronoun: str, position: int) -> Entity | None:
        gender, number = PRONOUNS.get(pronoun, (None, "sg"))
        if number in ("sg1", "pl1", "2", "rel"):
            return None
        best: Entity | None = None
        for entity in self.entities:
            if entity.last_position > position or position - entity.last_position > RESOLVE_WINDOW_CHARS:
                continue
            if not self._compatible(entity, gender, number):
                continue
            # he/she: a known person beats a nearer name of unknown kind (often a place)
            rank = (entity.kind == SpeakerKind.PERSON if gender in ("m", "f") else True, entity.last_position)
            if best is None or rank > best_rank:
                best, best_rank = entity, rank
        # A named person mentioned after that speaker (and before the pronoun) is nearer.
        if gender in ("m", "f"):
            floor = best.last_position if best else position - RESOLVE_WINDOW_CHARS
            for start, chain in reversed(self._names):
                if not floor < start < position or not (any(w.rel in ("nsubj", "nsubj:pass") for w in chain)
                                                        or self._before_finite_verb(chain)):
                    continue
                if self.doc.children(chain[-1], "case"):
                    # 'Janet Osei, a nurse at St. Luke's Hospital, said': a name in a prepositional
                    # phrase (at, of, for) is where the speaker works, not a new subject
                    continue
                if self._quoted(chain[-1]):
                    continue
                # "Trump threatened Iran ... 'X,' he said": a person named as a subject since
                # the last speaker is the nearer antecedent.
                name = self._fullest_name(" ".join(w.text for w in chain))
                kind = self._name_kind(name)
                # a lone capitalised name as subject ('Trump threatened ...') is taken for a person
                # by he/she (places and organisations are "it" and "they")
                if kind == SpeakerKind.ORGANIZATION:
                    continue
                entity = self._match_name(name) or self._new_entity(name, SpeakerKind.PERSON)
                if self._compatible(entity, gender, number):
                    entity.last_named = Span(chain[0].start, chain[-1].end)
                    return entity
                return best
        return best

    def _before_finite_verb(self, chain: list[Word]) -> bool:
        """'Soleimani "sought to ...': a name right before a finite verb is its subject, however
        the parse labelled it."""
        i = chain[-1].index + 1
        # only quote marks may stand between ('Soleimani "sought'): after a comma the name ends an
        # aside ('Lang, an analyst at Meridian Capital, said') and the verb is someone else's
        while i < len(self.doc.words) and self.doc.words[i].upos == "PUNCT" and self.doc.words[i].text not in ",;(":
            i += 1
        return (i < len(self.doc.words) and self.doc.words[i].sentence == chain[-1].sentence
                and self.doc.words[i].upos in ("VERB", "AUX") and self.doc.words[i].xpos in FINITE_XPOS)

    @staticmethod
    def _compatible(entity: Entity, gender: str | None, number: str) -> bool:
        if gender in ("m", "f"):
            return entity.kind in (SpeakerKind.PERSON, SpeakerKind.UNKNOWN) and entity.gender in (None, gender)
        if gender == "n":
            return entity.kind in (SpeakerKind.ORGANIZATION, SpeakerKind.UNKNOWN)
        if number == "pl":
            return entity.kind in (SpeakerKind.GROUP, SpeakerKind.ORGANIZATION)
        return True

    def resolve(self, mention: Mention) -> tuple[Speaker, bool]:
        """The speaker for ``mention``; the flag says whether it was linked to an antecedent."""
        position = mention.span.start
        entity: Entity | None = None
        linked = False
        if mention.form == "pronoun":
            entity = self._antecedent(mention.name, position)
            linked = entity is not None
            if entity is not None and mention.name in lexicon.GENDERED_PRONOUNS and entity.gender is None:
                entity.gender = "m" if mention.name == "he" else "f"
                entity.kind = SpeakerKind.PERSON
            if entity is None:
                kind = (SpeakerKind.PERSON if mention.name in lexicon.PERSON_PRONOUNS
                        else SpeakerKind.UNKNOWN)
                entity = self._new_entity(mention.text, kind)
        elif mention.form == "name":
            name = self._fullest_name(mention.name)
            entity = self._match_name(name)
            linked = entity is not None
            if entity is None:
                entity = self._new_entity(name, self._name_kind(name))
        else:
            lemmas = {mention.head.lemma.lower()} | {c.lemma.lower() for c in self.doc.children(mention.head, "conj")}
            if mention.definite:
                for candidate in reversed(self.entities):
                    if candidate.plural is not None and candidate.plural != mention.plural:
                        continue  # 'the official' is not 'US officials'
                    if lemmas & candidate.head_lemmas and position - candidate.last_position <= RESOLVE_WINDOW_CHARS * 2:
                        entity = candidate
                        linked = True
                        break
            if entity is None:
                head_lemma = mention.head.lemma.lower()
                if head_lemma in group_words():
                    kind = SpeakerKind.ORGANIZATION
                elif mention.plural:
                    kind = SpeakerKind.GROUP
                elif head_lemma in PERSON_NOUNS or head_lemma in titles():
                    kind = SpeakerKind.PERSON
                else:
                    kind = SpeakerKind.UNKNOWN
                entity = self._new_entity(mention.text, kind)
            elif len(mention.text) > len(entity.name) and not linked:
                entity.name = mention.text
            entity.head_lemmas |= lemmas
            if entity.plural is None:
                entity.plural = mention.plural
        antecedent = entity.last_named if linked else None
        if mention.form == "pronoun":
            resolution = Resolution.PRONOUN_ANTECEDENT if linked else Resolution.UNRESOLVED_PRONOUN
        else:
            resolution = Resolution.EARLIER_MENTION if linked else Resolution.MENTION
        entity.mentions.append(mention.span)
        entity.last_named = mention.span
        entity.last_position = max(entity.last_position, position)
        entity.quote_count += 1
        speaker = Speaker(mention=mention.text, mention_span=mention.span, name=entity.name,
                          speaker_id=entity.speaker_id, kind=entity.kind, resolution=resolution,
                          antecedent_span=antecedent)
        return speaker, linked

    def inherit(self, speaker: Speaker, resolution: Resolution) -> Speaker:
        """The same speaker again for a quote attributed by context or by the same mention."""
        for entity in self.entities:
            if entity.speaker_id == speaker.speaker_id:
                entity.quote_count += 1
        return Speaker(mention="", mention_span=None, name=speaker.name,
                       speaker_id=speaker.speaker_id, kind=speaker.kind, resolution=resolution,
                       antecedent_span=speaker.mention_span)

    def index(self) -> list[SpeakerEntry]:
        return [SpeakerEntry(e.speaker_id, e.name, e.kind, sorted(set(e.mentions)), e.quote_count)
                for e in self.entities]
