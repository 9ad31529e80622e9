"""Resolving speaker mentions of one document, in text order, to the entities it talks about.

- Names resolve to the fullest form the document gives ("Cohen" -> "Yossi Cohen", "Doe-Smith" ->
  "Jane Doe-Smith"), matched without particles and suffixes; titles go to their own field.
- Pronouns resolve to the nearest earlier compatible speaker or named person (he/she: a person of
  no conflicting gender; they: a group or organisation; it: an organisation). A person's gender is
  what the text shows: a first name (``lexicon.first_name_gender``), a gendered title or noun
  ("Mrs.", "congressman", "the actress": ``lexicon.noun_gender``), or he/she already linked.
- Definite descriptions ("the officials", "the official") resolve to the earlier speaker described
  with the same head noun, named by its fullest description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from service.attribution import lexicon
from service.document import FINITE_XPOS, ParsedDocument, Word
from service.attribution.spans import Resolution, Span, Speaker, SpeakerEntry, SpeakerKind
from service.attribution.speakers.mentions import Mention, name_parts


RESOLVE_WINDOW_CHARS = 2500  # how far back a pronoun looks for an antecedent


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
    title: str = ""  # the longest title the text gives the name ('Fire Chief')
    deictic: bool = False  # known only as "I", "we" or "you": no antecedent for he, she, they


@lru_cache(maxsize=8192)  # pure, and asked about the same few names thousands of times a document
def name_key(name: str, loose: bool = False) -> tuple[str, ...]:
    """A name's words for matching, lower-cased, without suffixes and lower-case particles:
    'Ludwig van der Berg' -> [ludwig, berg], 'Abu Bakr al-Baghdadi' -> [abu, bakr, baghdadi],
    'Robert Allenby Jr.' -> [robert, allenby]; hyphenated surnames stay one word ('doe-smith').
    ``loose`` drops capitalised particles too ('De Blasio' -> [blasio]), which may be first
    names ('Al Sharpton')."""
    out = []
    for token in name.replace(",", " ").replace("\u2019", "'").split():
        lower = token.lower()
        particle, _, rest = lower.partition("-")
        if lower in lexicon.NAME_SUFFIXES:
            continue
        if lower in lexicon.NAME_PARTICLES and (loose or token.islower()):
            continue
        if rest and particle in lexicon.NAME_PARTICLES and (loose or token[:1].islower()):
            lower = rest
        out.append(lower)
    return tuple(out or name.lower().split())


@lru_cache(maxsize=8192)
def ends_like(known: str, name: str) -> bool:
    """Whether the name ``known`` ends with ``name`` ('Jane Doe-Smith', 'Doe-Smith'; 'Bill de
    Blasio', 'De Blasio')."""
    for loose in (False, True):
        a, b = name_key(known, loose), name_key(name, loose)
        if a[-len(b):] == b:
            return True
    return False


def gender_evidence(name: str, title: str = "") -> str | None:
    """What a name and its title say of a person's gender: a gendered title word first ('Mr.',
    'Congresswoman'), else the first name; None when they say nothing."""
    for word in reversed(title.split()):
        gender = lexicon.noun_gender(word)
        if gender:
            return gender
    tokens = [t for t in name.split() if not (len(t.rstrip(".")) <= 1 or t.endswith("."))]
    # (the lexicon leaves out names borne more often as surnames: 'Lee', 'Martin')
    return lexicon.first_name_gender(tokens[0]) if tokens else None


@dataclass
class NamedInText:
    """A proper name as the text writes it: where, its words, its title's words."""

    start: int
    words: list[Word]
    title: list[Word]


class SpeakerResolver:
    """Resolves speaker mentions of one document, in text order, to entities."""

    def __init__(self, doc: ParsedDocument, quoted=lambda word: False) -> None:
        self.doc = doc
        self._quoted = quoted  # names inside quote marks are what someone said, not antecedents
        self.entities: list[Entity] = []
        self._names = self._name_inventory()
        # Pronoun mentions linked to a person of no known gender (the agreement is a guess).
        self.unknown_agreement: set[Span] = set()

    def _name_inventory(self) -> list[NamedInText]:
        """Every proper name in the document, in order, for fullest-name lookups."""
        names = []
        covered: set[int] = set()
        for w in self.doc.words:
            if w.upos != "PROPN" or w.index in covered:
                continue
            title, chain = name_parts(self.doc, w)
            covered |= {x.index for x in title + chain}
            if chain:
                names.append(NamedInText(chain[0].start, chain, title))
        return names

    def _text(self, words: list[Word]) -> str:
        return self.doc.text[words[0].start:words[-1].end] if words else ""

    def _fullest_name(self, chain_text: str) -> tuple[str, str]:
        """The fuller name the document gives that ends like ``chain_text`` ('Doe-Smith' -> 'Jane
        Doe-Smith'), the first one it gives where there are several ('Clinton': 'Hillary
        Clinton' before 'Bill Clinton'; most often whom the article is about); and the longest
        title the text gives that name."""
        def size(name: str) -> tuple[int, int]:
            # without capitalised particles, then with ('Al Sharpton' is fuller than 'Sharpton')
            return len(name_key(name, loose=True)), len(name_key(name))

        names = self._fuller_names(chain_text)
        fuller = [n for n in names if size(n[1]) > size(chain_text)]
        if not fuller:
            return chain_text, max((title for key, _, title in names if key == name_key(chain_text)),
                                   key=len, default="")
        name = fuller[0][1]
        return name, max((title for key, _, title in names if key == name_key(name)), key=len)

    def _fuller_names(self, chain_text: str) -> list[tuple[tuple[str, ...], str, str]]:
        """(key, name, title) of each name in the text that ends like ``chain_text`` and is at
        least as long, in text order."""
        size = len(name_key(chain_text))
        out = []
        for named in self._names:
            name = self._text(named.words)
            known = name_key(name)
            if len(known) >= size and ends_like(name, chain_text) \
                    and not any(t in lexicon.GROUP_WORDS for t in known[:len(known) - size]):
                out.append((known, name, self._text(named.title)))
        return out

    @staticmethod
    def _name_kind(name: str) -> SpeakerKind:
        tokens = name.split()
        if any(t.lower().strip(".") in lexicon.GROUP_WORDS for t in tokens):
            return SpeakerKind.ORGANIZATION
        if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) >= 2:
            return SpeakerKind.ORGANIZATION  # acronyms: PMF, IRGC
        if len(tokens) >= 2:
            return SpeakerKind.PERSON
        return SpeakerKind.UNKNOWN

    def _new_entity(self, name: str, kind: SpeakerKind, title: str = "", named: bool = True) -> Entity:
        """A new entity; ``named``: ``name`` is a proper name (its first name says a gender)."""
        entity = Entity(speaker_id=f"s{len(self.entities) + 1}", name=name, kind=kind)
        self.entities.append(entity)
        if named:
            self._learn(entity, name, title)
        return entity

    @staticmethod
    def _learn(entity: Entity, name: str, title: str) -> None:
        """What a naming of the entity adds: its longest title, its gender where the entity's
        is still unknown."""
        if len(title) > len(entity.title):
            entity.title = title
        if entity.gender is None and entity.kind in (SpeakerKind.PERSON, SpeakerKind.UNKNOWN):
            entity.gender = gender_evidence(name, title)
            if entity.gender is not None:
                entity.kind = SpeakerKind.PERSON  # 'Melanie': a first name names a person

    def _match_name(self, name: str) -> Entity | None:
        tokens = name_key(name)
        for entity in reversed(self.entities):
            known = name_key(entity.name)
            if known == tokens or (ends_like(entity.name, name) and entity.kind != SpeakerKind.GROUP):
                return entity
            if ends_like(name, entity.name) and entity.kind == SpeakerKind.PERSON:
                entity.name = name if len(name) > len(entity.name) else entity.name
                return entity
        return None

    def _antecedent(self, pronoun: str, position: int) -> Entity | None:
        gender, number = lexicon.PRONOUNS.get(pronoun, (None, "sg"))
        if number in ("sg1", "pl1", "2", "rel"):
            return None
        best: Entity | None = None
        best_rank: tuple = ()
        for entity in self.entities:
            if entity.last_position > position or position - entity.last_position > RESOLVE_WINDOW_CHARS:
                continue
            if not self._compatible(entity, gender, number):
                continue
            # he/she: a known person beats a nearer name of unknown kind (often a place)
            rank = (entity.kind == SpeakerKind.PERSON if gender in ("m", "f") else True, entity.last_position)
            if best is None or rank > best_rank:
                best, best_rank = entity, rank
        # A named person mentioned after that speaker (and before the pronoun) is nearer. One the
        # text shows to be of the other gender is never taken: the speaker stands; with no
        # speaker to fall back on, the scan goes on to earlier names.
        if gender in ("m", "f"):
            floor = best.last_position if best else position - RESOLVE_WINDOW_CHARS
            for named in reversed(self._names):
                chain = named.words
                last = next((w for w in reversed(chain) if w.upos == "PROPN"), chain[-1])
                if not floor < named.start < position or not (any(w.rel in ("nsubj", "nsubj:pass") for w in chain)
                                                              or self._before_finite_verb(chain)):
                    continue
                if self.doc.children(last, "case"):
                    # 'Janet Osei, a nurse at St. Luke's Hospital, said': a name in a prepositional
                    # phrase (at, of, for) is where the speaker works, not a new subject
                    continue
                if self._quoted(last):
                    continue
                # "Trump threatened Iran ... 'X,' he said": a person named as a subject since
                # the last speaker is the nearer antecedent.
                name, title = self._fullest_name(self._text(chain))
                title = self._text(named.title) or title
                kind = self._name_kind(name)
                # a lone capitalised name as subject ('Trump threatened ...') is taken for a person
                # by he/she (places and organisations are "it" and "they")
                if kind == SpeakerKind.ORGANIZATION:
                    continue
                entity = self._match_name(name)
                if entity is None:
                    entity = self._new_entity(name, SpeakerKind.PERSON, title)
                else:
                    self._learn(entity, name, title)
                if self._compatible(entity, gender, number):
                    entity.last_named = Span(chain[0].start, chain[-1].end)
                    return entity
                if best is not None:
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
        if entity.deictic:
            return False
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
            if entity is not None and mention.name in lexicon.GENDERED_PRONOUNS:
                if entity.gender is None:
                    # linked with nothing in the text to say the genders agree: a weaker link
                    self.unknown_agreement.add(mention.span)
                    entity.gender = "m" if mention.name == "he" else "f"
                entity.kind = SpeakerKind.PERSON
            if entity is None:
                kind = (SpeakerKind.PERSON if mention.name in lexicon.PERSON_PRONOUNS
                        else SpeakerKind.UNKNOWN)
                entity = self._new_entity(mention.text, kind, named=False)
                entity.deictic = lexicon.PRONOUNS.get(mention.name, (None, ""))[1] in ("sg1", "pl1", "2")
                if mention.name in lexicon.GENDERED_PRONOUNS:
                    entity.gender = "m" if mention.name == "he" else "f"
        elif mention.form == "name":
            name, title = self._fullest_name(mention.name)
            title = mention.title or title
            entity = self._match_name(name)
            linked = entity is not None
            if entity is None:
                kind = self._name_kind(name)
                if kind == SpeakerKind.UNKNOWN and title:
                    kind = SpeakerKind.PERSON  # 'Mr. Lindqvist': a titled name is a person
                entity = self._new_entity(name, kind, title)
            else:
                self._learn(entity, name, title)
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
                if head_lemma in lexicon.GROUP_WORDS:
                    kind = SpeakerKind.ORGANIZATION
                elif mention.plural:
                    kind = SpeakerKind.GROUP
                elif head_lemma in lexicon.PERSON_NOUNS or head_lemma in lexicon.TITLES \
                        or lexicon.noun_gender(head_lemma):
                    kind = SpeakerKind.PERSON
                else:
                    kind = SpeakerKind.UNKNOWN
                entity = self._new_entity(mention.text, kind, named=False)
            elif len(mention.text) > len(entity.name) and not linked:
                entity.name = mention.text
            if entity.gender is None and not mention.plural and entity.kind != SpeakerKind.ORGANIZATION:
                entity.gender = lexicon.noun_gender(mention.head.lemma)  # 'the actress'
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
                          antecedent_span=antecedent, title=entity.title,
                          agreement_unknown=mention.span in self.unknown_agreement)
        return speaker, linked

    def inherit(self, speaker: Speaker, resolution: Resolution) -> Speaker:
        """The same speaker again for a quote attributed by context or by the same mention."""
        for entity in self.entities:
            if entity.speaker_id == speaker.speaker_id:
                entity.quote_count += 1
        return Speaker(mention="", mention_span=None, name=speaker.name,
                       speaker_id=speaker.speaker_id, kind=speaker.kind, resolution=resolution,
                       antecedent_span=speaker.mention_span, title=speaker.title)

    def index(self) -> list[SpeakerEntry]:
        return [SpeakerEntry(e.speaker_id, e.name, e.kind, sorted(set(e.mentions)), e.quote_count,
                             e.title) for e in self.entities]
