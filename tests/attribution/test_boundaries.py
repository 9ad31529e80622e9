"""Learned content boundaries (``service.attribution.boundaries``) on parses written down once
from the bundled models (no model is loaded here): which other boundaries are proposed, which
are never (the speaker's own next act), and that a taken option moves only the content."""

from __future__ import annotations

from service.attribution.boundaries import (END_OPTION, MODEL_PATH, BoundaryModel,
                                            options, blocked_spans)
from service.attribution.extractor import extract
from service.document import from_conllu

# 'The mayor said the council had approved the wall along the river, ending a year of argument.'
TRAILING_PARTICIPLE = '''
1 The the DET DT Definite=Def|PronType=Art 2 det _
2 mayor mayor NOUN NN Number=Sing 3 nsubj _
3 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root _
4 the the DET DT Definite=Def|PronType=Art 5 det _
5 council council NOUN NN Number=Sing 7 nsubj _
6 had have AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 7 aux _
7 approved approve VERB VBN Tense=Past|VerbForm=Part 3 ccomp _
8 the the DET DT Definite=Def|PronType=Art 9 det _
9 wall wall NOUN NN Number=Sing 7 obj _
10 along along ADP IN _ 12 case _
11 the the DET DT Definite=Def|PronType=Art 12 det _
12 river river NOUN NN Number=Sing 7 obl SpaceAfter=No
13 , , PUNCT , _ 14 punct _
14 ending end VERB VBG Tense=Pres|VerbForm=Part 7 advcl _
15 a a DET DT Definite=Ind|PronType=Art 16 det _
16 year year NOUN NN Number=Sing 14 obl:unmarked _
17 of of ADP IN _ 18 case _
18 argument argument NOUN NN Number=Sing 16 nmod SpaceAfter=No
19 . . PUNCT . _ 3 punct _
'''
# 'The agency said the plant would close, but did not give a date.'
SPEAKERS_NEXT_ACT = '''
1 The the DET DT Definite=Def|PronType=Art 2 det _
2 agency agency NOUN NN Number=Sing 3 nsubj _
3 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root _
4 the the DET DT Definite=Def|PronType=Art 5 det _
5 plant plant NOUN NN Number=Sing 7 nsubj _
6 would would AUX MD VerbForm=Fin 7 aux _
7 close close VERB VB VerbForm=Inf 3 ccomp SpaceAfter=No
8 , , PUNCT , _ 12 punct _
9 but but CCONJ CC _ 12 cc _
10 did do AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 12 aux _
11 not not PART RB Polarity=Neg 12 advmod _
12 give give VERB VB VerbForm=Inf 3 conj _
13 a a DET DT Definite=Ind|PronType=Art 14 det _
14 date date NOUN NN Number=Sing 12 obj SpaceAfter=No
15 . . PUNCT . _ 3 punct _
'''


def _always(take: bool) -> BoundaryModel:
    """A model with no trees whose one probability is far above (or below) its threshold."""
    return BoundaryModel({"format": "boundary-model/1", "features": [], "trees": [],
                          "baseline": 6.0 if take else -6.0, "threshold": 0.5})


def test_a_trailing_participle_of_the_reported_clause_is_an_end_option():
    doc = from_conllu(TRAILING_PARTICIPLE)
    [quote] = extract(doc, boundaries=None).quotes
    assert quote.text == "the council had approved the wall along the river"
    [option] = options(doc, quote, [quote.cue.span, quote.speaker.mention_span])
    assert option.name == END_OPTION
    assert doc.text[option.span.start:option.span.end].endswith("ending a year of argument")


def test_a_taken_option_moves_the_content_and_nothing_else():
    doc = from_conllu(TRAILING_PARTICIPLE)
    [before] = extract(doc, boundaries=None).quotes
    [after] = extract(doc, boundaries=_always(True)).quotes
    assert after.text == "the council had approved the wall along the river, ending a year of argument"
    assert after.parts == [after.span] and after.words == after.text
    assert (after.cue, after.speaker, after.type, after.rule) == (before.cue, before.speaker, before.type, before.rule)
    [kept] = extract(doc, boundaries=_always(False)).quotes
    assert kept.span == before.span


def test_the_speakers_next_act_is_never_proposed_as_content():
    doc = from_conllu(SPEAKERS_NEXT_ACT)
    attribution = extract(doc, boundaries=None)
    [quote] = attribution.quotes
    assert quote.text == "the plant would close"
    assert options(doc, quote, blocked_spans(attribution, quote)) == []
    assert extract(doc, boundaries=_always(True)).quotes[0].text == "the plant would close"


def test_the_shipped_model_is_plain_json_trees():
    model = BoundaryModel.load()
    assert MODEL_PATH.stat().st_size < 1_000_000
    assert 0.0 < model.threshold < 1.0 and model.trees.trees
