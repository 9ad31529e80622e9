r"""Scoring predicted quotes against gold annotations, as defined in shared/eval/README.md.

- A predicted quote matches a gold quote when their spans share at least half of the shorter
  span's characters; matching is one-to-one, best overlap first.
- Precision, recall and F1 over quotes; recall per gold type (direct, indirect, mixed).
- Speaker accuracy: among gold quotes with a speaker, the share that were found AND attributed
  right: the predicted speaker's mention span overlaps the gold ``speaker_span``, or a gold name or
  alias appears (case-insensitively) in the predicted speaker's name or mention.
- Reliability (this project's addition, not in the README): predicted quotes bucketed by the
  server's ``confidence``, with the share of each bucket that is right. A prediction is right
  when it matched a gold quote and, if that gold quote has a speaker, the speaker is right too.
  Predictions without a confidence (``None``) are left out of the table.

Boundary figures (this project's addition), so that the results can be set beside span taggers.
Every figure is per attribution: a predicted quote with its speaker mention and cue against the
gold quote it was matched to by the rule above (half-overlap, one-to-one), for three parts:

- content: the quote span; every gold and every predicted quote counts.
- speaker: the predicted speaker mention span against the gold ``speaker_span``. Scored only in
  documents whose gold gives speaker spans (PolNeAR does, the Soleimani article gives names only,
  so it has no speaker span figures). Gold items: gold quotes with a ``speaker_span``; predicted
  items: predicted quotes with a mention span, less those matched to a gold quote without one
  (nothing to compare them with).
- cue: the gold files give the cue's text only, no offsets, so a cue is compared by its text
  within a matched quote pair (case-insensitive, whitespace collapsed); it cannot tell which
  occurrence of "said" was meant, only that the pair's cue reads the same. Gold items: gold
  quotes with a cue; predicted items: predicted quotes with a cue, less those matched to a gold
  quote without one.

For each part, three figures as precision / recall / F1:

- exact: a hit is a matched pair whose two spans are identical (content, speaker: same start and
  end offsets; cue: same text). Precision = hits / predicted items, recall = hits / gold items.
- exact, trimmed: the same after trimming whitespace and punctuation (Unicode categories P*,
  quote marks included) off both ends of each span or cue text. Conventions differ at the edges:
  PolNeAR's content spans include the quote marks of direct quotes, this service's do not
  (``Quote.text`` is the words inside the marks), and gold speaker spans may end in a comma.
  Content spans also lose a leading complementiser "that" ('said [that] X': PolNeAR includes it,
  the shared scoring rule and this service do not).
- token: token-level precision and recall over all items, micro-averaged: the tokens two items
  share count only within a matched pair; precision = shared tokens / all tokens of predicted
  items, recall = shared tokens / all tokens of gold items. Tokens are the word tokens (runs of
  Unicode word characters, ``\w+``) inside a span, identified by their offsets; punctuation and
  whitespace are not tokens, so a closing comma inside or outside a span costs nothing. Cue
  tokens are the words of the cue text (lower-cased, counted as a multiset).

Parts (this project's addition): a gold quote item may give ``"parts": [[s, e], ...]``, the
speaker's own words in order (a quotation split by its attribution, '"X," she said. "Y."', has
two: X and Y, without "she said"); the shared gold files do not give them today, so the figure is
over the gold quotes that do. Among those matched to a prediction, the share whose predicted
parts equal the gold parts once each part is trimmed as "exact, trimmed" trims (parts that trim
to nothing are dropped on both sides). A prediction without parts (a server that predates
``Quote.parts``) has its span as its one part. Also the same share among the matched gold quotes
with two parts or more (split in the gold).

Calibration (this project's addition): expected calibration error over ten equal-width confidence
bins ([0, 0.1), [0.1, 0.2), ..., [0.9, 1.0], the last closed): ECE = sum over bins of
(items in bin / all items) * |share right in bin - mean confidence in bin|. Two populations:

- quote: every predicted quote that carries a confidence; right as in the reliability table.
- speaker: predicted quotes that carry a speaker confidence (``QuoteSpeaker.confidence``, when the
  server sends one) and are matched to a gold quote that has a speaker; right = the speaker is
  right as the speaker accuracy scores it. Without speaker confidences the table is empty.

Pure Python over plain data: no gRPC, no protobuf. Offsets are code points, end exclusive.
Ratios with a zero denominator are reported as 0.0.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

TYPES = ("direct", "indirect", "mixed")

Range = tuple[int, int]


def overlap(a: Range, b: Range) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


@dataclass(frozen=True)
class GoldQuote:
    type: str
    span: Range
    text: str = ""
    speaker: str = ""
    speaker_aliases: tuple[str, ...] = ()
    speaker_span: Range | None = None
    cue: str = ""
    parts: tuple[Range, ...] | None = None  # the speaker's words, in order; None: not given

    @property
    def has_speaker(self) -> bool:
        return bool(self.speaker.strip()) or self.speaker_span is not None

    @classmethod
    def from_json(cls, item: dict) -> "GoldQuote":
        speaker_span = item.get("speaker_span")
        return cls(type=item["type"], span=(int(item["span"][0]), int(item["span"][1])),
                   text=item.get("text", ""), speaker=item.get("speaker") or "",
                   speaker_aliases=tuple(item.get("speaker_aliases") or ()),
                   speaker_span=(int(speaker_span[0]), int(speaker_span[1]))
                   if speaker_span else None,
                   cue=item.get("cue") or "", parts=_parts(item.get("parts")))


def _parts(value: object) -> tuple[Range, ...] | None:
    """Gold ``parts``: None when absent (or null); otherwise a non-empty list of [start, end]."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ValueError('"parts" must be a non-empty list of [start, end]')
    parts = []
    for part in value:
        if not isinstance(part, list) or len(part) != 2:
            raise ValueError(f'"parts": {part!r} is not [start, end]')
        parts.append((int(part[0]), int(part[1])))
    return tuple(parts)


@dataclass(frozen=True)
class PredictedQuote:
    type: str
    span: Range
    text: str = ""
    speaker_name: str = ""
    speaker_mention: str = ""
    mention_span: Range | None = None
    cue: str = ""
    confidence: float | None = None  # the server's, 0 to 1; None: not given
    rule: str = ""  # how the server found it (Quote.rule); "" when not given
    speaker_confidence: float | None = None  # QuoteSpeaker.confidence; None: not given
    parts: tuple[Range, ...] | None = None  # Quote.parts; None: not given (the span is the part)


@dataclass(frozen=True)
class GoldDocument:
    id: str
    text: str
    quotes: tuple[GoldQuote, ...]

    @classmethod
    def from_json(cls, item: dict) -> "GoldDocument":
        return cls(id=str(item["id"]), text=item["text"],
                   quotes=tuple(GoldQuote.from_json(q) for q in item.get("quotes", ())))


def load_gold(path: str | Path) -> list[GoldDocument]:
    """Gold documents from a JSONL file (blank lines skipped)."""
    documents = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                documents.append(GoldDocument.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                raise ValueError(f"{path}:{number}: not a gold document: {exc}") from None
    return documents


def match(gold: Sequence[Range], predicted: Sequence[Range]) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs, best overlap first.

    A pair qualifies when the spans overlap by at least half of the shorter one. Ties go to the
    earlier gold, then the earlier prediction, so results are deterministic.
    """
    candidates = []
    for g, gold_span in enumerate(gold):
        for p, predicted_span in enumerate(predicted):
            shared = overlap(gold_span, predicted_span)
            shorter = min(gold_span[1] - gold_span[0], predicted_span[1] - predicted_span[0])
            if shared > 0 and 2 * shared >= shorter:
                candidates.append((-shared, g, p))
    candidates.sort()
    used_gold: set[int] = set()
    used_predicted: set[int] = set()
    pairs = []
    for _negative, g, p in candidates:
        if g not in used_gold and p not in used_predicted:
            used_gold.add(g)
            used_predicted.add(p)
            pairs.append((g, p))
    return sorted(pairs)


def speaker_correct(gold: GoldQuote, predicted: PredictedQuote) -> bool:
    if (gold.speaker_span is not None and predicted.mention_span is not None
            and overlap(gold.speaker_span, predicted.mention_span) > 0):
        return True
    said_by = f"{predicted.speaker_name}\n{predicted.speaker_mention}".lower()
    names = [gold.speaker, *gold.speaker_aliases]
    return any(name.strip() and name.strip().lower() in said_by for name in names)


@dataclass(frozen=True)
class Error:
    """One thing the predictions got wrong."""

    kind: str  # "missed" (gold not found), "spurious" (no gold), "wrong_speaker"
    document_id: str
    span: Range
    text: str
    type: str
    expected_speaker: str = ""
    predicted_speaker: str = ""


# Confidence buckets of the reliability table: [low, high), the last one closed ([0.85, 1.0]).
BUCKETS: tuple[tuple[float, float], ...] = (
    (0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.0))


def bucket_label(index: int) -> str:
    low, high = BUCKETS[index]
    return f"{low:.2f}-{high:.2f}"


def bucket_of(confidence: float) -> int:
    """Index into BUCKETS of a confidence; values outside [0, 1] go to the end buckets.

    The wire type is a 32-bit float, so 0.7 arrives as 0.69999998...: confidences are rounded
    to 6 decimals first, which puts such values in the bucket their sender meant.
    """
    value = round(confidence, 6)
    for index, (_low, high) in enumerate(BUCKETS[:-1]):
        if value < high:
            return index
    return len(BUCKETS) - 1


# Calibration bins: ten of equal width, [k/10, (k+1)/10), the last closed.
CALIBRATION_BINS = 10


def calibration_bin_of(confidence: float) -> int:
    """Index of a confidence's calibration bin (rounded to 6 decimals first, as ``bucket_of``)."""
    value = round(confidence, 6)
    return min(CALIBRATION_BINS - 1, max(0, int(value * CALIBRATION_BINS)))


@dataclass
class Calibration:
    """Predictions by confidence bin: how many, their summed confidence, how many were right."""

    items: list[int] = field(default_factory=lambda: [0] * CALIBRATION_BINS)
    confidence_sum: list[float] = field(default_factory=lambda: [0.0] * CALIBRATION_BINS)
    right: list[int] = field(default_factory=lambda: [0] * CALIBRATION_BINS)

    def add(self, confidence: float, right: bool) -> None:
        index = calibration_bin_of(confidence)
        self.items[index] += 1
        self.confidence_sum[index] += min(1.0, max(0.0, confidence))
        self.right[index] += right

    @property
    def total(self) -> int:
        return sum(self.items)

    @property
    def ece(self) -> float:
        """Expected calibration error; 0.0 when there is nothing to measure."""
        total = self.total
        return sum(abs(self.right[i] - self.confidence_sum[i]) / total
                   for i in range(CALIBRATION_BINS)) if total else 0.0

    def table(self) -> list[dict]:
        return [{"bin": f"{i / CALIBRATION_BINS:.1f}-{(i + 1) / CALIBRATION_BINS:.1f}",
                 "items": n, "right": self.right[i],
                 "mean_confidence": self.confidence_sum[i] / n if n else 0.0,
                 "accuracy": _ratio(self.right[i], n)}
                for i, n in enumerate(self.items)]

    def to_dict(self) -> dict:
        return {"items": self.total, "right": sum(self.right), "ece": self.ece,
                "table": self.table()}


WORD = re.compile(r"\w+")


def word_tokens(text: str, span: Range) -> set[Range]:
    """The word tokens inside ``span`` of ``text``, as (start, end) offsets into ``text``."""
    start, end = span
    return {(start + m.start(), start + m.end()) for m in WORD.finditer(text[start:end])}


def cue_words(cue: str) -> Counter:
    return Counter(m.group().lower() for m in WORD.finditer(cue))


def normal_cue(cue: str) -> str:
    return " ".join(cue.lower().split())


def _edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def trimmed(text: str, span: Range) -> Range:
    """``span`` without whitespace and punctuation at either end (empty spans stay put)."""
    start, end = span
    while start < end and _edge(text[start]):
        start += 1
    while end > start and _edge(text[end - 1]):
        end -= 1
    return start, end


LEADING_THAT = re.compile(r"that\b", re.IGNORECASE)


def trimmed_content(text: str, span: Range) -> Range:
    """A quote's content ``trimmed``, and without a leading complementiser "that" (annotators
    differ on whether 'said [that] X' includes it; the shared scoring rule ignores it)."""
    start, end = trimmed(text, span)
    m = LEADING_THAT.match(text, start, end)
    if m is not None and m.end() < end:
        start, end = trimmed(text, (m.end(), end))
    return start, end


def trimmed_cue(cue: str) -> str:
    start, end = trimmed(cue, (0, len(cue)))
    return normal_cue(cue[start:end])


@dataclass
class SpanScore:
    """Exact and token-overlap tallies of one part of an attribution (content, speaker or cue)."""

    gold: int = 0  # gold items
    predicted: int = 0  # predicted items
    exact: int = 0  # matched pairs with identical spans
    exact_trimmed: int = 0  # matched pairs with identical spans once trimmed (``trimmed``)
    gold_tokens: int = 0
    predicted_tokens: int = 0
    shared_tokens: int = 0  # tokens shared within matched pairs

    def exact_prf(self) -> tuple[float, float, float]:
        return _prf(self.exact, self.predicted, self.gold)

    def exact_trimmed_prf(self) -> tuple[float, float, float]:
        return _prf(self.exact_trimmed, self.predicted, self.gold)

    def token_prf(self) -> tuple[float, float, float]:
        p = _ratio(self.shared_tokens, self.predicted_tokens)
        r = _ratio(self.shared_tokens, self.gold_tokens)
        return p, r, _f1(p, r)

    def to_dict(self) -> dict:
        ep, er, ef = self.exact_prf()
        xp, xr, xf = self.exact_trimmed_prf()
        tp, tr, tf = self.token_prf()
        return {"gold": self.gold, "predicted": self.predicted,
                "exact": {"hits": self.exact, "precision": ep, "recall": er, "f1": ef},
                "exact_trimmed": {"hits": self.exact_trimmed, "precision": xp, "recall": xr,
                                  "f1": xf},
                "token": {"gold": self.gold_tokens, "predicted": self.predicted_tokens,
                          "shared": self.shared_tokens, "precision": tp, "recall": tr, "f1": tf}}


@dataclass
class PartsScore:
    """Matched quotes whose gold gives parts, and those whose predicted parts equal them
    (trimmed); the same for gold quotes of two parts or more (module docstring)."""

    gold: int = 0  # gold quotes that give parts
    matched: int = 0  # ... matched to a prediction
    equal: int = 0  # ... whose predicted parts equal the gold parts, trimmed
    split_gold: int = 0  # gold quotes of two parts or more
    split_matched: int = 0
    split_equal: int = 0

    def add(self, text: str, gold: GoldQuote, found: PredictedQuote | None) -> None:
        if gold.parts is None:
            return
        split = len(gold.parts) > 1
        self.gold += 1
        self.split_gold += split
        if found is None:
            return
        same = trimmed_parts(text, gold.parts) == trimmed_parts(
            text, found.parts if found.parts is not None else (found.span,))
        self.matched += 1
        self.equal += same
        self.split_matched += split
        self.split_equal += split and same

    @property
    def share(self) -> float:
        return _ratio(self.equal, self.matched)

    @property
    def split_share(self) -> float:
        return _ratio(self.split_equal, self.split_matched)

    def to_dict(self) -> dict:
        return {"gold": self.gold, "matched": self.matched, "equal": self.equal,
                "share": self.share,
                "split": {"gold": self.split_gold, "matched": self.split_matched,
                          "equal": self.split_equal, "share": self.split_share}}


def trimmed_parts(text: str, parts: Sequence[Range]) -> list[Range]:
    """Each part ``trimmed``, in order; parts that trim to nothing dropped."""
    trimmed_ones = (trimmed_content(text, part) for part in parts)
    return [part for part in trimmed_ones if part[0] < part[1]]


@dataclass
class Counts:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    gold_by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    matched_by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    type_agrees: int = 0
    with_speaker: int = 0
    speaker_right: int = 0
    # Per confidence bucket (BUCKETS): predictions, and those that are right.
    bucket_predicted: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    bucket_right: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    # Boundary figures (module docstring).
    content: SpanScore = field(default_factory=SpanScore)
    speaker_span: SpanScore = field(default_factory=SpanScore)
    cue: SpanScore = field(default_factory=SpanScore)
    speaker_span_documents: int = 0  # documents whose gold gives speaker spans
    parts: PartsScore = field(default_factory=PartsScore)  # parts (module docstring)
    # Calibration (module docstring).
    quote_calibration: Calibration = field(default_factory=Calibration)
    speaker_calibration: Calibration = field(default_factory=Calibration)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _prf(hits: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p, r = _ratio(hits, predicted), _ratio(hits, gold)
    return p, r, _f1(p, r)


@dataclass
class Report:
    documents: int
    counts: Counts
    errors: list[Error]

    @property
    def precision(self) -> float:
        return _ratio(self.counts.matched, self.counts.predicted)

    @property
    def recall(self) -> float:
        return _ratio(self.counts.matched, self.counts.gold)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def recall_by_type(self) -> dict[str, float]:
        c = self.counts
        return {t: _ratio(c.matched_by_type.get(t, 0), n) for t, n in c.gold_by_type.items()}

    @property
    def speaker_accuracy(self) -> float:
        return _ratio(self.counts.speaker_right, self.counts.with_speaker)

    @property
    def type_accuracy(self) -> float:
        """Among matched quotes, the share whose predicted type equals the gold type."""
        return _ratio(self.counts.type_agrees, self.counts.matched)

    def reliability(self) -> list[dict]:
        """Per confidence bucket, lowest first: predicted quotes, right ones, share right."""
        c = self.counts
        return [{"bucket": bucket_label(i), "quotes": n, "right": c.bucket_right[i],
                 "accuracy": _ratio(c.bucket_right[i], n)}
                for i, n in enumerate(c.bucket_predicted)]

    def to_dict(self, *, errors: bool = False) -> dict:
        c = self.counts
        result = {
            "documents": self.documents, "gold": c.gold, "predicted": c.predicted,
            "matched": c.matched, "precision": self.precision, "recall": self.recall,
            "f1": self.f1,
            "recall_by_type": {t: {"gold": c.gold_by_type[t], "matched": c.matched_by_type[t],
                                   "recall": r} for t, r in self.recall_by_type().items()},
            "type_accuracy": self.type_accuracy,
            "speaker": {"gold_with_speaker": c.with_speaker, "correct": c.speaker_right,
                        "accuracy": self.speaker_accuracy},
            "reliability": self.reliability(),
            "spans": {"content": c.content.to_dict(),
                      "speaker": {**c.speaker_span.to_dict(),
                                  "documents": c.speaker_span_documents},
                      "cue": c.cue.to_dict()},
            "parts": c.parts.to_dict(),
            "calibration": {"bins": CALIBRATION_BINS,
                            "quote": c.quote_calibration.to_dict(),
                            "speaker": c.speaker_calibration.to_dict()},
        }
        if errors:
            result["errors"] = [asdict(error) for error in self.errors]
        return result


def evaluate(pairs: Iterable[tuple[GoldDocument, Sequence[PredictedQuote]]]) -> Report:
    """Score each gold document against its predictions; totals are summed over documents."""
    counts = Counts()
    errors: list[Error] = []
    documents = 0
    for gold_doc, predicted in pairs:
        documents += 1
        gold = gold_doc.quotes
        pairs_found = match([q.span for q in gold], [q.span for q in predicted])
        counts.gold += len(gold)
        counts.predicted += len(predicted)
        counts.matched += len(pairs_found)
        by_gold = dict(pairs_found)
        right: set[int] = set()  # predictions matched, with the speaker right where one is due
        for quote in gold:
            counts.gold_by_type[quote.type] = counts.gold_by_type.get(quote.type, 0) + 1
        for g, quote in enumerate(gold):
            found = predicted[by_gold[g]] if g in by_gold else None
            if found is not None:
                counts.matched_by_type[quote.type] = counts.matched_by_type.get(quote.type, 0) + 1
                counts.type_agrees += found.type == quote.type
            counts.parts.add(gold_doc.text, quote, found)
            if quote.has_speaker:
                counts.with_speaker += 1
            if found is None:
                errors.append(Error("missed", gold_doc.id, quote.span, quote.text, quote.type,
                                    expected_speaker=quote.speaker))
            elif not quote.has_speaker:
                right.add(by_gold[g])
            else:
                if speaker_correct(quote, found):
                    counts.speaker_right += 1
                    right.add(by_gold[g])
                else:
                    errors.append(Error(
                        "wrong_speaker", gold_doc.id, quote.span, quote.text, quote.type,
                        expected_speaker=quote.speaker or _slice(gold_doc.text, quote.speaker_span),
                        predicted_speaker=_said_by(found)))
            if (found is not None and quote.has_speaker
                    and found.speaker_confidence is not None):
                counts.speaker_calibration.add(found.speaker_confidence,
                                               speaker_correct(quote, found))
        _score_spans(counts, gold_doc, predicted, pairs_found)
        matched_predictions = set(by_gold.values())
        for p, prediction in enumerate(predicted):
            if prediction.confidence is not None:
                bucket = bucket_of(prediction.confidence)
                counts.bucket_predicted[bucket] += 1
                counts.bucket_right[bucket] += p in right
                counts.quote_calibration.add(prediction.confidence, p in right)
            if p not in matched_predictions:
                errors.append(Error("spurious", gold_doc.id, prediction.span, prediction.text, prediction.type,
                                    predicted_speaker=_said_by(prediction)))
    return Report(documents, counts, errors)


def _score_spans(counts: Counts, gold_doc: GoldDocument, predicted: Sequence[PredictedQuote],
                 pairs: Sequence[tuple[int, int]]) -> None:
    """Add one document's exact and token tallies (module docstring) to ``counts``."""
    text, gold = gold_doc.text, gold_doc.quotes
    gold_of = {p: g for g, p in pairs}

    def tally(score: SpanScore, gold_items: Sequence[int], predicted_items: Sequence[int],
              same, tokens_of_gold, tokens_of_predicted, shared) -> None:
        score.gold += len(gold_items)
        score.predicted += len(predicted_items)
        score.gold_tokens += sum(len(tokens_of_gold(gold[g])) for g in gold_items)
        score.predicted_tokens += sum(len(tokens_of_predicted(predicted[p]))
                                      for p in predicted_items)
        gold_set = set(gold_items)
        for p in predicted_items:
            g = gold_of.get(p)
            if g is None or g not in gold_set:
                continue
            strict, edges = same(gold[g], predicted[p])
            score.exact += strict
            score.exact_trimmed += edges
            score.shared_tokens += shared(tokens_of_gold(gold[g]),
                                          tokens_of_predicted(predicted[p]))

    def shared_set(a: set, b: set) -> int:
        return len(a & b)

    def shared_multiset(a: Counter, b: Counter) -> int:
        return sum((a & b).values())

    tally(counts.content, range(len(gold)), range(len(predicted)),
          lambda g, p: (g.span == p.span, trimmed_content(text, g.span) == trimmed_content(text, p.span)),
          lambda g: word_tokens(text, g.span), lambda p: word_tokens(text, p.span), shared_set)

    if any(q.speaker_span is not None for q in gold):
        counts.speaker_span_documents += 1
        gold_items = [g for g, q in enumerate(gold) if q.speaker_span is not None]
        predicted_items = [p for p, q in enumerate(predicted) if q.mention_span is not None
                           and (p not in gold_of or gold[gold_of[p]].speaker_span is not None)]
        tally(counts.speaker_span, gold_items, predicted_items,
              lambda g, p: (g.speaker_span == p.mention_span,
                            trimmed(text, g.speaker_span) == trimmed(text, p.mention_span)),
              lambda g: word_tokens(text, g.speaker_span),
              lambda p: word_tokens(text, p.mention_span), shared_set)

    gold_items = [g for g, q in enumerate(gold) if q.cue.strip()]
    predicted_items = [p for p, q in enumerate(predicted) if q.cue.strip()
                       and (p not in gold_of or gold[gold_of[p]].cue.strip())]
    tally(counts.cue, gold_items, predicted_items,
          lambda g, p: (normal_cue(g.cue) == normal_cue(p.cue),
                        trimmed_cue(g.cue) == trimmed_cue(p.cue)),
          lambda g: cue_words(g.cue), lambda p: cue_words(p.cue), shared_multiset)


def _slice(text: str, span: Range | None) -> str:
    return text[span[0]:span[1]] if span else ""


def _said_by(quote: PredictedQuote) -> str:
    if quote.speaker_mention and quote.speaker_mention != quote.speaker_name:
        return f"{quote.speaker_name} ({quote.speaker_mention})"
    return quote.speaker_name


def format_text(report: Report, *, show_errors: bool = False) -> str:
    c = report.counts
    lines = [
        f"documents  {report.documents}",
        f"quotes     gold {c.gold}  predicted {c.predicted}  matched {c.matched}",
        f"precision  {report.precision:.3f}",
        f"recall     {report.recall:.3f}",
        f"f1         {report.f1:.3f}  (quotes matched by half overlap)",
        f"f1 exact   {c.content.exact_trimmed_prf()[2]:.3f}  (content boundaries exact, trimmed; "
        f"table below)",
    ]
    for quote_type, recall in report.recall_by_type().items():
        lines.append(f"recall {quote_type:<9} {recall:.3f}  "
                     f"({c.matched_by_type[quote_type]}/{c.gold_by_type[quote_type]})")
    lines.append(f"type accuracy   {report.type_accuracy:.3f}  (among matched)")
    lines.append(f"speaker accuracy {report.speaker_accuracy:.3f}  "
                 f"({c.speaker_right}/{c.with_speaker} gold quotes with a speaker)")
    lines.append("")
    lines.append("reliability (predicted quotes by confidence; right = matched, speaker right)")
    lines.append(f"  {'confidence':<10} {'quotes':>6} {'right':>6} {'share':>6}")
    for row in report.reliability():
        share = f"{row['accuracy']:.3f}" if row["quotes"] else "-"
        lines.append(f"  {row['bucket']:<10} {row['quotes']:>6} {row['right']:>6} {share:>6}")
    lines.append("")
    lines.append("boundaries (per matched quote pair; definitions: clients/evaluation.py)")
    lines.append(f"  {'part':<8} {'figure':<14} {'P':>6} {'R':>6} {'F1':>6}  {'hits/gold':>11}")
    for name, score in (("content", c.content), ("speaker", c.speaker_span), ("cue", c.cue)):
        if name == "speaker" and not c.speaker_span_documents:
            lines.append(f"  {name:<8} -              (the gold gives no speaker spans)")
            continue
        for figure, (p, r, f), hits in (
                ("exact", score.exact_prf(), f"{score.exact}/{score.gold}"),
                ("exact, trimmed", score.exact_trimmed_prf(),
                 f"{score.exact_trimmed}/{score.gold}"),
                ("token", score.token_prf(), "")):
            lines.append(f"  {name:<8} {figure:<14} {p:>6.3f} {r:>6.3f} {f:>6.3f}  {hits:>11}")
    if c.speaker_span_documents and c.speaker_span_documents < report.documents:
        lines.append(f"  (speaker: the {c.speaker_span_documents} of {report.documents} documents "
                     f"whose gold gives speaker spans)")
    parts = c.parts
    if not parts.gold:
        lines.append(f"  {'parts':<8} -              (the gold gives no parts)")
    else:
        lines.append(f"  {'parts':<8} {'exact, trimmed':<14} share {parts.share:.3f}  "
                     f"({parts.equal}/{parts.matched} matched quotes whose gold gives parts; "
                     f"split in the gold: {parts.split_equal}/{parts.split_matched})")
    for name, calibration in (("quote", c.quote_calibration),
                              ("speaker", c.speaker_calibration)):
        lines.append("")
        if not calibration.total:
            lines.append(f"calibration, {name} confidence: none in the predictions")
            continue
        lines.append(f"calibration, {name} confidence: ECE {calibration.ece:.3f} over "
                     f"{calibration.total} (10 equal-width bins)")
        lines.append(f"  {'bin':<8} {'items':>6} {'right':>6} {'mean conf':>9} {'share':>6}")
        for row in calibration.table():
            if not row["items"]:
                continue
            lines.append(f"  {row['bin']:<8} {row['items']:>6} {row['right']:>6} "
                         f"{row['mean_confidence']:>9.3f} {row['accuracy']:>6.3f}")
    if show_errors:
        lines.append("")
        lines.append(f"errors ({len(report.errors)}):")
        for error in report.errors:
            text = error.text if len(error.text) <= 100 else error.text[:97] + "..."
            line = (f"  {error.kind:<13} {error.document_id} {error.span[0]}-{error.span[1]} "
                    f"{error.type}: {text!r}")
            if error.kind == "wrong_speaker":
                line += f" expected {error.expected_speaker!r}, got {error.predicted_speaker!r}"
            elif error.kind == "spurious" and error.predicted_speaker:
                line += f" (speaker {error.predicted_speaker!r})"
            lines.append(line)
    return "\n".join(lines)
