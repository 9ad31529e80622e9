"""``quotes-dev train-proposals``: train the learned proposals (reported phrases the rules miss).

For each training document: the rules' finds (clause finders and quotations, the passes before
the proposals), and every phrase after a verb or noun that none of them covers
(``service.attribution.proposals.candidates``). A candidate is positive when it matches (the
shared scoring rule: half of the shorter span) a gold quote that the service without proposals
does not find. Heads whose lemma led to at least ``--min-positives`` positive candidates become
the model's lemma list (only they propose at serving time); a tree ensemble over the candidates'
features is trained on those, its threshold chosen on cross-validated predictions of the training
documents as the lowest whose proposals are right at least ``--min-precision`` of the time (the
quote scorer, which sees every proposal with its context, drops the wrong ones it can tell).
``--folds-out`` also writes the five fold models, so the quote scorer can be trained on proposals
made by a model that never saw the document. Dev only reports.

    quotes-dev train-proposals                       # PolNeAR train, figures on dev
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from clients.evaluation import load_gold, match, overlap
from devtools.snapshot import DEFAULT_CACHE, SHARED_EVAL, cached_parses
from devtools.train_quote_scorer import (calibrate, cross_calibrated, cross_validated, export, fit,
                                         feature_names, matrix, write_model)
from service.attribution import extractor
from service.attribution.found import Work
from service.attribution.proposals import FORMAT, MODEL_PATH, ProposalModel, candidates, features

PARAMS = dict(learning_rate=0.05, max_iter=250, max_leaf_nodes=15, min_samples_leaf=20,
              l2_regularization=1.0, early_stopping=False, random_state=0)
FOLDS = 5
RULE_PASSES = 2  # the clause finders and the quotations: what runs before the proposals


def examples(name: str, eval_dir: Path, cache: Path):
    """(features, label, document index, lemma) of every candidate of every document."""
    from service.api import Extractor

    ex = Extractor(parallel_batches=2)
    documents = load_gold(eval_dir / f"{name}-gold.jsonl")
    parsed = cached_parses(name, documents, cache, lambda: ex.parser)
    scorer = ex.scorer
    rows = []
    for k, (gold, doc) in enumerate(zip(documents, parsed)):
        without = extractor.extract(doc, scorer, ranker=ex.pipeline.models.ranker)
        found_gold = {g for g, _ in match([q.span for q in gold.quotes],
                                          [(q.span.start, q.span.end) for q in without.quotes])}
        targets = [q.span for i, q in enumerate(gold.quotes) if i not in found_gold]
        work = Work.of(doc)
        for _name, run in extractor.PASSES[:RULE_PASSES]:
            run(work)
        for c in candidates(doc, work.regions, work.found, None):
            span = (c.span.start, c.span.end)
            positive = any(overlap(span, t) >= 0.5 * min(span[1] - span[0], t[1] - t[0]) for t in targets)
            rows.append((features(doc, c), int(positive), k, c.head.lemma.lower()))
    return rows


def lowest_threshold(probabilities: Sequence[float], labels: Sequence[int],
                     min_precision: float) -> tuple[float, int, int]:
    """The lowest threshold whose proposals are right at least ``min_precision`` of the time:
    (threshold, right, wrong). Recall first: the quote scorer after it drops the wrong ones it
    can tell."""
    for t in [i / 100 for i in range(5, 100)]:
        right = sum(1 for p, y in zip(probabilities, labels) if p >= t and y)
        wrong = sum(1 for p, y in zip(probabilities, labels) if p >= t and not y)
        if right + wrong and right / (right + wrong) >= min_precision:
            return t, right, wrong
    return 1.01, 0, 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="quotes-dev train-proposals", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", default="polnear-train", help="gold set to train on (by name)")
    ap.add_argument("--dev", default="polnear-dev", help="gold set to report on (by name)")
    ap.add_argument("--eval-dir", type=Path, default=SHARED_EVAL)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="parse cache folder")
    ap.add_argument("--min-positives", type=int, default=3,
                    help="a head lemma proposes only if this many training candidates of it were right")
    ap.add_argument("--min-count", type=int, default=10, help="keep features seen this often")
    ap.add_argument("--min-precision", type=float, default=0.4,
                    help="the threshold is the lowest whose cross-validated proposals are right this "
                         "often (default 0.4; the quote scorer filters them after)")
    ap.add_argument("--out", type=Path, default=MODEL_PATH)
    ap.add_argument("--folds-out", type=Path, metavar="DIR",
                    help="also write the fold models (fold-K.json: trained without the documents "
                         "whose index mod 5 is K), for training the quote scorer on proposals it "
                         "was not trained on (train-quote-scorer --proposal-folds DIR)")
    args = ap.parse_args(argv)
    import numpy as np

    rows = examples(args.train, args.eval_dir, args.cache)
    positives = Counter(r[3] for r in rows if r[1])
    lemmas = sorted(lemma for lemma, n in positives.items() if n >= args.min_positives)
    kept = [r for r in rows if r[3] in set(lemmas)]
    names = feature_names([r[0] for r in kept], args.min_count)
    x, y = matrix([r[0] for r in kept], names), np.array([r[1] for r in kept])
    groups = [r[2] for r in kept]
    raw = cross_validated(x, y, groups, FOLDS, PARAMS)
    calibrated = cross_calibrated(raw, y.tolist(), groups, FOLDS)
    threshold, right, wrong = lowest_threshold(calibrated, y.tolist(), args.min_precision)
    print(f"train: {len(rows)} candidates, {sum(r[1] for r in rows)} right; {len(lemmas)} head lemmas "
          f"keep {len(kept)} candidates, {int(y.sum())} right; {len(names)} features")
    print(f"train, {FOLDS}-fold: threshold {threshold:.2f} proposes {right} right, {wrong} wrong")
    model = fit(x, y, PARAMS)
    curve = calibrate(model.predict_proba(x)[:, 1].tolist(), y.tolist())
    info = {"version": "proposals-1", "trained_on": args.train, "candidates": len(kept),
            "cv_right": right, "cv_wrong": wrong}
    exported = export(model, names, curve, threshold, info)
    exported["format"] = FORMAT
    exported["lemmas"] = lemmas
    if args.folds_out:
        args.folds_out.mkdir(parents=True, exist_ok=True)
        fold_of = np.array([g % FOLDS for g in groups])
        for k in range(FOLDS):
            train = fold_of != k
            fold_model = fit(x[train], y[train], PARAMS)
            fold_curve = calibrate(fold_model.predict_proba(x[train])[:, 1].tolist(), y[train].tolist())
            fold = export(fold_model, names, fold_curve, threshold, {**info, "fold": k})
            fold.update(format=FORMAT, lemmas=lemmas)
            write_model(fold, args.folds_out / f"fold-{k}.json")
        print(f"wrote {FOLDS} fold models to {args.folds_out}")
    if args.dev:
        dev = [r for r in examples(args.dev, args.eval_dir, args.cache) if r[3] in set(lemmas)]
        loaded = ProposalModel(exported)
        p = loaded.trees.probabilities([r[0] for r in dev])
        taken = [r for r, q in zip(dev, p) if q >= threshold]
        print(f"dev: {len(dev)} candidates, {sum(r[1] for r in dev)} right; proposes "
              f"{sum(r[1] for r in taken)} right, {sum(1 - r[1] for r in taken)} wrong")
    write_model(exported, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
