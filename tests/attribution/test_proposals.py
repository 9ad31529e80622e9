"""Learned proposals (``service.attribution.proposals``) on a parse written down once from the
bundled models (no model is loaded here): what is proposed, under which rule, with which cue
and speaker, and that the rules' own finds are never proposed again."""

from __future__ import annotations

from service.attribution import extractor
from service.attribution.extractor import extract
from service.attribution.found import Work
from service.document import from_conllu
from service.attribution.proposals import (FORMAT, MODEL_PATH, candidates,
                                           ProposalModel)
from service.attribution.quote_marks import find_quoted_regions
from service.attribution.spans import QuoteType

# 'The senator dismissed the report as a partisan attack.' ("dismiss" is no speech verb of the
# cue lexicon, so no rule finds a quote here.)
DISMISSED = '''
1 The the DET DT Definite=Def|PronType=Art 2 det _
2 senator senator NOUN NN Number=Sing 3 nsubj _
3 dismissed dismiss VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root _
4 the the DET DT Definite=Def|PronType=Art 5 det _
5 report report NOUN NN Number=Sing 3 obj _
6 as as ADP IN _ 9 case _
7 a a DET DT Definite=Ind|PronType=Art 9 det _
8 partisan partisan ADJ JJ Degree=Pos 9 amod _
9 attack attack NOUN NN Number=Sing 3 obl SpaceAfter=No
10 . . PUNCT . _ 3 punct _
'''
# 'Officials said the bridge would reopen in May.' (the rules find this one themselves)
SAID = '''
1 Officials official NOUN NNS Number=Plur 2 nsubj _
2 said say VERB VBD Mood=Ind|Tense=Past|VerbForm=Fin 0 root _
3 the the DET DT Definite=Def|PronType=Art 4 det _
4 bridge bridge NOUN NN Number=Sing 6 nsubj _
5 would would AUX MD VerbForm=Fin 6 aux _
6 reopen reopen VERB VB VerbForm=Inf 2 ccomp _
7 in in ADP IN _ 8 case _
8 May May PROPN NNP Number=Sing 6 obl SpaceAfter=No
9 . . PUNCT . _ 2 punct _
'''


def _model(lemmas: list[str], take: bool) -> ProposalModel:
    """No trees: one probability far above (or below) the threshold for every candidate."""
    return ProposalModel({"format": FORMAT, "lemmas": lemmas, "features": [], "trees": [],
                          "baseline": 6.0 if take else -6.0, "threshold": 0.5})


def test_a_known_head_proposes_the_phrases_after_it():
    doc = from_conllu(DISMISSED)
    assert extract(doc, boundaries=None, proposer=None).quotes == []
    texts = {doc.text[c.span.start:c.span.end] for c in candidates(doc, find_quoted_regions(doc.text), [], frozenset({"dismiss"}))}
    assert texts == {"the report", "a partisan attack"}
    assert candidates(doc, find_quoted_regions(doc.text), [], frozenset({"reject"})) == []


def test_a_head_that_cues_a_find_proposes_nothing_more():
    # 'asked [the attorney] whether X': the rules found the report; the addressee is none
    doc = from_conllu(SAID)
    assert [doc.text[c.span.start:c.span.end] for c in candidates(doc, find_quoted_regions(doc.text), [], frozenset({"say"}))] \
        == ["the bridge would reopen in May"]
    [find] = [q for q in extract(doc, boundaries=None, proposer=None).quotes]
    assert find.cue.text == "said"
    work = Work.of(doc)
    for _name, run in extractor.PASSES[:2]:
        run(work)
    assert candidates(doc, work.regions, work.found, frozenset({"say"})) == []


def test_a_taken_proposal_is_a_quote_of_rule_learned_with_the_head_as_cue():
    doc = from_conllu(DISMISSED)
    [quote] = extract(doc, boundaries=None, proposer=_model(["dismiss"], take=True)).quotes
    assert (quote.rule, quote.type) == ("learned", QuoteType.INDIRECT)
    assert quote.text in ("the report", "a partisan attack")
    assert quote.cue.text == "dismissed" and quote.speaker.mention == "The senator"
    assert extract(doc, boundaries=None, proposer=_model(["dismiss"], take=False)).quotes == []


def test_what_a_rule_found_is_never_proposed_again():
    doc = from_conllu(SAID)
    rules = extract(doc, boundaries=None, proposer=None).quotes
    with_proposals = extract(doc, boundaries=None, proposer=_model(["say", "reopen"], take=True)).quotes
    assert [q.text for q in rules] == ["the bridge would reopen in May"]
    assert [(q.text, q.rule) for q in with_proposals] == [(q.text, q.rule) for q in rules]


def test_the_shipped_model_is_plain_json_trees():
    model = ProposalModel.load()
    assert MODEL_PATH.stat().st_size < 1_000_000
    assert model.lemmas and 0.0 < model.threshold < 1.0
