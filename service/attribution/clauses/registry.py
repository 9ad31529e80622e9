"""The clause finders, in the one order they are tried: the single source of rule order.

For each speech cue (a word the cue lexicon knows, outside quote marks) the finders below are
asked in turn; the first that answers a clause wins. A finder answers a ``ReportedClause`` whose
``rule`` says exactly which rule found it (the object finder answers OBJECT or TOPIC). Manner
verbs ("spoke", "joked") ask only the finders marked ``manner``; a ``final`` finder's clause is
taken as it is (it has its own speaker and needs none of the clean-up of the others).

Before a word's cue is looked at, two triggers that are not cues run (``extractor``): "according
to X" (ACCORDING, ``according_to.according_to_clause``) and a naming act cut out of an earlier
cue's report (OBJECT, ``objects.naming_content``). Quotations no clause took are found after all
clauses, by ``quotations`` (ADJACENT, COLON, SPLIT, CONTEXT). Among overlapping finds, the
rule's precedence (``rules.Rule``) decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from service.attribution.clauses.clause import ReportedClause
from service.attribution.clauses.complement import answer_content, complement_clause
from service.attribution.clauses.objects import object_content
from service.attribution.clauses.parenthetical import (closing_inverted_attribution,
                                                       inserted_attribution_clause,
                                                       parenthetical_clause,
                                                       trailing_attribution_clause)
from service.attribution.clauses.surface import surface_bare_clause, surface_that_clause
from service.document import ParsedDocument, Word
from service.attribution.rules import Rule
from service.attribution.speakers.heads import speaker_head


@dataclass
class CueSite:
    """One cue in its document: what every finder is asked about."""

    doc: ParsedDocument
    cue: Word
    lemma: str
    quoted: Callable[[Word], bool]
    regions: list = field(default_factory=list)  # the document's quotation regions
    _speaker: list = field(default_factory=list)

    @property
    def speaker(self) -> Word | None:
        """The cue's speaker head (``speakers.heads.speaker_head``), looked up once."""
        if not self._speaker:
            self._speaker.append(speaker_head(self.doc, self.cue, quoted=self.quoted))
        return self._speaker[0]


@dataclass(frozen=True)
class ClauseFinder:
    rule: Rule  # the rule it finds (the clause's own ``rule`` says exactly)
    name: str
    find: Callable[[CueSite], ReportedClause | None]
    manner: bool = False  # also asked for manner verbs ('spoke about X', '"X," he joked')
    final: bool = False  # its clause carries its speaker and is taken as it is


def _closing_inverted(site: CueSite) -> ReportedClause | None:
    found = closing_inverted_attribution(site.doc, site.cue)
    return replace(found[0], speaker=found[1]) if found is not None else None


CLAUSE_FINDERS: tuple[ClauseFinder, ...] = (
    ClauseFinder(Rule.PARENTHETICAL, "closing inverted attribution ('X, said Rita Katz, ...')",
                 _closing_inverted, final=True),
    ClauseFinder(Rule.OBJECT, "one-word answer ('said [yes]')",
                 lambda s: answer_content(s.doc, s.cue), manner=True),
    ClauseFinder(Rule.PARENTHETICAL, "inserted attribution ('[The bridge], she said, [will open]')",
                 lambda s: inserted_attribution_clause(s.doc, s.cue, s.lemma, s.regions,
                                                       complement_clause(s.doc, s.cue, s.lemma))),
    ClauseFinder(Rule.COMPLEMENT, "complement ('said [X]')",
                 lambda s: complement_clause(s.doc, s.cue, s.lemma), manner=True),
    ClauseFinder(Rule.PARENTHETICAL, "parenthetical ('X, a source said, is Y')",
                 lambda s: parenthetical_clause(s.doc, s.cue)),
    ClauseFinder(Rule.SURFACE, "that-clause read off the surface",
                 lambda s: surface_that_clause(s.doc, s.cue)),
    ClauseFinder(Rule.PARENTHETICAL, "trailing attribution ('X, officials said Friday.')",
                 lambda s: trailing_attribution_clause(s.doc, s.cue, s.speaker)),
    ClauseFinder(Rule.SURFACE, "bare clause read off the surface ('Iran said [it had ...]')",
                 lambda s: surface_bare_clause(s.doc, s.cue, s.lemma)),
    ClauseFinder(Rule.OBJECT, "object or topic ('praised [X]', 'spoke about [X]')",
                 lambda s: object_content(s.doc, s.cue, s.lemma), manner=True),
)


def first_clause(site: CueSite, manner_only: bool) -> tuple[ClauseFinder, ReportedClause] | None:
    """The first finder (in ``CLAUSE_FINDERS`` order) that answers for this cue, with its clause."""
    for finder in CLAUSE_FINDERS:
        if manner_only and not finder.manner:
            continue
        clause = finder.find(site)
        if clause is not None:
            return finder, clause
    return None
