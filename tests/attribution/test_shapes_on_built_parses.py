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



# 5. A noun for what was said and a colon; a demonstrative summing up after a dash.
ASKED_THEN_HER_ANSWER = '''
1 Asked ask VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
2 whether whether SCONJ IN _ 6 mark
3 the the DET DT Definite=Def|PronType=Art 4 det
4 fire fire NOUN NN Number=Sing 6 nsubj:pass
5 was be AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 6 aux:pass
6 set set VERB VBN Tense=Past|VerbForm=Part|Voice=Pass 1 ccomp
7 deliberately deliberately ADV RB _ 6 advmod SpaceAfter=No
8 , , PUNCT , _ 6 punct
9 Detective Detective PROPN NNP Number=Sing 10 nmod:desc
10 Lydia Lydia PROPN NNP Number=Sing 12 nsubj
11 Brandt Brandt PROPN NNP Number=Sing 10 flat
12 gave give VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 1 ccomp
13 a a DET DT Definite=Ind|PronType=Art 15 det
14 short short ADJ JJ Degree=Pos 15 amod
15 reply reply NOUN NN Number=Sing 12 obj SpaceAfter=No
16 . . PUNCT . _ 1 punct

1 Her her PRON PRP$ Case=Gen|Gender=Fem|Number=Sing|Person=3|Poss=Yes|PronType=Prs 2 nmod:poss
2 answer answer NOUN NN Number=Sing 8 nsubj:outer SpaceAfter=No
3 : : PUNCT : _ 8 punct
4 " " PUNCT `` _ 8 punct SpaceAfter=No
5 We we PRON PRP Case=Nom|Number=Plur|Person=1|PronType=Prs 8 nsubj
6 are be AUX VBP Mood=Ind|Number=Plur|Person=1|Tense=Pres|VerbForm=Fin 8 aux
7 not not PART RB Polarity=Neg 8 advmod
8 ruling rule VERB VBG Tense=Pres|VerbForm=Part 0 root
9 anything anything PRON NN Number=Sing|PronType=Ind 8 obj
10 out out ADP RP _ 8 compound:prt SpaceAfter=No
11 . . PUNCT . _ 8 punct SpaceAfter=No
12 " " PUNCT '' _ 8 punct
'''
HIS_REPLY_WAS_BRIEF = '''
1 Mayor Mayor PROPN NNP Number=Sing 4 nsubj
2 Tom Tom PROPN NNP Number=Sing 4 nsubj
3 Ridley Ridley PROPN NNP Number=Sing 2 flat
4 left leave VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 the the DET DT Definite=Def|PronType=Art 6 det
6 hall hall NOUN NN Number=Sing 4 obj SpaceAfter=No
7 . . PUNCT . _ 4 punct

1 His his PRON PRP$ Case=Gen|Gender=Masc|Number=Sing|Person=3|Poss=Yes|PronType=Prs 2 nmod:poss
2 reply reply NOUN NN Number=Sing 4 nsubj
3 was be AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 4 cop
4 brief brief ADJ JJ Degree=Pos 0 root SpaceAfter=No
5 : : PUNCT : _ 9 punct
6 " " PUNCT `` _ 9 punct SpaceAfter=No
7 We we PRON PRP Case=Nom|Number=Plur|Person=1|PronType=Prs 9 nsubj
8 will will AUX MD VerbForm=Fin 9 aux
9 rebuild rebuild VERB VB VerbForm=Inf 4 parataxis
10 the the DET DT Definite=Def|PronType=Art 11 det
11 school school NOUN NN Number=Sing 9 obj SpaceAfter=No
12 . . PUNCT . _ 4 punct SpaceAfter=No
13 " " PUNCT '' _ 9 punct
'''
SUMMED_UP_AFTER_A_DASH = '''
1 " " PUNCT `` _ 3 punct SpaceAfter=No
2 We we PRON PRP Case=Nom|Number=Plur|Person=1|PronType=Prs 3 nsubj
3 play play VERB VBP Mood=Ind|Number=Plur|Person=1|Tense=Pres|VerbForm=Fin 0 root
4 for for ADP IN _ 6 case
5 the the DET DT Definite=Def|PronType=Art 6 det
6 town town NOUN NN Number=Sing 3 obl SpaceAfter=No
7 , , PUNCT , _ 11 punct
8 not not PART RB Polarity=Neg 11 advmod
9 for for ADP IN _ 11 case
10 the the DET DT Definite=Def|PronType=Art 11 det
11 trophy trophy NOUN NN Number=Sing 3 obl SpaceAfter=No
12 " " PUNCT '' _ 11 punct
13 — - PUNCT , _ 19 punct
14 that that PRON WDT Number=Sing|PronType=Rel 19 nsubj
15 is be AUX VBZ Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin 19 cop
16 how how ADV WRB PronType=Int 19 advmod
17 the the DET DT Definite=Def|PronType=Art 18 det
18 coach coach NOUN NN Number=Sing 19 nsubj
19 put put VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 11 acl:relcl
20 it it PRON PRP Case=Acc|Gender=Neut|Number=Sing|Person=3|PronType=Prs 19 obj
21 after after ADP IN _ 23 case
22 the the DET DT Definite=Def|PronType=Art 23 det
23 match match NOUN NN Number=Sing 19 obl SpaceAfter=No
24 . . PUNCT . _ 3 punct
'''


def test_a_possessed_speech_noun_and_a_colon_attribute_the_quotation_to_the_possessor():
    doc, quotes = _quotes(ASKED_THEN_HER_ANSWER)
    [quote] = quotes  # and no report of the question: 'Asked whether X,' is put to the speaker
    assert quote.type is QuoteType.DIRECT and quote.text == "We are not ruling anything out."
    assert quote.cue.text == "answer" and quote.speaker.mention == "Her"
    assert quote.speaker.name == "Detective Lydia Brandt"


def test_a_speech_noun_with_a_copula_before_the_colon():
    doc, [quote] = _quotes(HIS_REPLY_WAS_BRIEF)
    assert quote.type is QuoteType.DIRECT and quote.text == "We will rebuild the school."
    assert quote.cue.text == "reply" and quote.speaker.name == "Tom Ridley"


def test_that_is_how_x_put_it_after_a_dash_names_the_speaker():
    doc, [quote] = _quotes(SUMMED_UP_AFTER_A_DASH)
    assert quote.type is QuoteType.DIRECT and quote.text == "We play for the town, not for the trophy"
    assert quote.cue.text == "put" and quote.speaker.mention == "the coach"
