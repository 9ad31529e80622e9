"""The ways a quote is found, each a named rule with its precedence and confidence prior.

One place for what used to be strings keyed into two dicts: a rule's name is what answers report
(``Quote.rule`` in the proto) and what error categories count; ``precedence`` decides which of
two overlapping finds stays (lower wins; among equals, the longer); ``prior`` is the share of
such quotes that were right (with the right speaker) on the PolNeAR training sample, rounded,
before speaker adjustments (docs/ACCURACY.md has the reliability table that checks it).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from service.attribution.spans import QuoteType


@dataclass(frozen=True)
class RuleSpec:
    name: str
    precedence: int
    prior: float | tuple[float, float, float]  # one value, or (direct, mixed, indirect)
    description: str


class Rule(enum.Enum):
    COMPLEMENT = RuleSpec("complement", 0, (0.95, 0.85, 0.8),
                          "the clause a speech verb reports: 'she said [that X]', '[X], he said'")
    SPLIT = RuleSpec("split", 0, 0.9, "a quotation in two halves around its attribution: "
                     "'\"X,\" he said, \"Y\"'")
    ADJACENT = RuleSpec("adjacent", 0, 0.85, "a quotation next to a cue in its sentence that "
                        "the parse did not link to it")
    COLON = RuleSpec("colon", 1, 0.2, "a quotation after 'NAME said:' at the end of the "
                     "sentence or paragraph before")
    ACCORDING = RuleSpec("according", 1, 0.85, "'according to X, Y'")
    SURFACE = RuleSpec("surface", 1, 0.65, "a reported clause read off the word order when the "
                       "parse does not attach it to the cue")
    PARENTHETICAL = RuleSpec("parenthetical", 2, 0.9, "'Y, X said, Z' and 'Y, X said.': the "
                             "sentence around an inserted or trailing attribution")
    OBJECT = RuleSpec("object", 3, 0.7, "the object of a speech verb: 'praised [the decision]'")
    TOPIC = RuleSpec("topic", 3, 0.55, "what a manner verb is about: 'spoke about [X]'")
    LEARNED = RuleSpec("learned", 4, 0.5, "a phrase after a verb or noun that annotated news "
                       "marks as reported, proposed by a learned model where no rule found it")
    CONTEXT = RuleSpec("context", 4, 0.2, "a quotation with no cue of its own, given to the "
                       "speaker of the quote just before it")

    @property
    def precedence(self) -> int:
        return self.value.precedence

    def prior(self, quote_type: QuoteType) -> float:
        prior = self.value.prior
        if isinstance(prior, tuple):
            direct, mixed, indirect = prior
            return {QuoteType.DIRECT: direct, QuoteType.MIXED: mixed,
                    QuoteType.INDIRECT: indirect}[quote_type]
        return prior

    @property
    def label(self) -> str:
        """The name answers carry."""
        return self.value.name
