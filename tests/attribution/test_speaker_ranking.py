"""Speaker resolution: the pronoun -> organisation pattern (issue 13), the shipped ranker, and its
confidence. Texts are written for these tests and parsed by the real bundled models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.attribution.speakers import ranking as speaker_ranking
from conftest import RULES
from service.attribution.extractor import extract_with_candidates
from service.attribution.spans import SpeakerKind


@pytest.fixture
def run(parser):
    def _run(text: str, **kwargs):
        kwargs.setdefault("ranker", RULES.models.ranker)  # the shipped ranker, as served
        return extract_with_candidates(parser.parse([text])[0], **kwargs)[0].quotes
    return _run


# A person introduced with an organisation in an aside (apposition, 'of', 'at', 'for', 'with'),
# then named only by a pronoun: the pronoun is the person, never the organisation or a place.
PERSON_THEN_PRONOUN = [
    ('Janet Osei, a nurse at St. Luke\'s Hospital, said the ward had been short of staff for months. '
     '"We are exhausted," she said.', "Janet Osei"),
    ('Robert Lang, an analyst at Meridian Capital, said the shares were overvalued. He said investors '
     'would lose patience.\n\n"It is a bubble," he said.', "Robert Lang"),
    ('Robert Lang of Meridian Capital said the shares were overvalued. "It is a bubble," he said.',
     "Robert Lang"),
    ('Robert Lang, who works for Meridian Capital, said the shares were overvalued. Meridian Capital '
     'declined to comment further. "It is a bubble," he said.', "Robert Lang"),
    ('Amira Haddad, the head of research for the Coastal Fisheries Authority, said catches had fallen '
     'by half.\n\n"The stocks will not come back this decade," she said.', "Amira Haddad"),
    ('Daniel Okafor, an economist with Harbor Street Partners in Lagos, warned that inflation would '
     'rise. He said the central bank had acted too late.', "Daniel Okafor"),
    ('Tom Becker, a spokesman for the Ministry of Health, said the vaccine was safe. He said more '
     'doses would arrive next week.', "Tom Becker"),
]


@pytest.mark.parametrize("ranker", ["shipped", "rules"])
@pytest.mark.parametrize("text,person", PERSON_THEN_PRONOUN)
def test_pronoun_after_an_organisation_aside_is_the_person(run, text, person, ranker):
    quotes = run(text) if ranker == "shipped" else run(text, ranker=None)
    assert len(quotes) >= 2, [q.text for q in quotes]
    for quote in quotes:
        assert quote.speaker is not None, quote.text
        assert quote.speaker.name == person, (quote.text, quote.speaker)
        assert quote.speaker.kind is SpeakerKind.PERSON
    pronoun_quotes = [q for q in quotes if q.speaker.mention.lower() in ("he", "she")]
    assert pronoun_quotes, [q.speaker.mention for q in quotes]
    # one entity: every quote names the same speaker id
    assert len({q.speaker.speaker_id for q in quotes}) == 1


def test_an_organisation_that_speaks_keeps_its_own_quotes(run):
    text = ('Meridian Capital said in a statement that it would cut 200 jobs. Robert Lang, an analyst '
            'at the firm, said the cuts were overdue. "They waited too long," he said.')
    quotes = run(text)
    by_text = {q.text: q.speaker for q in quotes}
    first = next(s for t, s in by_text.items() if "200 jobs" in t)
    assert first.name == "Meridian Capital" and first.kind is SpeakerKind.ORGANIZATION
    last = next(s for t, s in by_text.items() if "waited too long" in t)
    assert last.name == "Robert Lang"


def test_the_shipped_ranker_loads_from_the_package():
    from importlib.resources import files

    shipped = files("service") / "models" / "attribution" / "speaker_ranker.json"
    assert shipped.is_file() and speaker_ranking.MODEL_PATH.samefile(str(shipped))
    ranker = speaker_ranking.load_ranker()
    assert ranker is not None and ranker.trees and ranker.features
    data = json.loads(speaker_ranking.MODEL_PATH.read_text(encoding="utf-8"))
    assert data["format"] == speaker_ranking.MODEL_FORMAT
    assert "polnear-train" in data["info"]["trained_on"]
    assert speaker_ranking.MODEL_PATH.stat().st_size < 2_000_000


def test_speaker_confidence_is_a_probability_and_ranks_pronouns_without_antecedent_lower(run):
    text = ('"We are ready," Governor Ana Ruiz said on Monday.\n\n'
            'They said the bridge would reopen in May.')
    quotes = run(text)
    named = next(q for q in quotes if "ready" in q.text)
    assert named.speaker.name == "Ana Ruiz"
    for q in quotes:
        assert 0.0 < q.speaker.confidence < 1.0
    assert named.speaker.confidence >= 0.8
    vague = next(q for q in quotes if "bridge" in q.text)
    assert vague.speaker.confidence < named.speaker.confidence


DATA = Path(__file__).resolve().parent.parent / "data"
SHARED_EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval"


def test_train_speaker_ranker_on_a_small_gold_file(parser, tmp_path, capsys):
    """The training command end to end on four hand-written documents: a model file that loads,
    scores candidates, and comes out the same when trained twice."""
    import pickle

    from clients.evaluation import load_gold
    from devtools import speaker_ranker

    gold = DATA / "speaker_ranker_gold.jsonl"
    documents = load_gold(gold)
    cache = tmp_path / "parsed.pkl"
    cache.write_bytes(pickle.dumps([{"id": d.id, "parsed": p} for d, p in
                                    zip(documents, parser.parse([d.text for d in documents]))]))
    outputs = []
    for name in ("a.json", "b.json"):
        out = tmp_path / name
        assert speaker_ranker.main(["--gold", str(gold), "--parse-cache", str(cache), "--out", str(out)]) == 0
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1], "training is deterministic"
    assert '"train"' in capsys.readouterr().out  # the report on the training gold
    ranker = speaker_ranking.load_ranker(tmp_path / "a.json")
    assert ranker is not None and ranker.trees
    assert 0.0 < ranker.confidence(0.0) < 1.0
    # The trained model drives extraction: every quote of the gold texts keeps a speaker.
    for doc in parser.parse([d.text for d in documents]):
        quotes = extract_with_candidates(doc, ranker=ranker)[0].quotes
        assert quotes and all(q.speaker is not None and 0 < q.speaker.confidence < 1 for q in quotes)


@pytest.mark.skipif(not (SHARED_EVAL / "polnear-dev-gold.jsonl").exists(), reason="shared/eval not present")
def test_dev_speaker_figures(parser):
    """PolNeAR dev (84 documents, parsed here: about a minute): the shipped ranker is at least as
    accurate as the rules' own choice, and its confidence is calibrated (ECE <= 0.05)."""
    from clients.evaluation import load_gold
    from devtools import speaker_ranker

    documents = load_gold(SHARED_EVAL / "polnear-dev-gold.jsonl")
    parsed = []
    for at in range(0, len(documents), 16):
        parsed += parser.parse([d.text for d in documents[at:at + 16]])
    examples = speaker_ranker.examples_of(documents, parsed)
    figures = speaker_ranker.score(speaker_ranking.load_ranker(), examples)
    assert figures["ranker_right"] >= figures["chain_right"]
    assert figures["ece"] <= 0.05, figures["reliability"]


def test_speaker_confidence_comes_through_grpc(client):
    """QuoteSpeaker.confidence on the wire: the ranker's probability, apart from Quote.confidence."""
    response = client.extract('"We will not back down," union leader Tom Baker told reporters on Monday. '
                              'He said the strike would go on.')
    assert len(response.quotes) == 2
    for quote in response.quotes:
        assert quote.HasField("speaker") and quote.speaker.name == "Tom Baker"
        assert 0.5 < quote.speaker.confidence < 1.0


def test_the_shared_tree_runtime_gives_each_trees_own_sum():
    import random

    import pytest

    ranker = speaker_ranking.load_ranker()
    rng = random.Random(5)
    rows = []
    for _ in range(200):
        rows.append({name: rng.choice([0.0, 1.0, rng.uniform(-5, 60)]) for name in ranker.features})
    for features, logit in zip(rows, ranker.logits(rows)):
        x = [features[name] for name in ranker.features]
        assert logit == pytest.approx(ranker.baseline + sum(tree(x) for tree in ranker.trees), abs=1e-9)
