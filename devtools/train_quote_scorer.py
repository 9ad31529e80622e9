"""``quotes-dev train-quote-scorer``: train the learned quote scorer on gold quotes.

Every quote the rules find in the training documents is a candidate; it is positive when it
matches a gold quote by the shared scoring rule (half of the shorter span overlaps, one-to-one,
``clients.evaluation.match``). Each candidate's features (``service.attribution.features``) feed
scikit-learn's HistGradientBoostingClassifier. Steps, all deterministic:

1. cross-validated predictions on the training documents (folds by document: doc i in fold i mod k);
2. an isotonic curve from those predictions to the labels (the calibration);
3. the final model on all training documents, exported as plain JSON (``scorer.FORMAT``);
4. the keep threshold chosen on the dev documents (never trained on): the highest F1 among
   thresholds keeping recall >= --min-recall, else the highest F1;
5. figures: train cross-validated and dev, before (rules only) and after, with the expected
   calibration error and a reliability table.

Parses come from a parse cache (``--train-parses``: a pickled list of {"id", "parsed"} in the gold
file's order) or from the service's own parser (bundled models), which takes a few minutes for
PolNeAR's 840 training documents.

    quotes-dev train-quote-scorer                    # ../shared/eval PolNeAR train + dev
    quotes-dev train-quote-scorer --train-parses /work/cache/parsed-0.4.0-polnear-train.pkl \\
        --dev-parses /work/cache/parsed-0.4.0-polnear-dev.pkl
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from clients.evaluation import GoldDocument, PredictedQuote, evaluate, load_gold, match, speaker_correct
from service.attribution import extractor
from service.attribution.features import document_features
from service.document import ParsedDocument
from service.pipeline import load_attribution_models
from service.attribution.scorer import FORMAT, QuoteScorer
from service.attribution.trees import feature_matrix
from service.attribution.spans import Attribution

REPO = Path(__file__).resolve().parents[1]
SHARED_EVAL = REPO.parent / "shared" / "eval"
DEFAULT_OUT = REPO / "service" / "models" / "attribution" / "quote_scorer.json"

# Gradient boosting settings (chosen on train cross-validation, not on dev).
PARAMS = dict(learning_rate=0.05, max_iter=250, max_leaf_nodes=15, min_samples_leaf=20,
              l2_regularization=1.0, early_stopping=False, random_state=0)
ECE_BINS = 10


@dataclass
class Candidates:
    """The rules' quotes of a set of documents, with features and labels."""

    documents: list[GoldDocument]
    attributions: list[Attribution]
    features: list[list[dict[str, float]]]  # per document, per quote
    matched: list[list[int]]  # 1 when the quote matches a gold quote
    right: list[list[int]]  # 1 when matched and, where the gold quote has a speaker, it is right

    def flat(self, name: str) -> list:
        return [x for doc in getattr(self, name) for x in doc]


def predicted_quotes(attribution: Attribution, confidences: Sequence[float] | None = None) -> list[PredictedQuote]:
    out = []
    for k, quote in enumerate(attribution.quotes):
        speaker = quote.speaker
        mention = speaker.mention_span if speaker is not None else None
        out.append(PredictedQuote(
            type=quote.type.value, span=(quote.span.start, quote.span.end), text=quote.text,
            speaker_name=speaker.name if speaker else "", speaker_mention=speaker.mention if speaker else "",
            mention_span=(mention.start, mention.end) if mention else None,
            cue=quote.cue.text if quote.cue else "", rule=quote.rule,
            confidence=quote.confidence if confidences is None else confidences[k],
            speaker_confidence=speaker.confidence if speaker else None))
    return out


def label(gold: GoldDocument, attribution: Attribution) -> tuple[list[int], list[int]]:
    predicted = predicted_quotes(attribution)
    pairs = match([q.span for q in gold.quotes], [q.span for q in predicted])
    matched, right = [0] * len(predicted), [0] * len(predicted)
    for g, p in pairs:
        matched[p] = 1
        quote = gold.quotes[g]
        right[p] = int(not quote.has_speaker or speaker_correct(quote, predicted[p]))
    return matched, right


def candidates(documents: list[GoldDocument], parsed: list[ParsedDocument],
               proposers: Sequence | None = None) -> Candidates:
    """The service's finds in ``documents``, labelled. ``proposers``: learned proposal models
    by fold (document k gets ``proposers[k % len(proposers)]``, one not trained on it); by
    default the shipped one."""
    out = Candidates(documents, [], [], [], [])
    shipped = load_attribution_models()
    for k, (gold, doc) in enumerate(zip(documents, parsed)):
        # the finds as the scorer sees them at serving time: before the learned boundaries
        # (and with the learned proposals, which the service gives only to a scorer)
        proposer = proposers[k % len(proposers)] if proposers else shipped.proposer
        attribution = extractor.extract(doc, proposer=proposer, ranker=shipped.ranker)
        matched, right = label(gold, attribution)
        out.attributions.append(attribution)
        out.features.append(document_features(doc, attribution))
        out.matched.append(matched)
        out.right.append(right)
    return out


def load_parses(path: Path, documents: list[GoldDocument]) -> list[ParsedDocument]:
    """Parses from a cache file, checked against the gold documents (same ids and texts)."""
    with open(path, "rb") as f:
        items = pickle.load(f)  # noqa: S301 - a cache this machine wrote, never shipped
    by_id = {str(item["id"]): item["parsed"] for item in items}
    out = []
    for gold in documents:
        parsed = by_id.get(gold.id)
        if parsed is None or parsed.text != gold.text:
            raise SystemExit(f"{path}: no parse of document {gold.id!r} with its gold text")
        out.append(parsed)
    return out


def service_parser() -> Callable[[list[str]], list[ParsedDocument]]:
    from service.pipeline import load_parser

    parser = load_parser(parallel_batches=1)
    return parser.parse


def parse_all(documents: list[GoldDocument], parse: Callable[[list[str]], list[ParsedDocument]],
              batch: int = 16) -> list[ParsedDocument]:
    out: list[ParsedDocument] = []
    for i in range(0, len(documents), batch):
        out.extend(parse([d.text for d in documents[i:i + batch]]))
    return out


# --- the model ----------------------------------------------------------------------------------

def feature_names(features: list[dict[str, float]], min_count: int) -> list[str]:
    """Features that are non-zero in at least ``min_count`` candidates, sorted (one-hot names of
    rare cue lemmas and relations would only be noise)."""
    counts: dict[str, int] = {}
    for f in features:
        for name, value in f.items():
            if value:
                counts[name] = counts.get(name, 0) + 1
    return sorted(name for name, n in counts.items() if n >= min_count)


def matrix(features: list[dict[str, float]], names: list[str]):
    return feature_matrix(features, {name: i for i, name in enumerate(names)})


def fit(x, y, params: dict):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(**params)
    if len(set(y)) < 2:
        raise SystemExit("training needs both real quotes and false finds among the candidates")
    return model.fit(x, y)


def cross_validated(x, y, groups: list[int], folds: int, params: dict) -> list[float]:
    """Out-of-fold probabilities; the fold of a candidate is its document's index mod ``folds``."""
    import numpy as np

    out = np.zeros(len(y))
    fold_of = np.array([g % folds for g in groups])
    for k in range(folds):
        test = fold_of == k
        if not test.any():
            continue
        train = ~test
        if len(set(y[train])) < 2:
            out[test] = y[train].mean() if train.any() else 0.5
            continue
        out[test] = fit(x[train], y[train], params).predict_proba(x[test])[:, 1]
    return out.tolist()


def export(model, names: list[str], calibration, threshold: float, info: dict) -> dict:
    """The fitted model as plain numbers (trees, calibration, threshold): ``scorer.FORMAT``."""
    trees = []
    for [predictor] in model._predictors:  # one tree per iteration for a binary model
        nodes = predictor.nodes
        if nodes["is_categorical"].any():
            raise SystemExit("categorical splits are not exported (features are numeric)")
        trees.append({
            "feature": [int(f) if not leaf else -1 for f, leaf in zip(nodes["feature_idx"], nodes["is_leaf"])],
            "threshold": [float(t) for t in nodes["num_threshold"]],
            "missing_left": [int(m) for m in nodes["missing_go_to_left"]],
            "left": [int(v) for v in nodes["left"]],
            "right": [int(v) for v in nodes["right"]],
            "value": [float(v) for v in nodes["value"]],
        })
    [baseline] = model._baseline_prediction.ravel().tolist()
    return {"format": FORMAT, **info, "features": names, "baseline": baseline, "threshold": threshold,
            "calibration": {"x": [float(v) for v in calibration.X_thresholds_],
                            "y": [float(v) for v in calibration.y_thresholds_]},
            "trees": trees}


def cross_calibrated(raw: list[float], y: list[int], groups: list[int], folds: int) -> list[float]:
    out = list(raw)
    for k in range(folds):
        test = [i for i, g in enumerate(groups) if g % folds == k]
        train = [i for i, g in enumerate(groups) if g % folds != k]
        if test and train:
            curve = calibrate([raw[i] for i in train], [y[i] for i in train])
            for i, p in zip(test, curve.predict([raw[i] for i in test]).tolist()):
                out[i] = p
    return out


def calibrate(raw: list[float], y: list[int]):
    from sklearn.isotonic import IsotonicRegression

    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)


# --- figures ------------------------------------------------------------------------------------

def ece(confidences: Sequence[float], outcomes: Sequence[int], bins: int = ECE_BINS) -> float:
    """Expected calibration error: the share-weighted gap between confidence and the share
    right in ``bins`` equal-width confidence bins."""
    n = len(confidences)
    if not n:
        return 0.0
    total = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [k for k, c in enumerate(confidences) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if members:
            mean_conf = sum(confidences[k] for k in members) / len(members)
            share = sum(outcomes[k] for k in members) / len(members)
            total += len(members) / n * abs(mean_conf - share)
    return total


def reliability(confidences: Sequence[float], outcomes: Sequence[int], bins: int = ECE_BINS) -> list[tuple]:
    rows = []
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [k for k, c in enumerate(confidences) if lo <= c < hi or (b == bins - 1 and c == 1.0)]
        if members:
            rows.append((f"{lo:.1f}-{hi:.1f}", len(members), sum(confidences[k] for k in members) / len(members),
                         sum(outcomes[k] for k in members) / len(members)))
    return rows


def figures(cands: Candidates, probabilities: list[list[float]] | None, threshold: float) -> dict:
    """P/R/F1, recall by type and speaker accuracy of the kept quotes (all quotes when
    ``probabilities`` is None: the rules alone), with ECE on 'matched' and on 'right'."""
    pairs, confidences, matched, right = [], [], [], []
    for k, (gold, attribution) in enumerate(zip(cands.documents, cands.attributions)):
        probs = probabilities[k] if probabilities is not None else None
        keep = [i for i in range(len(attribution.quotes)) if probs is None or probs[i] >= threshold]
        predicted = predicted_quotes(attribution, probs)
        pairs.append((gold, [predicted[i] for i in keep]))
        confidences += [predicted[i].confidence for i in keep]
        matched += [cands.matched[k][i] for i in keep]
        right += [cands.right[k][i] for i in keep]
    report = evaluate(pairs)
    return {"precision": report.precision, "recall": report.recall, "f1": report.f1,
            "predicted": report.counts.predicted, "gold": report.counts.gold, "matched": report.counts.matched,
            "recall_by_type": report.recall_by_type(), "speaker": report.speaker_accuracy,
            "speaker_counts": (report.counts.speaker_right, report.counts.with_speaker),
            "ece_matched": ece(confidences, matched), "ece_right": ece(confidences, right),
            "reliability_matched": reliability(confidences, matched),
            "reliability_right": reliability(confidences, right)}


def choose_threshold(cands: Candidates, probabilities: list[list[float]], min_recall: float) -> float:
    """The threshold (0.00 to 0.95) with the highest F1 among those keeping recall >= min_recall
    (or the highest F1 if none does); of equally good ones, the middle one (the calibrated
    probabilities come in steps, so a range of thresholds keeps the same quotes)."""
    scored = []
    for step in range(0, 96):
        t = step / 100
        fig = figures(cands, probabilities, t)
        scored.append(((fig["recall"] >= min_recall, round(fig["f1"], 6)), t))
    best = max(key for key, _ in scored)
    ties = [t for key, t in scored if key == best]
    return ties[len(ties) // 2]


def format_figures(name: str, fig: dict) -> str:
    by_type = "  ".join(f"{t} {r:.3f}" for t, r in fig["recall_by_type"].items())
    right, total = fig["speaker_counts"]
    return (f"{name}: P {fig['precision']:.3f}  R {fig['recall']:.3f}  F1 {fig['f1']:.3f}  "
            f"(predicted {fig['predicted']}, matched {fig['matched']}, gold {fig['gold']})\n"
            f"    recall {by_type}  speaker {fig['speaker']:.3f} ({right}/{total})\n"
            f"    ECE (confidence vs matched) {fig['ece_matched']:.3f}  (vs matched+speaker right) {fig['ece_right']:.3f}")


def format_reliability(fig: dict) -> str:
    lines = ["    confidence  quotes  mean conf  share matched  share right"]
    right = {row[0]: row[3] for row in fig["reliability_right"]}
    for bucket, n, conf, share in fig["reliability_matched"]:
        lines.append(f"    {bucket:<10} {n:>7} {conf:>10.3f} {share:>14.3f} {right[bucket]:>12.3f}")
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------------

def train(*args, **kwargs) -> dict:
    """Train, calibrate, choose the threshold; return the exported model (and print figures).
    See ``_train`` for the arguments."""
    from threadpoolctl import threadpool_limits

    # One OpenMP thread: on a busy machine more threads than free cores make a fit many times
    # slower (a 10 s fit took minutes on 2 shared cores); the model is the same either way.
    with threadpool_limits(limits=1):
        return _train(*args, **kwargs)


def _train(train_docs: list[GoldDocument], train_parsed: list[ParsedDocument],
          dev_docs: list[GoldDocument] | None, dev_parsed: list[ParsedDocument] | None, *,
          folds: int = 5, min_count: int = 10, min_recall: float = 0.88, threshold: float = 0.5,
          params: dict | None = None, out=None, proposers: Sequence | None = None) -> dict:
    """Train, calibrate, choose the threshold; return the exported model (and print figures)."""
    import numpy as np
    import sklearn

    params = dict(PARAMS if params is None else params)
    out = out or sys.stdout
    cands = candidates(train_docs, train_parsed, proposers)
    flat = cands.flat("features")
    names = feature_names(flat, min_count)
    x, y = matrix(flat, names), np.array(cands.flat("matched"))
    groups = [k for k, doc in enumerate(cands.features) for _ in doc]
    oof = cross_validated(x, y, groups, max(2, min(folds, len(train_docs))), params)
    calibration = calibrate(oof, y.tolist())
    model = fit(x, y, params)
    info = {"trained_on": {"documents": len(train_docs), "candidates": len(y), "positives": int(y.sum())},
            "label": "matches a gold quote (half of the shorter span overlaps, one-to-one)",
            "params": params, "sklearn": sklearn.__version__}
    exported = export(model, names, calibration, threshold, info)
    scorer = QuoteScorer(exported)

    # For the train figures each fold is calibrated by a curve fitted on the other folds, so
    # the train ECE is not measured on the data its curve was fitted to.
    oof_calibrated = cross_calibrated(oof, y.tolist(), groups, max(2, min(folds, len(train_docs))))
    by_doc, i = [], 0
    for doc in cands.features:
        by_doc.append(oof_calibrated[i:i + len(doc)])
        i += len(doc)
    print(f"train: {len(train_docs)} documents, {len(y)} candidates, {int(y.sum())} matched; "
          f"{len(names)} features, {len(exported['trees'])} trees", file=out)
    if dev_docs is not None and dev_parsed is not None:
        dev = candidates(dev_docs, dev_parsed)
        dev_probs = [scorer.probabilities(doc) for doc in dev.features]
        exported["threshold"] = threshold = choose_threshold(dev, dev_probs, min_recall)
        print(f"threshold chosen on dev: {threshold:.2f} (highest F1 with recall >= {min_recall})", file=out)
        before, after = figures(dev, None, 0.0), figures(dev, dev_probs, threshold)
        print("dev by threshold:  " + "  ".join(
            f"{t:.2f}: P {fig['precision']:.3f} R {fig['recall']:.3f} F1 {fig['f1']:.3f}"
            for t in (0.2, 0.3, 0.4, 0.5) for fig in [figures(dev, dev_probs, t)]), file=out)
        exported["dev"] = {"documents": len(dev_docs), **{k: round(after[k], 6) for k in (
            "precision", "recall", "f1", "speaker", "ece_matched", "ece_right")}}
    print(format_figures("train CV, rules only", figures(cands, None, 0.0)), file=out)
    train_after = figures(cands, by_doc, threshold)
    print(format_figures(f"train CV, scorer (threshold {threshold:.2f})", train_after), file=out)
    exported["train_cv"] = {k: round(train_after[k], 6) for k in ("precision", "recall", "f1", "speaker", "ece_matched")}
    if dev_docs is not None and dev_parsed is not None:
        print(format_figures("dev, rules only", before), file=out)
        print(format_reliability(before), file=out)
        print(format_figures(f"dev, scorer (threshold {threshold:.2f})", after), file=out)
        print(format_reliability(after), file=out)
    return exported


def _cached(path: Path, documents: list[GoldDocument]) -> list[ParsedDocument]:
    """Parses from the ``quotes-dev snapshot`` cache (parsed with the service's bundled models
    the first time)."""
    from devtools.snapshot import DEFAULT_CACHE, cached_parses

    name = path.name.removesuffix(".jsonl").removesuffix("-gold")
    return cached_parses(name, documents, DEFAULT_CACHE, lambda: _Parser(service_parser()))


class _Parser:
    def __init__(self, parse) -> None:
        self.parse = parse


def write_model(model: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Compact, sorted keys: the same training gives the same bytes.
    path.write_text(json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog=sys.argv[0] if argv is not None else None,
        description="Train the learned quote scorer (keep/drop + calibrated confidence of the rules' "
                    "quotes) on gold quotes, choose its keep threshold on a dev set, write the model.")
    ap.add_argument("--train", type=Path, default=SHARED_EVAL / "polnear-train-gold.jsonl",
                    help="gold JSONL to train on (default: ../shared/eval/polnear-train-gold.jsonl)")
    ap.add_argument("--dev", type=Path, default=SHARED_EVAL / "polnear-dev-gold.jsonl",
                    help="gold JSONL for the threshold and the figures, never trained on "
                         "(default: ../shared/eval/polnear-dev-gold.jsonl); 'none': no dev set, "
                         "the threshold is --threshold")
    ap.add_argument("--train-parses", type=Path, help="parse cache of --train (pickled list of "
                    "{'id', 'parsed'}); default: the quotes-dev snapshot cache (parsed with the "
                    "service's bundled models the first time)")
    ap.add_argument("--dev-parses", type=Path, help="parse cache of --dev, likewise")
    ap.add_argument("--proposal-folds", type=Path, metavar="DIR",
                    help="learned proposal models by fold (train-proposals --folds-out DIR): each "
                         "training document gets proposals from a model not trained on it, so "
                         "the scorer and its cross-validated figures see proposals as new text "
                         "gets them (default: the shipped model for every document)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"model file to write (default: {DEFAULT_OUT.relative_to(REPO)})")
    ap.add_argument("--folds", type=int, default=5, help="cross-validation folds over documents (default 5)")
    ap.add_argument("--min-count", type=int, default=10,
                    help="keep features non-zero in at least this many candidates (default 10)")
    ap.add_argument("--min-recall", type=float, default=0.88,
                    help="the threshold keeps at least this recall on dev when it can (default 0.88)")
    ap.add_argument("--threshold", type=float, default=0.5, help="keep threshold without a dev set (default 0.5)")
    ap.add_argument("--max-iter", type=int, default=PARAMS["max_iter"],
                    help=f"boosting iterations, one tree each (default {PARAMS['max_iter']})")
    ap.add_argument("--min-samples-leaf", type=int, default=PARAMS["min_samples_leaf"],
                    help=f"fewest candidates in a leaf (default {PARAMS['min_samples_leaf']}; "
                         "lower for tiny training sets)")
    args = ap.parse_args(argv)

    train_docs = load_gold(args.train)
    dev_docs = None if str(args.dev) == "none" else load_gold(args.dev)
    if args.train_parses:
        train_parsed = load_parses(args.train_parses, train_docs)
    else:
        train_parsed = _cached(args.train, train_docs)
    dev_parsed = None
    if dev_docs is not None:
        dev_parsed = load_parses(args.dev_parses, dev_docs) if args.dev_parses else _cached(args.dev, dev_docs)
    params = dict(PARAMS, max_iter=args.max_iter, min_samples_leaf=args.min_samples_leaf)
    proposers = None
    if args.proposal_folds:
        from service.attribution.proposals import ProposalModel

        proposers = [ProposalModel.load(p) for p in sorted(args.proposal_folds.glob("fold-*.json"))]
    model = train(train_docs, train_parsed, dev_docs, dev_parsed, folds=args.folds, min_count=args.min_count,
                  min_recall=args.min_recall, threshold=args.threshold, params=params, proposers=proposers)
    write_model(model, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
