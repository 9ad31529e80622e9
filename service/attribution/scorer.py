"""The learned quote scorer: keeps or drops each quote the rules found and gives its confidence.

A gradient-boosted tree ensemble (trained by ``quotes-dev train-quote-scorer`` with
scikit-learn's HistGradientBoostingClassifier on PolNeAR's train split; docs/MODELS.md) read
from a JSON file of plain numbers: the trees' split features, thresholds and leaf values, an
isotonic calibration curve and the keep threshold. No pickle, and no scikit-learn at run time:
the prediction is a walk down each tree in plain Python, a few microseconds a quote.

``confidence`` is the calibrated probability that the quote is a real quote (matches a gold
quote by the shared scoring rule); quotes below the model's keep threshold are dropped.
The model is loaded in one place (``service.nlp.models.load_quote_scorer``) and handed to
``extractor.extract``; without it the extractor answers with its rules alone.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from dataclasses import dataclass, replace
from pathlib import Path

from service.attribution.features import DocumentContext, quote_features
from service.attribution.parsed import ParsedDocument
from service.attribution.spans import Attribution, SpeakerEntry

FORMAT = "quote-scorer/1"


@dataclass(frozen=True)
class _Tree:
    """One regression tree as parallel lists; node 0 is the root, feature -1 marks a leaf."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    missing_left: tuple[bool, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def predict(self, x: list[float]) -> float:
        node = 0
        feature, threshold, left, right = self.feature, self.threshold, self.left, self.right
        while feature[node] >= 0:
            v = x[feature[node]]
            if v != v:  # NaN: the side the training data's missing values took
                node = left[node] if self.missing_left[node] else right[node]
            elif v <= threshold[node]:
                node = left[node]
            else:
                node = right[node]
        return self.value[node]


class QuoteScorer:
    """A loaded quote scorer (see the module docstring)."""

    def __init__(self, model: dict) -> None:
        if model.get("format") != FORMAT:
            raise ValueError(f"not a quote scorer model (format {model.get('format')!r}, expected {FORMAT!r})")
        self.model = model
        self.feature_names: list[str] = list(model["features"])
        self._index = {name: i for i, name in enumerate(self.feature_names)}
        self.baseline = float(model["baseline"])
        self.trees = [_Tree(tuple(t["feature"]), tuple(t["threshold"]), tuple(bool(m) for m in t["missing_left"]),
                            tuple(t["left"]), tuple(t["right"]), tuple(t["value"])) for t in model["trees"]]
        calibration = model.get("calibration") or {}
        self._cal_x: list[float] = list(calibration.get("x", ()))
        self._cal_y: list[float] = list(calibration.get("y", ()))
        self.threshold = float(model["threshold"])
        self.version = str(model.get("version", ""))

    @classmethod
    def load(cls, path: str | Path) -> "QuoteScorer":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def vector(self, features: dict[str, float]) -> list[float]:
        x = [0.0] * len(self.feature_names)
        for name, value in features.items():
            i = self._index.get(name)
            if i is not None:
                x[i] = float(value)
        return x

    def raw_probability(self, features: dict[str, float]) -> float:
        """The ensemble's own probability, before calibration."""
        x = self.vector(features)
        score = self.baseline + sum(tree.predict(x) for tree in self.trees)
        return 1.0 / (1.0 + math.exp(-score)) if score > -700 else 0.0

    def calibrate(self, p: float) -> float:
        """The isotonic curve fitted on cross-validated predictions (linear between its points)."""
        xs, ys = self._cal_x, self._cal_y
        if not xs:
            return p
        if p <= xs[0]:
            return ys[0]
        if p >= xs[-1]:
            return ys[-1]
        i = bisect_right(xs, p) - 1
        x0, x1, y0, y1 = xs[i], xs[i + 1], ys[i], ys[i + 1]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (p - x0) / (x1 - x0)

    def probability(self, features: dict[str, float]) -> float:
        return self.calibrate(self.raw_probability(features))

    def score(self, doc: ParsedDocument, attribution: Attribution) -> list[float]:
        """Each quote's calibrated probability of being a real quote, in order."""
        ctx = DocumentContext(doc, attribution)
        return [self.probability(quote_features(ctx, quote)) for quote in attribution.quotes]

    def apply(self, doc: ParsedDocument, attribution: Attribution) -> Attribution:
        """``attribution`` with the quotes below the threshold dropped and the others'
        confidence set to their probability."""
        kept, dropped_by_speaker = [], {}
        for quote, p in zip(attribution.quotes, self.score(doc, attribution)):
            if p >= self.threshold:
                kept.append(replace(quote, confidence=round(min(0.99, max(0.01, p)), 3)))
            elif quote.speaker is not None:
                key = quote.speaker.speaker_id
                dropped_by_speaker[key] = dropped_by_speaker.get(key, 0) + 1
        return Attribution(quotes=kept, speakers=_recount(attribution.speakers, dropped_by_speaker))


def _recount(speakers: list[SpeakerEntry], dropped: dict[str, int]) -> list[SpeakerEntry]:
    """Speaker entries counting only the kept quotes; a speaker all of whose quotes were dropped
    leaves the index (nothing in the answer refers to it any more)."""
    out = []
    for entry in speakers:
        lost = dropped.get(entry.speaker_id, 0)
        if not lost:
            out.append(entry)
        elif entry.quote_count > lost:
            out.append(replace(entry, quote_count=entry.quote_count - lost))
    return out
