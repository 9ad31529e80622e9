"""The parse-path speed-ups (service.nlp.fastpath: depparse, tagger, vocab, collate) must give
Stanza's own output."""

from __future__ import annotations

import json

from pathlib import Path

import numpy as np
import pytest
from stanza.models.common import chuliu_edmonds

from service.nlp import fastpath
from service.nlp.fastpath import depparse as fast_depparse
from service.nlp.fastpath import process_patches
from service.nlp.pipeline import parse_with_stanza_path

# News written for the tests (tests/data), so these run without ../shared.
NEWS = "\n\n".join(json.loads(line)["text"] for line in
                   (Path(__file__).parent / "data" / "news.jsonl").read_text().splitlines())


@pytest.mark.parametrize("root_is_own_head", [True, False])
def test_find_cycles_matches_stanza_tarjan_on_random_head_arrays(root_is_own_head):
    # the root is its own head in every array the decoder sees; any head array is also checked
    tarjan = process_patches.original("stanza.models.common.chuliu_edmonds", "tarjan")
    assert tarjan is not fast_depparse.find_cycles
    rng = np.random.default_rng(7 if root_is_own_head else 5)
    for _ in range(3000):
        n = int(rng.integers(2, 30)) if root_is_own_head else int(rng.integers(1, 25))
        tree = rng.integers(0, n, size=n)
        if root_is_own_head:
            tree[0] = 0
        expected, found = tarjan(tree), fast_depparse.find_cycles(tree)
        assert len(expected) == len(found)
        assert all((a == b).all() for a, b in zip(expected, found))


def test_chuliu_edmonds_gives_stanzas_trees_on_random_scores():
    # Stanza's search with its own cycle finder, against the fast path's rewrite of both
    tarjan = process_patches.original("stanza.models.common.chuliu_edmonds", "tarjan")
    rng = np.random.default_rng(13)
    contracted = 0
    for _ in range(1500):
        n = int(rng.integers(2, 45))
        scores = rng.normal(size=(n, n)).astype(np.float64)
        scores[:, 0] -= rng.uniform(0, 3)  # root arcs weaker, as after Stanza's root penalty
        stanza_scores = scores.copy()
        original = chuliu_edmonds.tarjan
        chuliu_edmonds.tarjan = tarjan
        try:
            expected = chuliu_edmonds.chuliu_edmonds(stanza_scores)
        finally:
            chuliu_edmonds.tarjan = original
        greedy = scores.copy()
        chuliu_edmonds.prepare_scores(greedy)
        contracted += bool(fast_depparse.find_cycles(greedy.argmax(1)))
        assert (fast_depparse.chuliu_edmonds(scores) == expected).all()
    assert contracted > 100


def test_decode_tree_matches_chuliu_edmonds_one_root():
    rng = np.random.default_rng(11)
    shortcut_taken = 0
    for _ in range(2000):
        n = int(rng.integers(3, 40))
        logits = rng.normal(size=(n, n))
        # make some rows peaked so the greedy heads often already form a tree
        logits[np.arange(1, n), rng.integers(0, n, size=n - 1)] += rng.uniform(0, 8)
        # log-probabilities per dependent, as the parser hands them to the decoder
        scores = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        expected = chuliu_edmonds.chuliu_edmonds_one_root(scores)
        found = fast_depparse.decode_tree(scores)
        assert (expected == found).all()
        greedy = scores.copy()
        np.fill_diagonal(greedy, -np.inf)
        shortcut_taken += np.count_nonzero(greedy[1:].argmax(1) == 0) == 1
    assert shortcut_taken > 0


def test_scores_by_head_equal_each_dependents_own_product():
    import torch

    generator = torch.Generator().manual_seed(3)
    per_head = torch.randn(7, 5, 4, generator=generator)
    which = torch.tensor([3, 0, 3, 6, 3, 1, 0, 6, 2, 3])  # heads with 0 to 4 dependents
    dependents = torch.randn(len(which), 5, generator=generator)
    expected = torch.einsum("ti,tir->tr", dependents, per_head[which])
    assert torch.allclose(fast_depparse._scores_by_head(dependents, which, per_head), expected, atol=1e-5)


def test_pipeline_parses_the_article_as_stanza_does(float32_parser):
    parser = float32_parser
    model = parser.pipeline.processors["depparse"].trainer.model
    assert "predict" in vars(model), "load_pipeline should install the fast predictor"
    text = NEWS
    fast = parser.parse_stanza([text])[0]
    slow = parse_with_stanza_path(parser, [text])[0]
    assert "predict" in vars(model) and chuliu_edmonds.tarjan is fast_depparse.find_cycles
    fast_arcs = [(w.head, w.deprel) for s in fast.sentences for w in s.words]
    slow_arcs = [(w.head, w.deprel) for s in slow.sentences for w in s.words]
    assert len(fast_arcs) > 500
    assert fast_arcs == slow_arcs


def test_tagger_output_speedups_give_stanzas_tags(parser):
    model = parser.pipeline.processors["pos"].trainer.model
    feats_vocab = parser.pipeline.processors["pos"].trainer.vocab["feats"]
    assert "id2unit" in vars(feats_vocab), "load_pipeline should install the feature cache"
    assert "forward" in vars(model), "load_pipeline should hand the tagger's predictions over as numpy"
    text = NEWS
    fast = parser.parse_stanza([text])[0]
    cached_lookup, numpy_forward = feats_vocab.id2unit, model.forward
    try:
        del feats_vocab.id2unit
        del model.forward
        plain = parser.parse_stanza([text])[0]
    finally:
        feats_vocab.id2unit, model.forward = cached_lookup, numpy_forward

    def tags(doc):
        return [(w.upos, w.xpos, w.feats) for s in doc.sentences for w in s.words]

    assert len(tags(fast)) > 500
    assert tags(fast) == tags(plain)


def test_memoised_vocabularies_give_stanzas_parse(parser):
    vocabs = [v for name in ("pos", "depparse")
              for v in parser.pipeline.processors[name].trainer.vocab._vocabs.values()]
    vocabs.append(parser.pipeline.processors["depparse"].pretrain.vocab)
    memoised = {id(v): v.map for v in vocabs if "map" in vars(v)}
    assert len(memoised) >= 9, "load_pipeline should memoise the tagger's and parser's vocabularies"
    text = NEWS
    parser.parse_stanza([text])  # fills the caches
    fast = parser.parse_stanza([text])[0]
    try:
        for v in vocabs:
            vars(v).pop("map", None)
        plain = parser.parse_stanza([text])[0]
    finally:
        for v in vocabs:
            if id(v) in memoised:
                v.map = memoised[id(v)]

    def parse(doc):
        return [(w.upos, w.xpos, w.feats, w.head, w.deprel) for s in doc.sentences for w in s.words]

    assert parse(fast) == parse(plain)


def test_dictionary_lemmas_are_stanzas(parser):
    processor = parser.pipeline.processors["lemma"]
    assert "process" in vars(processor), "load_pipeline should install direct dictionary lemmas"
    fast = parser.parse_stanza([NEWS])[0]
    direct = vars(processor).pop("process")
    try:
        plain = parser.parse_stanza([NEWS])[0]
    finally:
        processor.process = direct
    lemmas = [(w.text, w.lemma) for s in fast.sentences for w in s.words]
    assert len(lemmas) > 500 and any(text != lemma for text, lemma in lemmas)
    assert lemmas == [(w.text, w.lemma) for s in plain.sentences for w in s.words]


def _batch_of_words(words: list[str], vocab):
    """Character ids of ``words`` as Stanza's batches hold them: longest first, padded."""
    import torch

    ordered = sorted(words, key=len, reverse=True)
    ids = [vocab.map(list(word)) for word in ordered]
    chars = torch.zeros(len(ids), len(ids[0]), dtype=torch.long)
    for row, word_ids in enumerate(ids):
        chars[row, :len(word_ids)] = torch.tensor(word_ids)
    return chars, [len(word) for word in ordered]


@pytest.mark.parametrize("table_size", [4096, 5])
def test_word_vector_table_gives_stanzas_character_vectors(parser, table_size):
    import threading

    from service.nlp.fastpath.char_reps import WordVectorTable, _char_vectors

    processor = parser.pipeline.processors["pos"]
    charmodel = processor.trainer.model.charmodel
    assert "forward" in vars(charmodel), "load_pipeline should install the word vector table"
    words = NEWS.split()[:400]  # with repeats, as news has them
    chars, lengths = _batch_of_words(words, processor.trainer.vocab["char"])
    with torch_no_grad():
        expected = _char_vectors(charmodel, chars, lengths)  # Stanza's modules, every word
        table = WordVectorTable(charmodel, size=table_size)  # 5: full, emptied, refilled
        results: list = []
        threads = [threading.Thread(target=lambda: results.append(
            table.vectors(charmodel, chars, lengths))) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        results.append(table.vectors(charmodel, chars, lengths))  # read back from the table
    assert len(results) == 4
    for found in results:
        assert np.allclose(found.numpy(), expected.numpy(), atol=1e-5)
    assert 0 < len(table._slots) <= table_size


def test_word_vector_table_gives_stanzas_parse(parser):
    from service.nlp.fastpath import char_reps

    parser.parse_stanza([NEWS])  # fills the tables
    fast = parser.parse_stanza([NEWS])[0]
    char_reps.uninstall(parser.pipeline)
    try:
        plain = parser.parse_stanza([NEWS])[0]
    finally:
        assert char_reps.install(parser.pipeline) == ["pos", "depparse"]

    def parse(doc):
        return [(w.upos, w.xpos, w.feats, w.head, w.deprel) for s in doc.sentences for w in s.words]

    assert len(parse(fast)) > 500 and parse(fast) == parse(plain)


def torch_no_grad():
    import torch

    return torch.no_grad()


def test_an_unchecked_stanza_release_stays_on_stanzas_path(parser, monkeypatch, caplog):
    import stanza

    assert fastpath.supported(stanza.__version__)
    assert not fastpath.supported("1.16.0") and not fastpath.supported("2.0.0")
    monkeypatch.setattr(stanza, "__version__", "1.99.0")

    class Untouched:
        processors: dict = {}

    assert fastpath.install(Untouched()) is False
    assert "not one the fast path was checked against" in caplog.text


def test_process_wide_patches_stay_while_another_pipeline_uses_them(parser):
    from stanza.models.common import chuliu_edmonds

    assert process_patches.applied()  # the shared parser is on the fast path
    other = object()
    process_patches.acquire(other)
    process_patches.release(other)  # one pipeline leaving must not slow the other down
    assert chuliu_edmonds.tarjan is fast_depparse.find_cycles
    # Stanza's own path for one pipeline, then back: the shared parser still parses fast.
    parse_with_stanza_path(parser, ["A short text, she said."])
    assert process_patches.applied() and chuliu_edmonds.tarjan is fast_depparse.find_cycles


def test_collate_helpers_match_stanzas():
    import random

    import torch
    from stanza.models.common import data

    from service.nlp.fastpath import collate

    rng = random.Random(5)
    for _ in range(200):
        rows = [[rng.randrange(1, 50) for _ in range(rng.randrange(0, 12))] for _ in range(rng.randrange(1, 20))]
        rows[0].append(7)  # Stanza's helper needs a non-empty first row to see the nesting
        assert torch.equal(collate.get_long_tensor(rows, len(rows)), data.get_long_tensor(rows, len(rows)))
        lens = [len(r) for r in rows]
        names = [f"s{i}" for i in range(len(rows))]
        assert collate.sort_all([rows, names], lens) == data.sort_all([rows, names], lens)
    nested = [[[1, 2], [3, 4]], [[5, 6]]]  # feature ids per word: Stanza's own handles it
    assert torch.equal(collate.get_long_tensor(nested, 2), data.get_long_tensor(nested, 2))


def _analyses(parsed):
    return [(w.text, w.lemma, w.upos, w.xpos, w.feats, w.head, w.deprel, w.start, w.end, w.sentence,
             w.children) for w in parsed.words], parsed.sentences


def test_column_documents_parse_as_stanza_documents(parser):
    from service.nlp.fastpath.columns import ColumnDocument
    from service.nlp.pipeline import to_parsed_document

    texts = [NEWS, "“Fine,” she said.", "", "No quote here"]
    assert isinstance(parser.segment(NEWS)[0].content, ColumnDocument)
    on_columns = parser.parse(texts)
    on_documents = [to_parsed_document([doc], text)
                    for doc, text in zip(parser.parse_stanza(texts), texts)]
    assert len(on_columns[0].words) > 500
    assert [_analyses(d) for d in on_columns] == [_analyses(d) for d in on_documents]


def test_column_document_reads_back_what_stanza_words_would():
    from stanza.models.common.doc import Document

    from service.nlp.fastpath.columns import ColumnDocument

    sentences = [[("_", 0, 1), ("runs", 2, 6)], [("Yes", 7, 10)]]
    columns = ColumnDocument(sentences)
    stanza = Document([[{"text": t, "start_char": s, "end_char": e} for t, s, e in sentence]
                       for sentence in sentences])
    tags = [["_", "NN", "_"], ["VERB", "_", "Number=Sing"], [None, "UH", "_"]]
    arcs = [[0, "root"], ["1", "_"], [0, "root"]]
    for doc in (columns, stanza):
        doc.set(["upos", "xpos", "feats"], tags)
        doc.set(["lemma"], ["_", "_", "yes"])
        doc.set(("head", "deprel"), arcs)
    fields = ["text", "upos", "xpos", "feats", "lemma", "head", "deprel"]
    assert columns.get(fields, as_sentences=True) == stanza.get(fields, as_sentences=True)
    assert columns.get("text") == stanza.get("text") == ["_", "runs", "Yes"]


def test_bfloat16_layers_switch_on_and_off_and_change_few_words(parser):
    from service.nlp import precision

    chosen = parser.precision
    try:
        assert parser.set_precision("float32") == "float32"
        assert precision.current(parser.pipeline) == "float32"
        exact = parser.parse([NEWS])[0]
        assert parser.set_precision("bfloat16") == "bfloat16"
        assert precision.current(parser.pipeline) == "bfloat16"
        # character vectors of the old arithmetic are forgotten with it
        assert not parser.pipeline.processors["pos"].trainer.model.charmodel.word_vectors._slots
        rounded = parser.parse([NEWS])[0]
        assert parser.set_precision("float32") == "float32"
        again = parser.parse([NEWS])[0]
    finally:
        parser.set_precision(chosen)
    assert _analyses(again) == _analyses(exact)  # switching back restores the exact path
    arcs = [(w.head, w.deprel, w.upos) for w in exact.words]
    changed = sum(a != b for a, b in zip(arcs, [(w.head, w.deprel, w.upos) for w in rounded.words]))
    assert len(arcs) > 500 and changed <= len(arcs) // 100


def test_auto_precision_follows_the_cpu():
    from service.nlp import precision

    expected = "bfloat16" if precision.native_bfloat16() else "float32"
    assert precision.resolve("auto") == expected
    assert precision.resolve("float32") == "float32"
    with pytest.raises(ValueError, match="precision must be one of"):
        precision.resolve("int8")
