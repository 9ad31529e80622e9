"""What the extraction passes share: a find (a quote before speaker resolution) and the work
of one document (its quotation regions, each word's cue, the finds so far); and how a reported
clause becomes a find, typed by how much of it lies inside quote marks."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Protocol

from service.attribution import cues as cue_lexicon
from service.attribution.clauses.clause import ReportedClause
from service.document import ParsedDocument, Word
from service.attribution.quote_marks import QuotedRegion, find_quoted_regions
from service.attribution.rules import Rule
from service.attribution.spans import QuoteType, Span


DIRECT_COVERAGE = 0.8  # share of a clause's letters inside quote marks that makes it DIRECT


@dataclass
class Found:
    """A quote before speaker resolution."""

    span: Span
    type: QuoteType
    cue: Word | None
    cue_lemma: str
    cue_span: Span | None
    speaker_head: Word | None
    rule: Rule
    sentence: int
    region_keys: tuple[int, ...] = ()
    parts: tuple[Span, ...] = ()  # the speaker's words around an inserted attribution; () when one

    # Later passes change a find only through these steps.

    def continue_into(self, key: int, end: int) -> None:
        """The quotation goes on in region ``key``, up to ``end``."""
        self.span = Span(self.span.start, end)
        self.region_keys += (key,)
        if self.parts:
            self.parts = self.parts[:-1] + (Span(self.parts[-1].start, end),)

    def take_first_half(self, key: int, start: int, end: int) -> None:
        """Region ``key`` before this find is the first half of one split quotation."""
        self.span = Span(start, max(self.span.end, end))
        self.region_keys = (key,) + self.region_keys
        self.rule = Rule.SPLIT
        self.parts = ()

    def take_attribution(self, other: "Found") -> None:
        """Speaker and cue from ``other``, a find of the same words that had them."""
        self.speaker_head, self.cue, self.cue_lemma, self.cue_span = (
            other.speaker_head, other.cue, other.cue_lemma, other.cue_span)

    def share_speaker(self, other: "Found") -> None:
        self.speaker_head = other.speaker_head


class Proposer(Protocol):
    """What proposes finds the rules missed (``proposals.ProposalModel``), as the passes see it."""

    def propose(self, doc: ParsedDocument, found: list["Found"], regions: list[QuotedRegion],
                claimed: set[int]) -> list["Found"]: ...


@dataclass
class Work:
    """What the passes share: the document, its quotation regions, each word's cue, the finds."""

    doc: ParsedDocument
    regions: list[QuotedRegion]
    cues: dict[int, cue_lexicon.CueMatch | None]
    found: list[Found] = field(default_factory=list)
    claimed_regions: set[int] = field(default_factory=set)
    proposer: Proposer | None = None  # the learned proposals (``proposals.ProposalModel``), if any

    @classmethod
    def of(cls, doc: ParsedDocument) -> "Work":
        # Each word's cue, looked up once (the quotation pass asks again about the same words).
        return cls(doc, find_quoted_regions(doc.text),
                   {word.index: cue_lexicon.match_cue(doc, word) for word in doc.words})


def quote_test(regions: list[QuotedRegion]):
    """A predicate: does a word start inside a region's content (inside quote marks, then it is
    never a speaker or a cue)? By bisection over the contents, merged: asked of most words."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in sorted((r.content.start, r.content.end) for r in regions):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        elif start < end:
            starts.append(start)
            ends.append(end)

    def quoted(word: Word) -> bool:
        at = bisect_right(starts, word.start) - 1
        return at >= 0 and word.start < ends[at]
    return quoted


def _letters(text: str, span: Span) -> int:
    return sum(1 for ch in text[span.start:span.end] if ch.isalnum())


def mostly_quoted(clause: ReportedClause, regions: list[QuotedRegion]) -> bool:
    span = Span(clause.start, clause.end)
    covered = sum(span.overlap(r.outer) for r in regions)
    return covered >= DIRECT_COVERAGE * len(span)


def clause_parts(clause: ReportedClause) -> list[Span]:
    """The clause's runs of consecutive words: two around an inserted attribution, else one."""
    runs: list[list[Word]] = []
    for w in clause.words:
        if runs and w.index == runs[-1][-1].index + 1:
            runs[-1].append(w)
        else:
            runs.append([w])
    return [Span(run[0].start, run[-1].end) for run in runs]


def classify(doc: ParsedDocument, clause: ReportedClause, regions: list[QuotedRegion],
              cue: Word, lemma: str, cue_span: Span, speaker: Word | None, rule: Rule,
              claimed: set[int]) -> Found:
    span = Span(clause.start, clause.end)
    parts = clause_parts(clause) if clause.around else []
    if len(parts) > 1:
        return _classify_parts(doc, parts, regions, cue, lemma, cue_span, speaker, rule, claimed)
    # '"X," Defense Secretary Mark Esper said': words between a closing mark and the cue after it
    # are the attribution, however the parse attached them.
    for r in regions:
        if r.close_mark is not None and span.start <= r.content.start and r.outer.end <= cue.start < span.end + 200 \
                and r.outer.end < span.end <= cue.start + len(cue.text) \
                and not any(w.upos in ("VERB", "AUX") for w in doc.words_between(r.outer.end, cue.start)):
            span = Span(span.start, r.content.end)
    inside = [k for k, r in enumerate(regions) if r.content.overlap(span) > 0]
    if not inside:
        return Found(span, QuoteType.INDIRECT, cue, lemma, cue_span, speaker, rule, cue.sentence)
    quoted_letters = sum(_letters(doc.text, Span(max(span.start, regions[k].content.start),
                                                 min(span.end, regions[k].content.end))) for k in inside)
    claimed.update(inside)
    if quoted_letters >= DIRECT_COVERAGE * max(1, _letters(doc.text, span)):
        # The whole report is a quotation: its span is the quotation's (which may run over
        # several sentences beyond the parsed clause).
        direct_span = Span(regions[inside[0]].content.start, regions[inside[-1]].content.end)
        return Found(direct_span, QuoteType.DIRECT, cue, lemma, cue_span, speaker, rule,
                      cue.sentence, tuple(inside))
    # A mixed quote ends where its quotation ends, even past where the parse closed the clause.
    end = max([span.end] + [regions[k].content.end for k in inside if regions[k].content.start >= span.start])
    return Found(Span(span.start, end), QuoteType.MIXED, cue, lemma, cue_span, speaker, rule, cue.sentence, tuple(inside))


def _classify_parts(doc: ParsedDocument, parts: list[Span], regions: list[QuotedRegion],
                    cue: Word, lemma: str, cue_span: Span, speaker: Word | None, rule: Rule,
                    claimed: set[int]) -> Found:
    """A clause in pieces around its attribution ('The bridge, she said, "will open late"'):
    MIXED when some of it is quoted (the unquoted piece is the reporter's), else INDIRECT; a
    quotation it reaches into ends it."""
    inside = [k for k, r in enumerate(regions) if any(r.content.overlap(p) > 0 for p in parts)]
    claimed.update(inside)
    end = max([parts[-1].end] + [regions[k].content.end for k in inside
                                 if regions[k].content.start >= parts[-1].start])
    parts = parts[:-1] + [Span(parts[-1].start, end)]
    kind = QuoteType.MIXED if inside else QuoteType.INDIRECT
    return Found(Span(parts[0].start, end), kind, cue, lemma, cue_span, speaker, rule,
                 cue.sentence, tuple(inside), tuple(parts))
