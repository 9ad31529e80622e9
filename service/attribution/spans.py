"""The domain's value types: spans, cues, speakers, quotes.

Offsets are Python string indices (Unicode code points), end exclusive, everywhere inside the
service; ``service.wire.OffsetConverter`` turns them into UTF-8 byte or UTF-16 code-unit offsets
at the edge.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int  # exclusive

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"bad span {self.start}:{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def overlap(self, other: "Span") -> int:
        return max(0, min(self.end, other.end) - max(self.start, other.start))

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def text(self, doc_text: str) -> str:
        return doc_text[self.start:self.end]


class QuoteType(enum.Enum):
    DIRECT = "direct"
    INDIRECT = "indirect"
    MIXED = "mixed"


class Resolution(enum.Enum):
    """How a quote's speaker name was found from its mention."""

    MENTION = "mention"  # the mention names the speaker
    PRONOUN_ANTECEDENT = "pronoun_antecedent"  # "he" -> an earlier "Donald Trump"
    UNRESOLVED_PRONOUN = "unresolved_pronoun"  # no antecedent found
    EARLIER_MENTION = "earlier_mention"  # "Cohen" -> "Yossi Cohen", "the official" -> earlier
    RELATIVE_ANTECEDENT = "relative_antecedent"  # "officials who said" -> "officials"
    PREVIOUS_SPEAKER = "previous_speaker"  # no mention: the speaker of the quote before
    SAME_MENTION = "same_mention"  # another quote reported through the same mention


class SpeakerKind(enum.Enum):
    UNKNOWN = "unknown"
    PERSON = "person"
    ORGANIZATION = "organization"
    GROUP = "group"


@dataclass(frozen=True)
class Cue:
    text: str  # as written: "said", "according to"
    lemma: str  # "say", "according to"
    span: Span


@dataclass
class Speaker:
    mention: str  # the words naming the speaker at this quote: "he", "Cohen"
    mention_span: Span | None
    name: str  # the fullest name the document gives: "Yossi Cohen"
    speaker_id: str = ""  # key into Attribution.speakers; equal ids = same entity
    kind: SpeakerKind = SpeakerKind.UNKNOWN
    resolution: Resolution | None = None  # how ``name`` was found from ``mention``
    antecedent_span: Span | None = None  # the earlier mention it was linked to, if any
    # Probability that this is the right speaker given that the quote is right (the speaker
    # ranker's calibrated score; a fixed table by resolution without its model).
    confidence: float | None = None
    # The title the text gives the speaker's name ("Mayor", "Fire Chief", "Mr."): never part of
    # ``name``; "" when the text gives none.
    title: str = ""
    # A he/she linked to a person the text gives no gender for (no first name, title or
    # earlier pronoun to agree with): the link is a guess, and the confidence says so.
    agreement_unknown: bool = False


@dataclass
class Quote:
    text: str
    span: Span
    type: QuoteType
    speaker: Speaker | None
    cue: Cue | None
    confidence: float
    sentence_index: int
    rule: str = ""  # the name of the rule that found it (service.attribution.rules)
    # The speaker's own words, in order: one part for most quotes (== span); a quotation split
    # by its attribution ('"X," she said. "Y"') or run on over paragraphs has one per piece,
    # so no part holds the attribution or the marks between pieces.
    parts: list[Span] = field(default_factory=list)
    # Exactly the speaker's words: the parts' texts joined by one space (== text for one part).
    words: str = ""


@dataclass
class SpeakerEntry:
    """One resolved speaker of a document and every place the text names them."""

    speaker_id: str
    name: str
    kind: SpeakerKind
    mentions: list[Span] = field(default_factory=list)
    quote_count: int = 0
    title: str = ""  # the longest title the text gives the name (Speaker.title)


@dataclass
class Attribution:
    """What the extractor returns for one document."""

    quotes: list[Quote]
    speakers: list[SpeakerEntry]
