"""What a clause finder answers: the words a cue reports, and the rule that found them."""

from __future__ import annotations

from dataclasses import dataclass

from service.document import Word
from service.attribution.rules import Rule


# Dependents that are not part of the clause's content span.
_EDGE_UPOS = ("PUNCT", "CCONJ")


@dataclass(frozen=True)
class ReportedClause:
    words: list[Word]  # the content, in text order, edges trimmed
    rule: Rule  # the rule that found it (service.attribution.rules)
    speaker: Word | None = None  # the speaker's head, where the finder read it off the shape
    around: bool = False  # the words run on both sides of the attribution: a quote in two parts

    @property
    def start(self) -> int:
        return self.words[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end


def trim(words: list[Word], cue: Word | None = None) -> list[Word]:
    """Drop punctuation, conjunctions and the complementiser at the edges of a clause."""
    while words and (words[0].upos in _EDGE_UPOS or words[0].rel == "mark" and words[0].lemma.lower() in ("that", "whether", "if")):
        words = words[1:]
    while words and words[-1].upos in _EDGE_UPOS:
        words = words[:-1]
    return words


def contiguous(words: list[Word], around: Word) -> list[Word]:
    """The longest run of consecutive word indices containing ``around`` (cut at gaps)."""
    indices = {w.index for w in words}
    lo = hi = around.index
    while lo - 1 in indices:
        lo -= 1
    while hi + 1 in indices:
        hi += 1
    return [w for w in words if lo <= w.index <= hi]
