"""``quotes-dev train-boundaries``: train the learned content boundaries on gold quotes.

Every indirect or mixed quote the service finds (rules + quote scorer) in the training documents
that matches a gold quote (the shared scoring rule) gets its boundary options
(``service.attribution.boundaries.options``); an option is positive when it gives the gold
content exactly (``clients.evaluation.trimmed_content`` on both sides). The model is the quote
scorer's kind (gradient-boosted trees, exported as JSON trees with an isotonic curve); the
threshold for taking an option is the one that gains the most exact boundaries on the
cross-validated predictions of the training documents (an option taken where the rules' span
was already exact costs one). Dev only reports.

    quotes-dev train-boundaries                        # PolNeAR train, figures on dev
    quotes-dev train-boundaries --out /tmp/b.json      # somewhere else than the shipped file
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from clients.evaluation import load_gold, match, trimmed_content
from devtools.snapshot import DEFAULT_CACHE, SHARED_EVAL, cached_parses
from devtools.train_quote_scorer import (calibrate, cross_calibrated, cross_validated, export, fit,
                                         feature_names, matrix, write_model)
from service.attribution.boundaries import MODEL_PATH, BoundaryModel, candidates

PARAMS = dict(learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=20,
              l2_regularization=1.0, early_stopping=False, random_state=0)
FOLDS = 5


def examples(name: str, eval_dir: Path, cache: Path):
    """(features, label, was_exact, document index) of every option of every matched quote."""
    from service.api import Extractor

    extractor = Extractor(parallel_batches=2)
    documents = load_gold(eval_dir / f"{name}-gold.jsonl")
    parsed = cached_parses(name, documents, cache, lambda: extractor.parser)
    rows = []
    for k, (gold, doc) in enumerate(zip(documents, parsed)):
        attribution = extractor.extract_parsed(doc, boundaries=False)
        pairs = dict((p, g) for g, p in match([q.span for q in gold.quotes],
                                              [(q.span.start, q.span.end) for q in attribution.quotes]))
        for i, option, features in candidates(doc, attribution):
            if i not in pairs:
                continue
            target = trimmed_content(gold.text, gold.quotes[pairs[i]].span)
            quote = attribution.quotes[i]
            was = trimmed_content(gold.text, (quote.span.start, quote.span.end)) == target
            now = trimmed_content(gold.text, (option.span.start, option.span.end)) == target
            rows.append((features, int(now), int(was), k, option.name))
    return rows


def best_threshold(probabilities: Sequence[float], rows) -> tuple[float, int]:
    """The threshold with the largest net gain of exact boundaries (gains minus losses)."""
    best, best_gain = 1.01, 0
    for t in [i / 100 for i in range(5, 100)]:
        gain = sum(now - was for p, (_, now, was, _, _) in zip(probabilities, rows) if p >= t)
        if gain > best_gain:
            best, best_gain = t, gain
    return best, best_gain


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="quotes-dev train-boundaries", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", default="polnear-train", help="gold set to train on (by name)")
    ap.add_argument("--dev", default="polnear-dev", help="gold set to report on (by name)")
    ap.add_argument("--eval-dir", type=Path, default=SHARED_EVAL)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="parse cache folder")
    ap.add_argument("--min-count", type=int, default=10, help="keep features seen this often")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    args = ap.parse_args(argv)
    import numpy as np

    rows = examples(args.train, args.eval_dir, args.cache)
    names = feature_names([r[0] for r in rows], args.min_count)
    x, y = matrix([r[0] for r in rows], names), np.array([r[1] for r in rows])
    groups = [r[3] for r in rows]
    raw = cross_validated(x, y, groups, FOLDS, PARAMS)
    calibrated = cross_calibrated(raw, y.tolist(), groups, FOLDS)
    threshold, gain = best_threshold(calibrated, rows)
    print(f"train: {len(rows)} options ({int(y.sum())} give the gold boundary; "
          f"{sum(r[2] for r in rows)} replace an exact one), {len(names)} features")
    print(f"train, {FOLDS}-fold: threshold {threshold:.2f} gains {gain} exact boundaries net")
    model = fit(x, y, PARAMS)
    curve = calibrate(model.predict_proba(x)[:, 1].tolist(), y.tolist())
    info = {"version": "boundaries-1", "trained_on": args.train, "options": len(rows),
            "cv_net_gain": gain}
    exported = export(model, names, curve, threshold, info)
    exported["format"] = "boundary-model/1"
    if args.dev:
        dev = examples(args.dev, args.eval_dir, args.cache)
        loaded = BoundaryModel(exported)
        p = loaded.trees.probabilities([r[0] for r in dev])
        taken = [(r, q) for r, q in zip(dev, p) if q >= threshold]
        print(f"dev: {len(dev)} options, {len(taken)} taken: {sum(r[1] for r, _ in taken)} now exact, "
              f"{sum(r[2] for r, _ in taken)} were exact (net {sum(r[1] - r[2] for r, _ in taken)})")
    write_model(exported, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
