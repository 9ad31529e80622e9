"""The English models: which ones load, offline loading, the parses the quote logic relies on, and
a score floor on UD English-EWT dev (the figure recorded in docs/MODELS.md)."""

from __future__ import annotations

import json
import logging
import re
import socket
from pathlib import Path

import pytest
import torch

from devtools import evaluate_models as evaluate
from service.nlp.models import BUNDLED_DIR, load_pipeline, resolve_models

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "soleimani-article.txt"


def _no_network(*args, **kwargs):
    raise AssertionError(f"network access while loading models: {args[1:]}")


@pytest.fixture(scope="module")
def bundled_nlp():
    """The bundled pipeline (pretokenized pos, lemma, depparse), loaded with the network blocked."""
    torch.set_num_threads(1)  # as the tests' DocumentParser; 2 threads crawl on 2 busy cores
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("STANZA_RESOURCES_DIR", raising=False)
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        spec = resolve_models()
        before = sorted(BUNDLED_DIR.rglob("*"))
        nlp = load_pipeline(spec)
        assert sorted(BUNDLED_DIR.rglob("*")) == before, "loading wrote into the model folder"
    return spec, nlp


def test_bundled_models_load_offline(bundled_nlp):
    spec, nlp = bundled_nlp
    assert spec.source == "bundled"
    assert spec.resources_dir == BUNDLED_DIR
    doc = nlp([["Trump", "wrote", "a", "letter", "."]])
    assert [w.deprel for w in doc.sentences[0].words][:2] == ["nsubj", "root"]


def test_bundled_models_load_without_stanza_warnings(caplog):
    """A server's start-up log has no "Can not find package: default" from Stanza."""
    with caplog.at_level(logging.WARNING, logger="stanza"):
        load_pipeline(resolve_models(bundled_dir=BUNDLED_DIR))
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("stanza")]


def _stand_in_official(root: Path, processors=("pos", "lemma", "depparse")) -> Path:
    """A folder shaped like Stanza's resources (only for the choice; never parsed with)."""
    root.mkdir()
    (root / "resources.json").write_text(json.dumps({
        "version": "9.9.9",
        "en": {"default_processors": {"tokenize": "combined", "pos": "combined_charlm",
                                      "lemma": "combined_nocharlm", "depparse": "combined_charlm"}},
    }))
    for proc in processors:
        (root / "en" / proc).mkdir(parents=True)
        (root / "en" / proc / "combined.pt").write_bytes(b"stand-in")
    return root


def test_official_models_win_when_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("STANZA_RESOURCES_DIR", raising=False)
    official = _stand_in_official(tmp_path / "stanza")
    spec = resolve_models(official_dir=official)
    assert (spec.source, spec.resources_dir, spec.version) == ("official", official, "9.9.9")
    assert spec.pipeline_kwargs["dir"] == str(official)
    monkeypatch.setenv("STANZA_RESOURCES_DIR", str(official))
    assert resolve_models().source == "official"


def test_incomplete_official_folder_falls_back_to_bundled(tmp_path, monkeypatch):
    monkeypatch.delenv("STANZA_RESOURCES_DIR", raising=False)
    no_parser = _stand_in_official(tmp_path / "no-parser", processors=("pos", "lemma"))
    empty_parser = _stand_in_official(tmp_path / "empty-parser", processors=("pos", "lemma"))
    (empty_parser / "en" / "depparse").mkdir()
    for folder in (no_parser, empty_parser, tmp_path / "nothing-here"):
        spec = resolve_models(official_dir=folder)
        assert (spec.source, spec.resources_dir) == ("bundled", BUNDLED_DIR)
    monkeypatch.setenv("STANZA_RESOURCES_DIR", str(no_parser))
    assert resolve_models().source == "bundled"


def _article_sentence(first: str, last: str) -> str:
    """The article's text from ``first`` up to the end of ``last``, taken from the file itself
    (any whitespace between words: the article has no-break spaces)."""
    def pattern(words: str) -> str:
        return r"\s+".join(map(re.escape, words.split()))

    match = re.search(f"{pattern(first)}.*?{pattern(last)}", ARTICLE.read_text(encoding="utf-8"))
    assert match, f"{first!r} ... {last!r} not in {ARTICLE}"
    return match.group(0)


def _word(doc, form: str):
    return next(w for sentence in doc.sentences for w in sentence.words if w.text == form)


def _head(doc, form: str):
    word = _word(doc, form)
    return word.sent.words[word.head - 1] if word.head else None


def _article_docs(parser):
    trump = _article_sentence("\u201cThey will pay a very BIG PRICE!", "Happy New Year!\u201d")
    khamenei = _article_sentence("Khamenei dismissed the threats", "do anything.\u201d")
    assert "wrote Trump" in trump and "saying Washington" in khamenei
    return parser.parse_stanza([trump, khamenei])


@pytest.mark.skipif(not ARTICLE.is_file(), reason="shared/eval not present")
def test_article_parses_for_quote_attribution(parser):
    trump_doc, khamenei_doc = _article_docs(parser)
    assert _head(trump_doc, "Trump").text == "wrote"
    assert _head(khamenei_doc, "saying").text == "dismissed"


@pytest.mark.skipif(not ARTICLE.is_file(), reason="shared/eval not present")
@pytest.mark.xfail(strict=True, reason="compact models 0.3.0 and 0.4.0 label inverted 'wrote Trump' as obj and "
                   "hang 'Washington' on 'saying' (docs/MODELS.md); the extractor works around both. "
                   "Strict: passes once a better parser gets the labels right, then drop this mark.")
def test_article_subjects_are_labelled_nsubj(parser):
    trump_doc, khamenei_doc = _article_docs(parser)
    assert _word(trump_doc, "Trump").deprel == "nsubj"
    assert _head(khamenei_doc, "Washington").text == "do"
    assert _word(khamenei_doc, "Washington").deprel == "nsubj"


@pytest.mark.skipif(not (evaluate.TREEBANK / "en_ewt-ud-dev.conllu").is_file(),
                    reason="UD English-EWT not present")
@pytest.mark.parametrize("arithmetic", ["float32", "bfloat16"])
def test_dev_las_has_not_regressed(bundled_nlp, arithmetic):
    from service.nlp import precision

    split, count, recorded_las = evaluate.regression_figure(precision=arithmetic)
    _spec, nlp = bundled_nlp
    precision.use(nlp, arithmetic)
    try:
        result = evaluate.evaluate_gold_tokens(nlp, evaluate.read_treebank(split, count))
    finally:
        precision.use(nlp, "float32")
    assert result["LAS"] >= recorded_las - 1.0, (
        f"{arithmetic} LAS on the first {count} {split} sentences fell to {result['LAS']} "
        f"(docs/MODELS.md records {recorded_las})")
