"""Shapes of reported speech on parses frozen from the bundled parser's output for invented
sentences (``parsed.from_conllu``): no model is loaded, so these pin the rules themselves."""

from __future__ import annotations

from service.attribution.extractor import extract
from service.attribution.parsed import from_conllu
from service.attribution.spans import QuoteType


def _quotes(conllu: str):
    doc = from_conllu(conllu)
    return doc, extract(doc).quotes


def _parts(doc, quote) -> list[str]:
    return [doc.text[p.start:p.end] for p in quote.parts]


# 1. A speech verb inserted in the sentence it reports.
INSERTED = '''
1 The the DET DT Definite=Def|PronType=Art 2 det
2 bridge bridge NOUN NN Number=Sing 8 nsubj:outer SpaceAfter=No
3 , , PUNCT , _ 2 punct
4 she she PRON PRP Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs 5 nsubj
5 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
6 , , PUNCT , _ 2 punct
7 will will AUX MD VerbForm=Fin 8 aux
8 open open VERB VB VerbForm=Inf 5 ccomp
9 a a DET DT Definite=Ind|PronType=Art 10 det
10 year year NOUN NN Number=Sing 8 obl:unmarked
11 late late ADJ JJ Degree=Pos 8 advmod SpaceAfter=No
12 . . PUNCT . _ 8 punct
'''
INSERTED_AFTER_VOCATIVE = '''
1 Nobody nobody PRON NN Number=Sing|PronType=Neg 4 vocative SpaceAfter=No
2 , , PUNCT , _ 1 punct
3 he he PRON PRP Case=Nom|Gender=Masc|Number=Sing|Person=3|PronType=Prs 4 nsubj
4 added add VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
5 , , PUNCT , _ 1 punct
6 had have AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 7 aux
7 asked ask VERB VBN Tense=Past|VerbForm=Part 4 ccomp
8 the the DET DT Definite=Def|PronType=Art 9 det
9 drivers driver NOUN NNS Number=Plur 7 obj SpaceAfter=No
10 . . PUNCT . _ 4 punct
'''
INSERTED_AFTER_OCCASION = '''
1 In in ADP IN _ 3 case
2 a a DET DT Definite=Ind|PronType=Art 3 det
3 statement statement NOUN NN Number=Sing 7 obl SpaceAfter=No
4 , , PUNCT , _ 3 punct
5 the the DET DT Definite=Def|PronType=Art 6 det
6 agency agency NOUN NN Number=Sing 7 nsubj
7 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
8 , , PUNCT , _ 3 punct
9 the the DET DT Definite=Def|PronType=Art 10 det
10 bridge bridge NOUN NN Number=Sing 12 nsubj
11 will will AUX MD VerbForm=Fin 12 aux
12 open open VERB VB VerbForm=Inf 7 ccomp
13 a a DET DT Definite=Ind|PronType=Art 14 det
14 year year NOUN NN Number=Sing 12 obj
15 late late ADJ JJ Degree=Pos 12 advmod SpaceAfter=No
16 . . PUNCT . _ 7 punct
'''


def test_an_inserted_attribution_splits_its_report_in_two_parts():
    doc, [quote] = _quotes(INSERTED)
    assert quote.type is QuoteType.INDIRECT and quote.cue.text == "said"
    assert quote.text == "The bridge, she said, will open a year late"
    assert _parts(doc, quote) == ["The bridge", "will open a year late"]
    assert quote.speaker.mention == "she"


def test_the_opening_before_an_inserted_attribution_is_content_however_parsed():
    # the parse made "Nobody" a vocative of "added", and "asked" (a cue) its complement
    doc, [quote] = _quotes(INSERTED_AFTER_VOCATIVE)
    assert quote.cue.text == "added" and quote.speaker.mention == "he"
    assert _parts(doc, quote) == ["Nobody", "had asked the drivers"]


def test_where_it_was_said_is_not_part_of_the_report():
    doc, [quote] = _quotes(INSERTED_AFTER_OCCASION)
    assert quote.text == "the bridge will open a year late" and len(quote.parts) == 1
