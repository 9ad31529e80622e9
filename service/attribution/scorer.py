"""The learned quote scorer: keeps or drops each quote the rules found and gives its confidence.

A gradient-boosted tree ensemble (trained by ``quotes-dev train-quote-scorer`` with
scikit-learn's HistGradientBoostingClassifier on PolNeAR's train split; docs/MODELS.md) read
from a JSON file of plain numbers: the trees' split features, thresholds and leaf values, an
isotonic calibration curve and the keep threshold. No pickle, and no scikit-learn at run time:
the trees are walked with numpy arrays, all quotes of a document and all trees at once.

``confidence`` is the calibrated probability that the quote is a real quote (matches a gold
quote by the shared scoring rule); quotes below the model's keep threshold are dropped.
The model is loaded in one place (``service.pipeline.load_attribution_models``) and handed to
``extractor.extract``; without it the extractor answers with its rules alone.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path


from service.attribution.trees import IsotonicCurve, TreeEnsemble, feature_matrix

from service.attribution.features import DocumentContext, quote_features
from service.document import ParsedDocument
from service.attribution.spans import Attribution, Quote, SpeakerEntry

FORMAT = "quote-scorer/1"


class QuoteScorer:
    """A loaded quote scorer (see the module docstring)."""

    def __init__(self, model: dict) -> None:
        if model.get("format") != FORMAT:
            raise ValueError(f"not a quote scorer model (format {model.get('format')!r}, expected {FORMAT!r})")
        self.model = model
        self.feature_names: list[str] = list(model["features"])
        self._index = {name: i for i, name in enumerate(self.feature_names)}
        self.baseline = float(model["baseline"])
        self.trees = model["trees"]
        self._forest = TreeEnsemble(self.trees)
        calibration = model.get("calibration") or {}
        self._curve = IsotonicCurve(calibration.get("x", ()), calibration.get("y", ()))
        self.threshold = float(model["threshold"])
        self.version = str(model.get("version", ""))

    @classmethod
    def load(cls, path: str | Path) -> "QuoteScorer":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def matrix(self, rows: list[dict[str, float]]):
        """Quotes by the model's features (absent features are 0)."""
        return feature_matrix(rows, self._index)

    def raw_probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        """The ensemble's own probabilities, before calibration."""
        return [1.0 / (1.0 + math.exp(-min(700.0, max(-700.0, self.baseline + s))))
                for s in self._forest.raw_scores(self.matrix(rows))]

    def raw_probability(self, features: dict[str, float]) -> float:
        return self.raw_probabilities([features])[0]

    def calibrate(self, p: float) -> float:
        """The isotonic curve fitted on cross-validated predictions (linear between its points)."""
        return self._curve(p)

    def probability(self, features: dict[str, float]) -> float:
        return self.calibrate(self.raw_probability(features))

    def probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        return [self.calibrate(p) for p in self.raw_probabilities(rows)]

    def score(self, doc: ParsedDocument, attribution: Attribution) -> list[float]:
        """Each quote's calibrated probability of being a real quote, in order."""
        ctx = DocumentContext(doc, attribution)
        return self.probabilities([quote_features(ctx, quote) for quote in attribution.quotes])

    def apply(self, doc: ParsedDocument, attribution: Attribution) -> Attribution:
        """``attribution`` with the quotes below the threshold dropped and the others'
        confidence set to their probability."""
        kept: list[Quote] = []
        dropped_by_speaker: dict[str, int] = {}
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
