"""Resolving speaker mentions of one document, in text order, to the entities it talks about.

- Names resolve to the fullest form the document gives ("Cohen" -> "Yossi Cohen"), titles dropped.
- Pronouns resolve to the nearest earlier compatible speaker or named person (he/she: a person of
  no conflicting gender; they: a group or organisation; it: an organisation).
- Definite descriptions ("the officials", "the official") resolve to the earlier speaker described
  with the same head noun, named by its fullest description.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.attribution import lexicon
from service.attribution.parsed import FINITE_XPOS, ParsedDocument, Word
from service.attribution.spans import Resolution, Span, Speaker, SpeakerEntry, SpeakerKind
from service.attribution.speakers.mentions import Mention, name_chain


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
                    t.lower() in lexicon.GROUP_WORDS for t in words[:-len(tokens)]):
                best = " ".join(words)
        return best

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
                if head_lemma in lexicon.GROUP_WORDS:
                    kind = SpeakerKind.ORGANIZATION
                elif mention.plural:
                    kind = SpeakerKind.GROUP
                elif head_lemma in lexicon.PERSON_NOUNS or head_lemma in lexicon.TITLES:
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
