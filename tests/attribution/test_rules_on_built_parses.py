"""The attribution rules on parses written by hand (``parsed.from_conllu``): no model is loaded,
so these pin the rules themselves and do not move when the models change."""

from __future__ import annotations

from conftest import RULES
from service.document import from_conllu
from service.attribution.spans import QuoteType, Resolution

SAID = '''
1 " " PUNCT `` _ 4 punct SpaceAfter=No
2 We we PRON PRP Case=Nom|Number=Plur|Person=1|PronType=Prs 4 nsubj
3 will will AUX MD VerbForm=Fin 4 aux
4 win win VERB VB VerbForm=Inf 8 ccomp SpaceAfter=No
5 , , PUNCT , _ 4 punct SpaceAfter=No
6 " " PUNCT '' _ 4 punct
7 she she PRON PRP Case=Nom|Gender=Fem|Number=Sing|Person=3|PronType=Prs 8 nsubj
8 said say VERB VBD Mood=Ind|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
9 . . PUNCT . _ 8 punct
'''
INDIRECT = '''
1 The the DET DT Definite=Def|PronType=Art 2 det
2 minister minister NOUN NN Number=Sing 3 nsubj
3 said say VERB VBD Mood=Ind|Tense=Past|VerbForm=Fin 0 root
4 that that SCONJ IN _ 7 mark
5 talks talk NOUN NNS Number=Plur 7 nsubj
6 would would AUX MD VerbForm=Fin 7 aux
7 resume resume VERB VB VerbForm=Inf 3 ccomp SpaceAfter=No
8 . . PUNCT . _ 3 punct
'''
PRONOUN = '''
1 Mark Mark PROPN NNP Number=Sing 3 nsubj
2 Esper Esper PROPN NNP Number=Sing 1 flat
3 spoke speak VERB VBD Mood=Ind|Tense=Past|VerbForm=Fin 0 root
4 on on ADP IN _ 5 case
5 Friday Friday PROPN NNP Number=Sing 3 obl SpaceAfter=No
6 . . PUNCT . _ 3 punct

1 " " PUNCT `` _ 4 punct SpaceAfter=No
2 We we PRON PRP Case=Nom|Number=Plur|Person=1|PronType=Prs 4 nsubj
3 will will AUX MD VerbForm=Fin 4 aux
4 respond respond VERB VB VerbForm=Inf 8 ccomp SpaceAfter=No
5 , , PUNCT , _ 4 punct SpaceAfter=No
6 " " PUNCT '' _ 4 punct
7 he he PRON PRP Case=Nom|Gender=Masc|Number=Sing|Person=3|PronType=Prs 8 nsubj
8 said say VERB VBD Mood=Ind|Tense=Past|VerbForm=Fin 0 root SpaceAfter=No
9 . . PUNCT . _ 8 punct
'''
ACCORDING = '''
1 According accord VERB VBG VerbForm=Ger 3 case
2 to to ADP IN _ 1 fixed
3 police police NOUN NNS Number=Plur 8 obl SpaceAfter=No
4 , , PUNCT , _ 8 punct
5 two two NUM CD NumType=Card 6 nummod
6 people people NOUN NNS Number=Plur 8 nsubj:pass
7 were be AUX VBD Mood=Ind|Tense=Past|VerbForm=Fin 8 aux:pass
8 arrested arrest VERB VBN Tense=Past|VerbForm=Part|Voice=Pass 0 root SpaceAfter=No
9 . . PUNCT . _ 8 punct
'''


def _quotes(conllu: str):
    doc = from_conllu(conllu)
    return doc, RULES.extract(doc).quotes


def test_the_builder_lays_out_text_and_offsets():
    doc = from_conllu(SAID)
    assert doc.text == '"We will win," she said.'
    assert [(w.text, doc.text[w.start:w.end]) for w in doc.words][:3] == [
        ('"', '"'), ("We", "We"), ("will", "will")]
    said = doc.words[7]
    assert said.head == -1 and [doc.words[i].text for i in said.children] == ["win", "she", "."]
    two = from_conllu(PRONOUN)
    assert len(two.sentences) == 2 and two.words[6].sentence == 1


def test_quote_before_its_cue_is_direct_with_the_subject_as_speaker():
    doc, [quote] = _quotes(SAID)
    assert quote.type is QuoteType.DIRECT and quote.text == "We will win,"
    assert doc.text[quote.span.start:quote.span.end] == quote.text
    assert (quote.speaker.mention, quote.cue.text, quote.cue.lemma) == ("she", "said", "say")
    assert quote.rule == "complement"
    assert quote.speaker.resolution is Resolution.UNRESOLVED_PRONOUN
    assert quote.speaker.antecedent_span is None


def test_complement_clause_is_indirect():
    _doc, [quote] = _quotes(INDIRECT)
    assert quote.type is QuoteType.INDIRECT and quote.text == "talks would resume"
    assert quote.speaker.name == "The minister"


def test_pronoun_resolves_to_the_person_named_before():
    _doc, [quote] = _quotes(PRONOUN)
    assert quote.type is QuoteType.DIRECT and quote.text == "We will respond,"
    assert (quote.speaker.mention, quote.speaker.name) == ("he", "Mark Esper")
    # the answer says how: a pronoun linked to the name, and where that name is
    assert quote.speaker.resolution is Resolution.PRONOUN_ANTECEDENT
    antecedent = quote.speaker.antecedent_span
    assert _doc.text[antecedent.start:antecedent.end] == "Mark Esper"
    # a resolved speaker is worth more confidence than the unresolved "she" above
    assert quote.confidence > _quotes(SAID)[1][0].confidence


def test_according_to_names_the_source():
    _doc, [quote] = _quotes(ACCORDING)
    assert quote.type is QuoteType.INDIRECT and quote.text == "two people were arrested"
    assert (quote.speaker.name, quote.cue.text) == ("police", "According to")
    assert quote.rule == "according" and quote.speaker.resolution is Resolution.MENTION
