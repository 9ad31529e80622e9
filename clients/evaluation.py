"""Scoring predicted quotes against gold annotations, as defined in shared/eval/README.md.

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

Pure Python over plain data: no gRPC, no protobuf. Offsets are code points, end exclusive.
Ratios with a zero denominator are reported as 0.0.
"""

from __future__ import annotations

import json
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
                   cue=item.get("cue") or "")


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


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


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
        matched_predictions = set(by_gold.values())
        for p, quote in enumerate(predicted):
            if quote.confidence is not None:
                bucket = bucket_of(quote.confidence)
                counts.bucket_predicted[bucket] += 1
                counts.bucket_right[bucket] += p in right
            if p not in matched_predictions:
                errors.append(Error("spurious", gold_doc.id, quote.span, quote.text, quote.type,
                                    predicted_speaker=_said_by(quote)))
    return Report(documents, counts, errors)


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
        f"f1         {report.f1:.3f}",
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
