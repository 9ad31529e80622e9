"""Train the speaker ranker (service/attribution/speaker_ranking.py) on gold quotes.

    quotes-dev train-speaker-ranker --gold ../shared/eval/polnear-train-gold.jsonl \\
        [--parse-cache PKL] [--dev-gold ../shared/eval/polnear-dev-gold.jsonl --dev-parse-cache PKL] \\
        [--out service/models/attribution/speaker_ranker.json]

For every predicted quote (the rules' finds, speaker mentions as the rules chose them) that
matches a gold quote with a speaker, each speaker candidate is labelled right when its mention
overlaps the gold ``speaker_span`` or its name contains the gold speaker or an alias (the scorer's
rule, clients/evaluation.py). A logistic regression over the candidates' features (scikit-learn,
lbfgs, fixed C) scores them; the quote's speaker is its best candidate. The confidence is that
score Platt-scaled on out-of-fold predictions (5 folds by document) of the training gold, so it
reads as the probability that the speaker is right given that the quote is.

The dev gold, when given, is only scored (speaker accuracy of the rules' choice and of the
ranker's, reliability table and expected calibration error of the confidence): it chooses
settings (C) by hand, it is never trained on. The output is deterministic for the same code and
gold (documents in file order, no randomness). Without a parse cache the gold texts are parsed
with the bundled models (840 PolNeAR train documents: several minutes).
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from clients.evaluation import GoldDocument, PredictedQuote, load_gold, match, speaker_correct
from service.attribution.parsed import ParsedDocument
from service.attribution.speaker_ranking import (MODEL_FORMAT, MODEL_PATH, Candidate,
                                                 SpeakerRanker, is_relative)
from service.attribution import reported
from service.attribution.speakers import SpeakerResolver, make_mention
from service.attribution.spans import Attribution

DEFAULT_C = 0.3
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
    from service.nlp.models import resolve_models
    from service.nlp.pipeline import DocumentParser

    parser = DocumentParser(resolve_models(), torch_threads=1)
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
        antecedent = reported.antecedent_of_relative(doc, head)
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


def fit(examples: list[Example], c_value: float):
    """(vectorizer, logistic regression) over every candidate of ``examples``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [f for e in examples for f in e.features]
    labels = [int(y) for e in examples for y in e.labels]
    if len(set(labels)) < 2:
        raise SystemExit("training needs right and wrong candidates; the gold gives only one kind")
    vectorizer = DictVectorizer(sparse=False, sort=True)
    matrix = vectorizer.fit_transform(rows)
    model = LogisticRegression(C=c_value, max_iter=2000, solver="lbfgs")
    model.fit(matrix, labels)
    return vectorizer, model


def to_ranker(vectorizer, model, calibration: tuple[float, float], info: dict) -> SpeakerRanker:
    weights = {name: round(float(w), 6) for name, w in zip(vectorizer.feature_names_, model.coef_[0])
               if abs(w) >= 1e-9}
    return SpeakerRanker(weights, round(float(model.intercept_[0]), 6),
                         (round(calibration[0], 6), round(calibration[1], 6)), info)


def winners(ranker: SpeakerRanker, examples: list[Example]) -> list[tuple[float, bool, bool]]:
    """Per quote: (winner's logit, winner right, chain right)."""
    from service.attribution.speaker_ranking import Candidate as _C  # noqa: F401  (same type)

    out = []
    for e in examples:
        scores = [ranker.logit(f) for f in e.features]
        best = max(range(len(scores)), key=lambda k: (round(scores[k], 9), k == e.chain, -k))
        out.append((scores[best], e.labels[best], e.chain is not None and e.labels[e.chain]))
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


def train(examples: list[Example], c_value: float) -> SpeakerRanker:
    documents = sorted({e.document for e in examples})
    folds = min(FOLDS, len(documents))
    held_out: list[tuple[float, bool]] = []
    if folds >= 2:
        for k in range(folds):
            test_docs = set(documents[k::folds])
            train_part = [e for e in examples if e.document not in test_docs]
            test_part = [e for e in examples if e.document in test_docs]
            labels = {y for e in train_part for y in e.labels}
            if not test_part or len(labels) < 2:
                continue
            ranker = to_ranker(*fit(train_part, c_value), (1.0, 0.0), {})
            held_out += [(logit, right) for logit, right, _ in winners(ranker, test_part)]
    calibration = platt(held_out) if held_out else (1.0, 0.0)
    vectorizer, model = fit(examples, c_value)
    info = {"trained_on": "gold quotes given to quotes-dev train-speaker-ranker",
            "quotes": len(examples), "candidates": sum(len(e.features) for e in examples), "C": c_value}
    return to_ranker(vectorizer, model, calibration, info)


def score(ranker: SpeakerRanker, examples: list[Example]) -> dict:
    result = winners(ranker, examples)
    n = len(result) or 1
    chosen = [(ranker.confidence(logit), right) for logit, right, _ in result]
    rows, ece = reliability(chosen)
    return {"quotes": len(result), "chain_right": sum(r[2] for r in result) / n,
            "ranker_right": sum(r[1] for r in result) / n,
            "oracle": sum(any(e.labels) for e in examples) / n,
            "ece": round(ece, 4), "reliability": rows}


def write(ranker: SpeakerRanker, path: Path, info: dict) -> None:
    data = {"format": MODEL_FORMAT, "bias": ranker.bias, "calibration": list(ranker.calibration),
            "weights": dict(sorted(ranker.weights.items())), "info": info}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


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
    parser.add_argument("-C", dest="c_value", type=float, default=DEFAULT_C,
                        help=f"inverse regularisation strength (default {DEFAULT_C}, chosen on dev)")
    args = parser.parse_args(argv)

    documents = load_gold(args.gold)
    examples = examples_of(documents, parsed_documents(documents, args.parse_cache))
    ranker = train(examples, args.c_value)
    info = dict(ranker.info, trained_on=f"{Path(args.gold).name} ({len(documents)} documents)")
    write(ranker, Path(args.out), info)
    report = {"train": score(ranker, examples)}
    if args.dev_gold:
        dev = load_gold(args.dev_gold)
        report["dev"] = score(ranker, examples_of(dev, parsed_documents(dev, args.dev_parse_cache)))
    print(json.dumps({"model": args.out, "weights": len(ranker.weights), **report}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
