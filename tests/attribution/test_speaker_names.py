"""Speaker names, titles and gender agreement on parses frozen from the bundled parser's output
for invented sentences (``parsed.from_conllu``): no model is loaded."""

from __future__ import annotations

from conftest import RULES
from service.document import from_conllu
from service.attribution.spans import Resolution

HYPHENATED = '''
1 Mayor Mayor PROPN NNP Number=Sing 6 nsubj
2 Jane Jane PROPN NNP Number=Sing 1 flat
3 Doe Doe PROPN NNP Number=Sing 2 flat SpaceAfter=No
4 - - PUNCT HYPH _ 5 punct SpaceAfter=No
5 Smith Smith PROPN NNP Number=Sing 2 flat
6 opened open VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
7 the the DET DT Definite=Def|PronType=Art 9 det
8 new new ADJ JJ Degree=Pos 9 amod
9 library library NOUN NN Number=Sing 6 obj
10 on on ADP IN _ 11 case
11 Monday Monday PROPN NNP Number=Sing 6 obl SpaceAfter=No
12 . . PUNCT . _ 6 punct

1 " " PUNCT `` _ 4 punct SpaceAfter=No
2 We we PRON PRP Case=Nom|Number=Plur|Person=1|PronType=Prs 4 nsubj
3 will will AUX MD VerbForm=Fin 4 aux
4 keep keep VERB VB VerbForm=Inf 13 ccomp
5 every every DET DT PronType=Tot 6 det
6 branch branch NOUN NN Number=Sing 7 compound
7 open open ADJ JJ Degree=Pos 4 xcomp SpaceAfter=No
8 , , PUNCT , _ 10 punct SpaceAfter=No
9 " " PUNCT `` _ 10 punct
10 Doe Doe PROPN NNP Number=Sing 13 nsubj SpaceAfter=No
11 - - PUNCT HYPH _ 10 punct SpaceAfter=No
12 Smith Smith PROPN NNP Number=Sing 10 flat
13 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
14 . . PUNCT . _ 13 punct
'''

ORTEGA_REYES = '''
1 Fire Fire PROPN NNP Number=Sing 2 compound
2 Chief Chief PROPN NNP Number=Sing 7 nsubj
3 Marcus Marcus PROPN NNP Number=Sing 7 nsubj
4 Ortega Ortega PROPN NNP Number=Sing 3 flat SpaceAfter=No
5 - - PUNCT HYPH _ 3 punct SpaceAfter=No
6 Reyes Reyes PROPN NNP Number=Sing 3 flat
7 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
8 the the DET DT Definite=Def|PronType=Art 9 det
9 blaze blaze NOUN NN Number=Sing 12 nsubj
10 was be AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 12 cop
11 under under ADP IN _ 12 case
12 control control NOUN NN Number=Sing 7 ccomp SpaceAfter=No
13 . . PUNCT . _ 7 punct

1 Ortega Ortega PROPN NNP Number=Sing 4 nsubj SpaceAfter=No
2 - - PUNCT HYPH _ 3 punct SpaceAfter=No
3 Reyes Reyes PROPN NNP Number=Sing 1 flat
4 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 two two NUM CD NumForm=Word|NumType=Card 6 nummod
6 firefighters firefighters NOUN NNS Number=Plur 8 nsubj:pass
7 were be AUX VBD Mood=Ind|Number=Plur|Person=3|Tense=Past|VerbForm=Fin 8 aux:pass
8 hurt hurt VERB VBN Tense=Past|VerbForm=Part 4 ccomp SpaceAfter=No
9 . . PUNCT . _ 4 punct
'''

PARTICLES = '''
1 Museum Museum PROPN NNP Number=Sing 2 compound
2 director director NOUN NN Number=Sing 3 nmod:desc
3 Ludwig Ludwig PROPN NNP Number=Sing 4 nmod:desc
4 van van PROPN NNP Number=Sing 7 nsubj
5 der der PROPN NNP Number=Sing 4 flat
6 Berg Berg PROPN NNP Number=Sing 4 flat
7 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
8 the the DET DT Definite=Def|PronType=Art 9 det
9 paintings paintings NOUN NNS Number=Plur 11 nsubj
10 were be AUX VBD Mood=Ind|Number=Plur|Person=3|Tense=Past|VerbForm=Fin 11 cop
11 safe safe ADJ JJ Degree=Pos 7 ccomp SpaceAfter=No
12 . . PUNCT . _ 7 punct

1 Van Van PROPN NNP Number=Sing 4 nsubj
2 der der PROPN NNP Number=Sing 1 flat
3 Berg Berg PROPN NNP Number=Sing 1 flat
4 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 the the DET DT Definite=Def|PronType=Art 6 det
6 roof roof NOUN NN Number=Sing 9 nsubj:pass
7 would would AUX MD VerbForm=Fin 9 aux
8 be be AUX VB VerbForm=Inf 9 aux:pass
9 repaired repair VERB VBN Tense=Past|VerbForm=Part|Voice=Pass 4 ccomp SpaceAfter=No
10 . . PUNCT . _ 4 punct
'''

SUFFIX = '''
1 Robert Robert PROPN NNP Number=Sing 4 nsubj
2 Allenby Allenby PROPN NNP Number=Sing 1 flat
3 Jr. Jr. PROPN NNP Number=Sing 1 flat
4 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 the the DET DT Definite=Def|PronType=Art 6 det
6 merger merger NOUN NN Number=Sing 8 nsubj
7 would would AUX MD VerbForm=Fin 8 aux
8 close close VERB VB VerbForm=Inf 4 ccomp
9 in in ADP IN _ 10 case
10 May May PROPN NNP Number=Sing 8 obl SpaceAfter=No
11 . . PUNCT . _ 4 punct

1 Allenby Allenby PROPN NNP Number=Sing 2 nsubj
2 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
3 the the DET DT Definite=Def|PronType=Art 4 det
4 board board NOUN NN Number=Sing 5 nsubj
5 approved approve VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 2 ccomp
6 it it PRON PRP Case=Acc|Gender=Neut|Number=Sing|Person=3|PronType=Prs 5 obj SpaceAfter=No
7 . . PUNCT . _ 2 punct
'''

TITLES = '''
1 Councilman Councilman PROPN NNP Number=Sing 4 nsubj
2 Oscar Oscar PROPN NNP Number=Sing 1 flat
3 Whitfield Whitfield PROPN NNP Number=Sing 2 flat
4 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 the the DET DT Definite=Def|PronType=Art 6 det
6 vote vote NOUN NN Number=Sing 8 nsubj:pass
7 was be AUX VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 8 aux:pass
8 rushed rush VERB VBN Tense=Past|VerbForm=Part|Voice=Pass 4 ccomp SpaceAfter=No
9 . . PUNCT . _ 4 punct

1 Mayor Mayor PROPN NNP Number=Sing 4 nsubj
2 Helen Helen PROPN NNP Number=Sing 1 flat
3 Brandt Brandt PROPN NNP Number=Sing 2 flat
4 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 the the DET DT Definite=Def|PronType=Art 6 det
6 council council NOUN NN Number=Sing 7 nsubj
7 acted act VERB VBN Tense=Past|VerbForm=Part|Voice=Pass 4 ccomp
8 lawfully lawfully ADV RB _ 7 advmod SpaceAfter=No
9 . . PUNCT . _ 4 punct
'''

SHE_AFTER_A_MAN = '''
1 Governor Governor PROPN NNP Number=Sing 4 nsubj
2 Maria Maria PROPN NNP Number=Sing 4 nsubj
3 Calloway Calloway PROPN NNP Number=Sing 2 flat
4 unveiled unveiled VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 her she PRON PRP$ Case=Gen|Gender=Fem|Number=Sing|Person=3|Poss=Yes|PronType=Prs 4 iobj
6 budget budget NOUN NN Number=Sing 4 obj
7 on on ADP IN _ 8 case
8 Tuesday Tuesday PROPN NNP Number=Sing 4 obl SpaceAfter=No
9 . . PUNCT . _ 4 punct

1 Treasurer Treasurer PROPN NNP Number=Sing 4 nsubj
2 Daniel Daniel PROPN NNP Number=Sing 4 nsubj
3 Hartwell Hartwell PROPN NNP Number=Sing 2 flat
4 praised praised VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
5 the the DET DT Definite=Def|PronType=Art 7 det
6 spending spending NOUN NN Number=Sing 7 compound
7 cuts cut NOUN NNS Number=Plur 4 obj SpaceAfter=No
8 . . PUNCT . _ 4 punct

1 " " PUNCT `` _ 5 punct SpaceAfter=No
2 I I PRON PRP Case=Nom|Number=Sing|Person=1|PronType=Prs 5 nsubj
3 have have AUX VBP Mood=Ind|Number=Sing|Person=1|Tense=Pres|VerbForm=Fin 5 aux
4 never never ADV RB PronType=Neg 5 advmod
5 met meet VERB VBN Tense=Past|VerbForm=Part 15 ccomp
6 a a DET DT Definite=Ind|PronType=Art 7 det
7 budget budget NOUN NN Number=Sing 5 obj
8 I I PRON PRP Case=Nom|Number=Sing|Person=1|PronType=Prs 11 nsubj
9 could could AUX MD VerbForm=Fin 11 aux
10 not not PART RB Polarity=Neg 11 advmod
11 balance balance VERB VB VerbForm=Inf 7 acl:relcl SpaceAfter=No
12 , , PUNCT , _ 5 punct SpaceAfter=No
13 " " PUNCT '' _ 11 punct
14 she she PRON PRP Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs 15 nsubj
15 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
16 . . PUNCT . _ 15 punct
'''

MR_AND_MS = '''
1 Ms. Ms. PROPN NNP Number=Sing 3 nsubj
2 Adebayo Adebayo PROPN NNP Number=Sing 3 nsubj
3 chaired chaired VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
4 the the DET DT Definite=Def|PronType=Art 5 det
5 hearing hearing NOUN NN Number=Sing 3 obj SpaceAfter=No
6 . . PUNCT . _ 3 punct

1 Mr. Mr. PROPN NNP Number=Sing 2 nmod:desc
2 Lindqvist Lindqvist PROPN NNP Number=Sing 3 nsubj
3 answered answer VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
4 questions question NOUN NNS Number=Plur 3 obj
5 for for ADP IN _ 7 case
6 an a DET DT Definite=Ind|PronType=Art 7 det
7 hour hour NOUN NN Number=Sing 3 obl SpaceAfter=No
8 . . PUNCT . _ 3 punct

1 " " PUNCT `` _ 5 punct SpaceAfter=No
2 The the DET DT Definite=Def|PronType=Art 3 det
3 figures figure NOUN NNS Number=Plur 5 nsubj
4 are be AUX VBP Mood=Ind|Number=Plur|Person=3|Tense=Pres|VerbForm=Fin 5 cop
5 correct correct ADJ JJ Degree=Pos 9 ccomp SpaceAfter=No
6 , , PUNCT , _ 5 punct SpaceAfter=No
7 " " PUNCT '' _ 5 punct
8 she she PRON PRP Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs 9 nsubj
9 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
10 . . PUNCT . _ 9 punct
'''

UNKNOWN_GENDER = '''
1 Treasurer Treasurer PROPN NNP Number=Sing 3 nsubj
2 Hartwell Hartwell PROPN NNP Number=Sing 3 nsubj
3 praised praised VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root
4 the the DET DT Definite=Def|PronType=Art 6 det
5 spending spending NOUN NN Number=Sing 6 compound
6 cuts cut NOUN NNS Number=Plur 3 obj SpaceAfter=No
7 . . PUNCT . _ 3 punct

1 " " PUNCT `` _ 4 punct SpaceAfter=No
2 We we PRON PRP Case=Nom|Number=Plur|Person=1|PronType=Prs 4 nsubj
3 can can AUX MD VerbForm=Fin 4 aux
4 balance balance VERB VB VerbForm=Inf 9 ccomp
5 it it PRON PRP Case=Acc|Gender=Neut|Number=Sing|Person=3|PronType=Prs 4 obj SpaceAfter=No
6 , , PUNCT , _ 4 punct SpaceAfter=No
7 " " PUNCT '' _ 4 punct
8 she she PRON PRP Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs 9 nsubj
9 said say VERB VBD Mood=Ind|Number=Sing|Person=3|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
10 . . PUNCT . _ 9 punct
'''


def _speakers(conllu: str):
    attribution = RULES.extract(from_conllu(conllu))
    return [q.speaker for q in attribution.quotes], attribution.speakers


def test_hyphenated_surname_whole_and_resolved_alone():
    speakers, index = _speakers(HYPHENATED)
    assert speakers[-1].mention == "Doe-Smith"
    assert (speakers[-1].name, speakers[-1].title) == ("Jane Doe-Smith", "Mayor")
    assert [(e.name, e.title) for e in index] == [("Jane Doe-Smith", "Mayor")]


def test_hyphenated_surname_after_a_two_word_title():
    speakers, index = _speakers(ORTEGA_REYES)
    assert [(s.name, s.title) for s in speakers] == [("Marcus Ortega-Reyes", "Fire Chief")] * 2
    assert speakers[1].resolution is Resolution.EARLIER_MENTION
    assert [e.name for e in index] == ["Marcus Ortega-Reyes"]


def test_particles_stay_in_the_name():
    speakers, index = _speakers(PARTICLES)
    assert [s.name for s in speakers] == ["Ludwig van der Berg"] * 2
    assert speakers[0].title == "Museum director"
    assert len(index) == 1


def test_suffix_stays_and_the_surname_alone_resolves_to_it():
    speakers, index = _speakers(SUFFIX)
    assert [s.name for s in speakers] == ["Robert Allenby Jr."] * 2
    assert [e.name for e in index] == ["Robert Allenby Jr."]


def test_one_title_rule_for_every_title():
    speakers, index = _speakers(TITLES)
    assert [(s.mention, s.name, s.title) for s in speakers] == [
        ("Councilman Oscar Whitfield", "Oscar Whitfield", "Councilman"),
        ("Mayor Helen Brandt", "Helen Brandt", "Mayor")]
    assert [(e.name, e.title) for e in index] == [("Oscar Whitfield", "Councilman"),
                                                  ("Helen Brandt", "Mayor")]


def test_she_never_goes_to_the_man_named_just_before():
    speakers, _ = _speakers(SHE_AFTER_A_MAN)
    she = speakers[-1]
    assert she.mention == "she"
    assert she.name != "Daniel Hartwell" or she.confidence < 0.9
    assert (she.name, she.resolution) == ("Maria Calloway", Resolution.PRONOUN_ANTECEDENT)


def test_mr_and_ms_say_the_gender():
    speakers, index = _speakers(MR_AND_MS)
    assert (speakers[0].name, speakers[0].title) == ("Lindqvist", "Mr.")
    assert (speakers[-1].mention, speakers[-1].name, speakers[-1].title) == ("she", "Adebayo", "Ms.")


def test_a_pronoun_linked_without_gender_evidence_is_less_sure():
    speakers, _ = _speakers(UNKNOWN_GENDER)
    she = speakers[-1]
    assert (she.mention, she.name) == ("she", "Hartwell")
    assert she.agreement_unknown and she.confidence <= 0.7
    assert not speakers[0].agreement_unknown


def test_title_travels_in_its_own_grpc_field(client):
    """Through a real in-process server (the bundled models parse the text)."""
    response = client.extract("Fire Chief Marcus Ortega-Reyes said the blaze was under control. "
                              "Ortega-Reyes said two firefighters were hurt.")
    assert [(q.speaker.name, q.speaker.title) for q in response.quotes] == [
        ("Marcus Ortega-Reyes", "Fire Chief")] * 2
    assert [(s.name, s.title) for s in response.speakers] == [("Marcus Ortega-Reyes", "Fire Chief")]
