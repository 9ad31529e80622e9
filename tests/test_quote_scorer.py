"""The learned quote scorer: the shipped model, its training command, and its figures on dev.

- The model loads from the package and, on text written here, keeps a plain attributed quotation
  while dropping (or rating lower) what the rules find but is no quote.
- ``quotes-dev train-quote-scorer`` runs on a tiny hand-written gold set (tests/data), writes the
  same bytes twice, and its JSON trees predict what scikit-learn's model predicts.
- On PolNeAR dev (skipped without ../shared) the shipped model keeps the recorded F1, less a
  small margin.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy
import pytest

from clients.client import QuoteClient
from clients.evaluation import evaluate, load_gold
from devtools import train_quote_scorer as training
from conftest import RULES, SHIPPED
from service.attribution.extractor import extract
from service.attribution.scorer import QuoteScorer
from service.pipeline import QUOTE_SCORER_MODEL as QUOTE_SCORER_FILE, load_attribution_models

DATA = Path(__file__).parent / "data"
SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
DEV_GOLD = SHARED_EVAL / "polnear-dev-gold.jsonl"
# PolNeAR dev as served (docs/ACCURACY.md, 'Current figures'); a change that loses more than the
# margin fails here.
DEV_F1 = 0.895
DEV_MARGIN = 0.01


@pytest.fixture(scope="module")
def scorer() -> QuoteScorer:
    return load_attribution_models().scorer


def test_the_shipped_model_loads_from_the_package(scorer):
    assert QUOTE_SCORER_FILE.is_file() and QUOTE_SCORER_FILE.stat().st_size < 5_000_000
    assert scorer.trees and scorer.feature_names
    assert 0.0 < scorer.threshold < 1.0
    model = json.loads(QUOTE_SCORER_FILE.read_text())
    assert model["trained_on"]["documents"] == 840  # PolNeAR's train split (docs/MODELS.md)


# A quotation with its cue and named speaker, then what the rules also take for reports but
# news annotation does not count as speech: a policy proposal and the object of a condemnation.
TEXT = ('"We will keep the border open for as long as it takes," Interior Minister Anna Berg said '
        'on Monday.\n\n'
        'Berg also proposed doing away with the toll on trucks that cross at night.\n\n'
        'The opposition leader condemned the decision to close the northern crossing.')


def test_the_scorer_keeps_the_quotation_and_drops_what_is_not_speech(parser, scorer):
    [doc] = parser.parse([TEXT])
    rules = RULES.extract(doc)
    scored = SHIPPED.extract(doc)

    def at(attribution, words):
        offset = TEXT.index(words)
        return next((q for q in attribution.quotes if q.span.start <= offset < q.span.end), None)

    kept = at(scored, "We will")
    assert kept is not None and kept.confidence >= 0.8
    assert kept.speaker is not None and kept.speaker.name == "Anna Berg"
    for words in ("doing away", "the decision"):
        found = at(rules, words)
        assert found is not None, f"the rules no longer find {words!r}: choose another example"
        doubted = at(scored, words)
        assert doubted is None or doubted.confidence < min(found.confidence, kept.confidence)
    assert len(scored.quotes) < len(rules.quotes)
    # speakers whose every quote was dropped leave the index; the others keep their counts
    assert {e.speaker_id for e in scored.speakers} == {q.speaker.speaker_id for q in scored.quotes if q.speaker}
    assert sum(e.quote_count for e in scored.speakers) == sum(1 for q in scored.quotes if q.speaker)


def test_the_server_answers_with_the_scorer_unless_it_is_off(make_server, parser, scorer):
    answers = {}
    for choice in ("bundled", "off"):
        server = make_server(quote_scorer=choice)
        with QuoteClient(f"127.0.0.1:{server.port}", timeout=60) as client:
            answers[choice] = client.extract(TEXT).quotes
    [doc] = parser.parse([TEXT])
    for choice, expected in (("bundled", SHIPPED.extract(doc)), ("off", RULES.extract(doc))):
        assert [(q.span.start, q.span.end) for q in answers[choice]] == [
            (q.span.start, q.span.end) for q in expected.quotes], choice
        assert [q.confidence for q in answers[choice]] == pytest.approx(
            [q.confidence for q in expected.quotes], abs=1e-6), choice
    assert len(answers["bundled"]) < len(answers["off"])


def test_without_a_scorer_the_rules_answer_alone(parser):
    [doc] = parser.parse([TEXT])
    assert [q.rule for q in extract(doc).quotes] == [q.rule for q in extract(doc, None).quotes]


def _cache(parser, path: Path, gold: Path) -> None:
    documents = load_gold(gold)
    parsed = parser.parse([d.text for d in documents])
    with open(path, "wb") as f:
        pickle.dump([{"id": d.id, "parsed": p} for d, p in zip(documents, parsed)], f)


def test_the_training_command_on_a_tiny_gold_set(parser, tmp_path, capsys):
    _cache(parser, tmp_path / "train.pkl", DATA / "tiny-gold-train.jsonl")
    _cache(parser, tmp_path / "dev.pkl", DATA / "tiny-gold-dev.jsonl")
    args = ["--train", str(DATA / "tiny-gold-train.jsonl"), "--train-parses", str(tmp_path / "train.pkl"),
            "--dev", str(DATA / "tiny-gold-dev.jsonl"), "--dev-parses", str(tmp_path / "dev.pkl"),
            "--folds", "2", "--min-count", "1", "--max-iter", "15", "--min-samples-leaf", "2"]
    assert training.main(args + ["--out", str(tmp_path / "a.json")]) == 0
    printed = capsys.readouterr().out
    assert "threshold chosen on dev" in printed and "dev, scorer" in printed and "ECE" in printed
    assert training.main(args + ["--out", str(tmp_path / "b.json")]) == 0
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()  # deterministic
    assert QuoteScorer.load(tmp_path / "a.json").trees
    assert json.loads((tmp_path / "a.json").read_text())["trained_on"]["documents"] == 4


def test_json_trees_predict_what_sklearn_predicts(parser):
    documents = load_gold(DATA / "tiny-gold-train.jsonl")
    cands = training.candidates(documents, parser.parse([d.text for d in documents]))
    flat = cands.flat("features")
    names = training.feature_names(flat, 1)
    x = training.matrix(flat, names)
    y = numpy.array(cands.flat("matched"))
    assert 0 < y.sum() < len(y), "the tiny set needs both real quotes and false finds"
    params = dict(training.PARAMS, max_iter=15, min_samples_leaf=2)
    model = training.fit(x, y, params)
    calibration = training.calibrate(model.predict_proba(x)[:, 1].tolist(), y.tolist())
    scorer = QuoteScorer(training.export(model, names, calibration, 0.5, {}))
    expected = model.predict_proba(x)[:, 1]
    assert any(len(t["value"]) > 1 for t in scorer.trees), "the trees should split"
    for features, p in zip(flat, expected):
        assert scorer.raw_probability(features) == pytest.approx(p, abs=1e-9)
    assert scorer.calibrate(0.5) == pytest.approx(float(calibration.predict([0.5])[0]))


@pytest.mark.skipif(not DEV_GOLD.exists(), reason="shared eval data not present")
def test_dev_figures_with_the_shipped_model(parser, scorer):
    documents = load_gold(DEV_GOLD)
    pairs = []
    for k in range(0, len(documents), 16):
        batch = documents[k:k + 16]
        for gold, doc in zip(batch, parser.parse([d.text for d in batch])):
            pairs.append((gold, training.predicted_quotes(SHIPPED.extract(doc))))
    report = evaluate(pairs)
    assert report.f1 >= DEV_F1 - DEV_MARGIN, report.to_dict()
