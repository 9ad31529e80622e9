"""Shapes of reported speech on parses frozen from the bundled parser's output for invented
sentences (``parsed.from_conllu``): no model is loaded, so these pin the rules themselves."""

from __future__ import annotations

from conftest import RULES
from service.attribution.extractor import extract
from service.document import from_conllu
from service.attribution.spans import QuoteType


def _quotes(conllu: str):
    doc = from_conllu(conllu)
    return doc, RULES.extract(doc).quotes


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
    assert (quote.speaker.name, quote.speaker.title) == ("Lydia Brandt", "Detective")


def test_a_speech_noun_with_a_copula_before_the_colon():
    doc, [quote] = _quotes(HIS_REPLY_WAS_BRIEF)
    assert quote.type is QuoteType.DIRECT and quote.text == "We will rebuild the school."
    assert quote.cue.text == "reply" and quote.speaker.name == "Tom Ridley"


def test_that_is_how_x_put_it_after_a_dash_names_the_speaker():
    doc, [quote] = _quotes(SUMMED_UP_AFTER_A_DASH)
    assert quote.type is QuoteType.DIRECT and quote.text == "We play for the town, not for the trophy"
    assert quote.cue.text == "put" and quote.speaker.mention == "the coach"



# 2. A sentence-final cue after a lede (the parse misattached the lede's verbs).
FINAL_CUE_AFTER_A_LEDE = '''
1 A a DET DT Definite=Ind|PronType=Art 2 det
2 bus bus NOUN NN Number=Sing 15 nsubj
3 carrying carry VERB VBG Tense=Pres|VerbForm=Part 15 ccomp
4 30 30 NUM CD NumForm=Digit|NumType=Card 5 nummod
5 pupils pupils NOUN NNS Number=Plur 3 obj
6 overturned overturned VERB VBN Tense=Past|VerbForm=Part|Voice=Pass 5 acl
7 on on ADP IN _ 10 case
8 the the DET DT Definite=Def|PronType=Art 10 det
9 coast coast NOUN NN Number=Sing 10 compound
10 road road NOUN NN Number=Sing 6 obl SpaceAfter=No
11 , , PUNCT , _ 3 punct
12 the the DET DT Definite=Def|PronType=Art 14 det
13 fire fire NOUN NN Number=Sing 14 compound
14 service service NOUN NN Number=Sing 15 nsubj
15 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
16 on on ADP IN _ 17 case
17 Monday Monday PROPN NNP Number=Sing 15 obl SpaceAfter=No
18 . . PUNCT . _ 15 punct
'''
FINAL_CUE_WITH_A_BARE_DAY = '''
1 Prices price NOUN NNS Number=Plur 2 nsubj
2 rose rise VERB VBD Mood=Ind|Number=Plur|Person=3|Tense=Past|VerbForm=Fin 12 advcl
3 by by ADP IN _ 5 case
4 four four NUM CD NumForm=Word|NumType=Card 5 nummod
5 percent percent NOUN NN Number=Sing 2 obl
6 in in ADP IN _ 7 case
7 March March PROPN NNP Number=Sing 2 obl SpaceAfter=No
8 , , PUNCT , _ 12 punct
9 the the DET DT Definite=Def|PronType=Art 11 det
10 statistics statistics NOUN NNS Number=Plur 11 compound
11 office office NOUN NN Number=Sing 12 nsubj
12 reported report VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
13 Tuesday Tuesday PROPN NNP Number=Sing 12 obl:unmarked SpaceAfter=No
14 . . PUNCT . _ 12 punct
'''


def test_a_sentence_final_cue_reports_the_lede_before_its_comma():
    doc, [quote] = _quotes(FINAL_CUE_AFTER_A_LEDE)
    assert quote.type is QuoteType.INDIRECT and quote.cue.text == "said"
    assert quote.text == "A bus carrying 30 pupils overturned on the coast road"
    assert quote.speaker.mention == "the fire service"
    doc, [quote] = _quotes(FINAL_CUE_WITH_A_BARE_DAY)
    assert quote.text == "Prices rose by four percent in March"
    assert quote.speaker.mention == "the statistics office"


# 3. A bare clause after a named subject; 4. a subject with an inserted phrase.
BARE_CLAUSE_AFTER_A_SUBJECT = '''
1 The the DET DT Definite=Def|PronType=Art 2 det
2 governor governor NOUN NN Number=Sing 3 nsubj
3 vowed vow VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
4 he he PRON PRP Case=Nom|Gender=Masc|Number=Sing|Person=3|PronType=Prs 7 nsubj
5 would would AUX MD VerbForm=Fin 7 aux
6 never never ADV RB PronType=Neg 7 advmod
7 resign resign VERB VB VerbForm=Inf 3 ccomp SpaceAfter=No
8 . . PUNCT . _ 3 punct
'''
SUBJECT_WITH_AN_INSERTED_PHRASE = '''
1 Critics Critics PROPN NNS Number=Plur 7 nsubj SpaceAfter=No
2 , , PUNCT , _ 5 punct
3 including include VERB VBG Tense=Pres|VerbForm=Part 5 case
4 the the DET DT Definite=Def|PronType=Art 5 det
5 mayor mayor NOUN NN Number=Sing 1 nmod SpaceAfter=No
6 , , PUNCT , _ 5 punct
7 argue argue VERB VB Mood=Imp|VerbForm=Fin 0 root
8 the the DET DT Definite=Def|PronType=Art 9 det
9 rules rule NOUN NNS Number=Plur 10 nsubj
10 go go VERB VB VerbForm=Inf 7 ccomp
11 too too ADV RB _ 12 advmod
12 far far ADV RB Degree=Pos 10 advmod SpaceAfter=No
13 . . PUNCT . _ 7 punct
'''


def test_a_bare_clause_after_a_vow():
    doc, [quote] = _quotes(BARE_CLAUSE_AFTER_A_SUBJECT)
    assert quote.type is QuoteType.INDIRECT and quote.text == "he would never resign"
    assert quote.cue.text == "vowed" and quote.speaker.mention == "The governor"


def test_an_inserted_phrase_in_the_subject_is_neither_content_nor_speaker_head():
    doc, [quote] = _quotes(SUBJECT_WITH_AN_INSERTED_PHRASE)
    assert quote.text == "the rules go too far" and quote.cue.text == "argue"
    assert quote.speaker.mention.startswith("Critics")


# 6. Where a report ends: before a trailing participle; after a predicate sharing its subject.
CUT_AT_A_TRAILING_PARTICIPLE = '''
1 The the DET DT Definite=Def|PronType=Art 2 det
2 mayor mayor NOUN NN Number=Sing 3 nsubj
3 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
4 the the DET DT Definite=Def|PronType=Art 5 det
5 council council NOUN NN Number=Sing 7 nsubj
6 had have AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 7 aux
7 approved approve VERB VBN Tense=Past|VerbForm=Part 3 ccomp
8 the the DET DT Definite=Def|PronType=Art 9 det
9 wall wall NOUN NN Number=Sing 7 obj
10 along along ADP IN _ 13 case
11 the the DET DT Definite=Def|PronType=Art 13 det
12 Mill Mill PROPN NNP Number=Sing 13 compound
13 River River PROPN NNP Number=Sing 9 nmod SpaceAfter=No
14 , , PUNCT , _ 15 punct
15 ending end VERB VBG Tense=Pres|VerbForm=Part 7 conj
16 a a DET DT Definite=Ind|PronType=Art 17 det
17 year year NOUN NN Number=Sing 15 obj
18 of of ADP IN _ 19 case
19 argument argument NOUN NN Number=Sing 17 nmod
20 over over ADP IN _ 23 case
21 the the DET DT Definite=Def|PronType=Art 23 det
22 flood flood NOUN NN Number=Sing 23 compound
23 plan plan NOUN NN Number=Sing 19 nmod SpaceAfter=No
24 . . PUNCT . _ 3 punct
'''
SHARED_SUBJECT_PREDICATE = '''
1 He he PRON PRP Case=Nom|Gender=Masc|Number=Sing|Person=3|PronType=Prs 2 nsubj
2 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
3 the the DET DT Definite=Def|PronType=Art 4 det
4 senator senator NOUN NN Number=Sing 6 nsubj
5 had have AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 6 aux
6 raised raise VERB VBN Tense=Past|VerbForm=Part|Voice=Pass 2 ccomp
7 taxes tax NOUN NNS Number=Plur 6 obj
8 four four NUM CD NumForm=Word|NumType=Card 9 nummod
9 times time NOUN NNS Number=Plur 6 obl:unmarked
10 in in ADP IN _ 12 case
11 six six NUM CD NumForm=Word|NumType=Card 12 nummod
12 years year NOUN NNS Number=Plur 6 obl
13 and and CCONJ CC _ 14 cc
14 had have VERB VBD Mood=Ind|Number=Plur|Person=3|Tense=Past|VerbForm=Fin 2 conj
15 " " PUNCT `` _ 17 punct SpaceAfter=No
16 no no DET DT PronType=Neg 17 det
17 plan plan NOUN NN Number=Sing 14 obj SpaceAfter=No
18 " " PUNCT '' _ 17 punct
19 for for ADP IN _ 21 case
20 the the DET DT Definite=Def|PronType=Art 21 det
21 roads roads NOUN NNS Number=Plur 17 nmod SpaceAfter=No
22 . . PUNCT . _ 2 punct
'''


def test_a_trailing_participle_of_the_report_is_cut_by_the_rules_and_restored_by_the_boundaries():
    # The rules cut ', ending ...' (PolNeAR's annotators end there 320 times in 399); the
    # learned boundaries weigh this one and carry the report on to the sentence end.
    doc = from_conllu(CUT_AT_A_TRAILING_PARTICIPLE)
    [rules] = extract(doc, ranker=RULES.models.ranker).quotes
    assert rules.text == "the council had approved the wall along the Mill River"
    [quote] = RULES.extract(doc).quotes
    assert quote.text == ("the council had approved the wall along the Mill River, ending a year of "
                          "argument over the flood plan")


def test_a_predicate_sharing_the_reported_subject_belongs_to_the_report():
    # the parse coordinated the second "had" with "said"
    doc, [quote] = _quotes(SHARED_SUBJECT_PREDICATE)
    assert quote.type is QuoteType.MIXED
    assert quote.text == 'the senator had raised taxes four times in six years and had "no plan" for the roads'
