"""Train the speaker ranker (service/attribution/speakers/ranking.py) on gold quotes.

    quotes-dev train-speaker-ranker --gold ../shared/eval/polnear-train-gold.jsonl \\
        [--parse-cache PKL] [--dev-gold ../shared/eval/polnear-dev-gold.jsonl --dev-parse-cache PKL] \\
        [--out service/models/attribution/speaker_ranker.json]

For every predicted quote (the rules' finds, speaker mentions as the rules chose them) that
matches a gold quote with a speaker, each speaker candidate is labelled right when its mention
overlaps the gold ``speaker_span`` or its name contains the gold speaker or an alias (the scorer's
rule, clients/evaluation.py). Gradient-boosted trees over the candidates' features (scikit-learn's
HistGradientBoostingClassifier, fixed settings, no early stopping) score them; the quote's speaker
is its best candidate; the trees are written out as plain JSON data. The confidence is that
score Platt-scaled on out-of-fold predictions (5 folds by document) of the training gold, so it
reads as the probability that the speaker is right given that the quote is.

The dev gold, when given, is only scored (speaker accuracy of the rules' choice and of the
ranker's, reliability table and expected calibration error of the confidence): it chooses
settings by hand, it is never trained on. The output is deterministic for the same code and
gold (documents in file order, no randomness). Without a parse cache the gold texts are parsed
with the bundled models (840 PolNeAR train documents: several minutes).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from clients.evaluation import GoldDocument, PredictedQuote, load_gold, match, speaker_correct
from service.document import ParsedDocument
from service.attribution.speakers.ranking import (MODEL_PATH, Candidate, SpeakerRanker, Tree,
                                                 is_relative)
from service.attribution.speakers.heads import antecedent_of_relative
from service.attribution.speakers.mentions import make_mention
from service.attribution.speakers.resolution import SpeakerResolver
from service.attribution.spans import Attribution

FOLDS = 5
ECE_BINS = 10


@dataclass
class Example:
    """One quote's candidates, labelled."""

    document: int
    features: list[dict[str, float]]
    labels: list[bool]
    chain: int | None  # index of the rules' own choice among the candidates


def parsed_documents(documents: list[GoldDocument], cache: str | None) -> list[ParsedDocument]:
    if cache:
        with open(cache, "rb") as f:
            items = pickle.load(f)
        ids = [str(item["id"]) for item in items]
        if ids[:len(documents)] != [d.id for d in documents]:
            raise SystemExit(f"{cache}: documents differ from the gold file's (ids or order)")
        return [item["parsed"] for item in items[:len(documents)]]
    from service.pipeline import load_parser

    parser = load_parser(parallel_batches=1)
    out: list[ParsedDocument] = []
    for at in range(0, len(documents), 16):
        out += parser.parse([d.text for d in documents[at:at + 16]])
        print(f"parsed {len(out)}/{len(documents)}", file=sys.stderr, flush=True)
    return out


def _said_by(doc: ParsedDocument, attribution: Attribution, candidate: Candidate,
             resolver: SpeakerResolver) -> tuple[str, str, tuple[int, int]]:
    """(name, mention, mention span) the quote would get with this candidate as its speaker."""
    head = candidate.head
    if is_relative(head):
        antecedent = antecedent_of_relative(doc, head)
        mention = make_mention(doc, antecedent) if antecedent is not None else make_mention(doc, head)
        return mention.text, head.text, (head.start, head.end)
    mention = make_mention(doc, head)
    span = (mention.span.start, mention.span.end)
    name = mention.name if mention.form != "name" else resolver._fullest_name(mention.name)
    # A pronoun, or a name the document resolved further, as the rules resolved it elsewhere.
    for quote in attribution.quotes:
        s = quote.speaker
        if s is not None and s.mention_span is not None and (s.mention_span.start, s.mention_span.end) == span:
            name = s.name
            break
    return name, mention.text, span


def examples_of(documents: list[GoldDocument], parsed: list[ParsedDocument]) -> list[Example]:
    from service.attribution.extractor import extract_with_candidates

    out: list[Example] = []
    for number, (gold, doc) in enumerate(zip(documents, parsed)):
        attribution, options = extract_with_candidates(doc, ranker=None)
        resolver = SpeakerResolver(doc)
        predicted = attribution.quotes
        for g, p in match([q.span for q in gold.quotes], [(q.span.start, q.span.end) for q in predicted]):
            if not gold.quotes[g].has_speaker or not options[p]:
                continue
            quote = predicted[p]
            labels = []
            chain = None
            for k, c in enumerate(options[p]):
                if "chain" in c.sources and quote.speaker is not None:
                    chain = k
                    s = quote.speaker
                    said = (s.name, s.mention, (s.mention_span.start, s.mention_span.end) if s.mention_span else None)
                else:
                    said = _said_by(doc, attribution, c, resolver)
                labels.append(speaker_correct(gold.quotes[g], PredictedQuote(
                    quote.type.value, (quote.span.start, quote.span.end),
                    speaker_name=said[0], speaker_mention=said[1], mention_span=said[2])))
            out.append(Example(number, [c.features for c in options[p]], labels, chain))
    return out


@dataclass(frozen=True)
class Settings:
    """The model's settings (chosen on dev by hand; see docs/ACCURACY.md, 'Speaker ranking')."""

    iterations: int = 600
    learning_rate: float = 0.05
    leaves: int = 7
    min_leaf: int = 50
    l2: float = 1.0


def fit(examples: list[Example], settings: Settings):
    """(vectorizer, gradient-boosted trees) over every candidate of ``examples``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer

    rows = [f for e in examples for f in e.features]
    labels = [int(y) for e in examples for y in e.labels]
    if len(set(labels)) < 2:
        raise SystemExit("training needs right and wrong candidates; the gold gives only one kind")
    vectorizer = DictVectorizer(sparse=False, sort=True)
    matrix = vectorizer.fit_transform(rows)
    model = HistGradientBoostingClassifier(
        max_iter=settings.iterations, learning_rate=settings.learning_rate,
        max_leaf_nodes=settings.leaves, min_samples_leaf=min(settings.min_leaf, max(1, len(rows) // 10)),
        l2_regularization=settings.l2, early_stopping=False, random_state=0)
    model.fit(matrix, labels)
    return vectorizer, model


def to_ranker(vectorizer, model, calibration: tuple[float, float], info: dict) -> SpeakerRanker:
    """The fitted trees as plain data (what the service loads, no scikit-learn needed)."""
    trees = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        trees.append(Tree(
            tuple(int(n["feature_idx"]) for n in nodes),
            tuple(float(n["num_threshold"]) for n in nodes),
            tuple(-1 if n["is_leaf"] else int(n["left"]) for n in nodes),
            tuple(-1 if n["is_leaf"] else int(n["right"]) for n in nodes),
            tuple(round(float(n["value"]), 7) if n["is_leaf"] else 0.0 for n in nodes)))
    return SpeakerRanker(tuple(vectorizer.feature_names_), tuple(trees),
                         round(float(model._baseline_prediction.ravel()[0]), 7),
                         (round(calibration[0], 6), round(calibration[1], 6)), info)


def logits(vectorizer, model, examples: list[Example]) -> list[list[float]]:
    """Each example's candidate logits, by scikit-learn (fast; the same as SpeakerRanker.logit)."""
    rows = [f for e in examples for f in e.features]
    if not rows:
        return []
    flat = list(model.decision_function(vectorizer.transform(rows)))
    out, at = [], 0
    for e in examples:
        out.append(flat[at:at + len(e.features)])
        at += len(e.features)
    return out


def winners(scores: list[list[float]], examples: list[Example]) -> list[tuple[float, bool, bool]]:
    """Per quote: (winner's logit, winner right, chain right)."""
    out = []
    for e, these in zip(examples, scores):
        best = max(range(len(these)), key=lambda k: (round(these[k], 9), k == e.chain, -k))
        out.append((these[best], e.labels[best], e.chain is not None and e.labels[e.chain]))
    return out


def platt(pairs: list[tuple[float, bool]]) -> tuple[float, float]:
    """(a, b) with P(right) = sigmoid(a * logit + b), fitted on held-out winners."""
    from sklearn.linear_model import LogisticRegression

    labels = [int(y) for _, y in pairs]
    if len(set(labels)) < 2:
        return 1.0, 0.0
    model = LogisticRegression(C=1e4, max_iter=1000)
    model.fit([[x] for x, _ in pairs], labels)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def reliability(pairs: list[tuple[float, bool]], bins: int = ECE_BINS) -> tuple[list[dict], float]:
    """Equal-width confidence bins: count, mean confidence, share right; and the expected
    calibration error (bin-weighted |share right - mean confidence|)."""
    rows = []
    ece = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(p, y) for p, y in pairs if low <= p < high or (b == bins - 1 and p == 1.0)]
        if not inside:
            continue
        mean = sum(p for p, _ in inside) / len(inside)
        share = sum(y for _, y in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(share - mean)
        rows.append({"bin": f"{low:.1f}-{high:.1f}", "quotes": len(inside), "confidence": round(mean, 3),
                     "right": round(share, 3)})
    return rows, ece


def train(examples: list[Example], settings: Settings) -> tuple[SpeakerRanker, list[list[float]]]:
    """The ranker, and its logits on ``examples`` (by scikit-learn, checked against the exported
    trees on a sample)."""
    documents = sorted({e.document for e in examples})
    folds = min(FOLDS, len(documents))
    held_out: list[tuple[float, bool]] = []
    if folds >= 2:
        for k in range(folds):
            test_docs = set(documents[k::folds])
            train_part = [e for e in examples if e.document not in test_docs]
            test_part = [e for e in examples if e.document in test_docs]
            if not test_part or len({y for e in train_part for y in e.labels}) < 2:
                continue
            fitted = fit(train_part, settings)
            held_out += [(logit, right) for logit, right, _ in winners(logits(*fitted, test_part), test_part)]
    calibration = platt(held_out) if held_out else (1.0, 0.0)
    vectorizer, model = fit(examples, settings)
    info = {"quotes": len(examples), "candidates": sum(len(e.features) for e in examples),
            "settings": asdict(settings)}
    ranker = to_ranker(vectorizer, model, calibration, info)
    scores = logits(vectorizer, model, examples)
    for e, these in list(zip(examples, scores))[::max(1, len(examples) // 200)]:
        for f, expected in zip(e.features, these):
            if abs(ranker.logit(f) - expected) > 1e-4:
                raise SystemExit(f"exported trees disagree with scikit-learn: {ranker.logit(f)} != {expected}")
    return ranker, scores


def score(ranker: SpeakerRanker, examples: list[Example], scores: list[list[float]] | None = None) -> dict:
    """The ranker on labelled quotes: share right (rules' choice, ranker's, best possible), and
    the reliability of its confidence."""
    if scores is None:
        scores = [[ranker.logit(f) for f in e.features] for e in examples]
    result = winners(scores, examples)
    n = len(result) or 1
    chosen = [(ranker.confidence(logit), right) for logit, right, _ in result]
    rows, ece = reliability(chosen)
    return {"quotes": len(result), "chain_right": round(sum(r[2] for r in result) / n, 4),
            "ranker_right": round(sum(r[1] for r in result) / n, 4),
            "oracle": round(sum(any(e.labels) for e in examples) / n, 4),
            "ece": round(ece, 4), "reliability": rows}


def write(ranker: SpeakerRanker, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ranker.to_json(), separators=(",", ":"), sort_keys=True) + "\n",
                    encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="quotes-dev train-speaker-ranker",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--gold", required=True, help="training gold JSONL (PolNeAR train split)")
    parser.add_argument("--parse-cache", help="pickled [{'id', 'parsed'}] of the gold documents, "
                                              "same order (skips parsing)")
    parser.add_argument("--dev-gold", help="gold JSONL only to score the result on (PolNeAR dev)")
    parser.add_argument("--dev-parse-cache", help="parse cache of --dev-gold")
    parser.add_argument("--out", default=str(MODEL_PATH), help=f"model file (default {MODEL_PATH})")
    defaults = Settings()
    parser.add_argument("--iterations", type=int, default=defaults.iterations, help="boosting rounds")
    parser.add_argument("--leaves", type=int, default=defaults.leaves, help="leaves per tree")
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--min-leaf", type=int, default=defaults.min_leaf, help="fewest candidates a leaf holds")
    args = parser.parse_args(argv)

    settings = Settings(iterations=args.iterations, leaves=args.leaves, learning_rate=args.learning_rate,
                        min_leaf=args.min_leaf)
    documents = load_gold(args.gold)
    examples = examples_of(documents, parsed_documents(documents, args.parse_cache))
    ranker, scores = train(examples, settings)
    ranker.info["trained_on"] = f"{Path(args.gold).name} ({len(documents)} documents)"
    write(ranker, Path(args.out))
    report = {"train": score(ranker, examples, scores)}
    if args.dev_gold:
        dev = load_gold(args.dev_gold)
        report["dev"] = score(ranker, examples_of(dev, parsed_documents(dev, args.dev_parse_cache)))
    print(json.dumps({"model": args.out, "trees": len(ranker.trees), **report}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
