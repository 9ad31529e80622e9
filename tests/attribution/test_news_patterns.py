"""Patterns users met in fresh wire-style news (issue 13), each on text written for the test,
parsed by the real bundled models (the ``parser`` fixture) and run through extract()."""

from __future__ import annotations

import pytest

from service.attribution.spans import QuoteType


def only(quotes):
    assert len(quotes) == 1, [(q.type, q.text) for q in quotes]
    return quotes[0]


@pytest.mark.parametrize("symbols", ["😀", "★", "👍🏽", "👨\u200d👩\u200d👧", "❤\ufe0f", "🇺🇸"])
def test_a_symbol_before_a_quote_does_not_hide_it(run, symbols):
    plain = only(run('"Hi there," Maria Lopez said.'))
    for text in (f'{symbols} "Hi there," Maria Lopez said.', f'{symbols}"Hi there," Maria Lopez said. {symbols}'):
        quote = only(run(text))
        assert quote.type is QuoteType.DIRECT
        assert quote.text == "Hi there,"
        assert quote.speaker.name == "Maria Lopez"
        assert quote.confidence == plain.confidence


@pytest.mark.parametrize("text", [
    "The mayor, who has been silent since the ruling, tweeted a large picture of the city's flag.",
    "The senator posted a short video of the rally on Sunday.",
    "Her campaign tweeted a screenshot of the full report on Monday.",
])
def test_a_shared_picture_video_or_link_is_not_a_quote(run, text):
    assert run(text) == []


def test_the_object_of_a_speech_act_is_still_reported(run):
    quote = only(run("The governor praised the rescue crews who worked through the night."))
    assert quote.text.startswith("the rescue crews")


@pytest.mark.parametrize("text, source", [
    ("According to figures published by the agency, unemployment rose to 5.1 percent in March.",
     "figures published by the agency"),
    ("According to a report released by the ministry on Friday, exports fell for a third month.",
     "a report released by the ministry on Friday"),
    ("According to data compiled by the union, 40 percent of drivers work a second job.",
     "data compiled by the union"),
])
def test_according_to_a_described_source_keeps_the_whole_phrase(run, text, source):
    quote = only(run(text))
    assert quote.type is QuoteType.INDIRECT
    assert quote.text == text[text.index(source) + len(source) + 2:-1]
    assert quote.cue.text == "According to"
    assert quote.speaker.mention == source


def test_according_to_a_name_is_still_the_name(run):
    quote = only(run("The bridge will reopen in May, according to Transport Minister Ana Costa."))
    assert quote.text == "The bridge will reopen in May"
    assert quote.speaker.name == "Ana Costa"


@pytest.mark.parametrize("text", [
    "The airline cancelled 40 flights. A spokeswoman for the carrier, who asked not to be named, "
    "said talks with pilots were continuing.",
    "A spokeswoman said on Tuesday talks with pilots were continuing.",
    "A spokeswoman for Northern Air said talks with pilots were continuing.",
])
def test_the_subject_of_a_reported_clause_stays_in_it(run, text):
    quote = [q for q in run(text) if q.cue.lemma == "say"][-1]
    assert quote.text == "talks with pilots were continuing"
    assert "spokeswoman" in quote.speaker.mention


def test_calling_something_a_quoted_name_after_a_report_is_its_own_act(run):
    quotes = run("Reid said the council's decision was wrong and called the hiring freeze \"reckless.\"")
    assert [(q.text, q.cue.text) for q in quotes] == [
        ("the council's decision was wrong", "said"), ('the hiring freeze "reckless.', "called")]
    assert quotes[1].type is QuoteType.MIXED
    assert all(q.speaker.name == "Reid" for q in quotes)


def test_a_label_in_quote_marks_alone_is_not_a_quote(run):
    # PolNeAR leaves 'called X "Y"' unmarked (133 of 146 in its train split): a label, not a report
    assert run('Critics called the hiring freeze "reckless."') == []


@pytest.mark.parametrize("text", [
    '"The offer is an insult. We will ballot members next week," the union\'s general secretary, '
    'Mark Hughes, wrote on Twitter.',
    'Drivers rejected the offer on Friday.\n\n"This offer is an insult to every driver in the '
    'country," the union\'s general secretary, Mark Hughes, wrote on Twitter.',
])
def test_a_quotation_before_a_described_and_named_speaker_is_found(run, text):
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT
    assert quote.text.startswith(("The offer is an insult.", "This offer is an insult"))
    assert quote.cue.text == "wrote"
    assert quote.speaker.name == "Mark Hughes"


@pytest.mark.parametrize("attribution", [
    "Delgado told reporters.",
    "said Delgado, who has led the local since 2019.",
    "Delgado told reporters gathered outside the depot on Monday morning.",
    "Delgado told reporters.\n\n",  # the next paragraph
])
def test_the_next_sentence_of_a_quotation_is_the_same_quote(run, attribution):
    text = (f'Bus drivers walked off the job on Monday.\n\n"We have been patient for months," {attribution} '
            f'"Nobody wanted this strike."\n\nThe city said it would hire temporary drivers.')
    quotes = run(text)
    quote = only([q for q in quotes if "patient" in q.text])
    # one quote from the first sentence's start to the second's end, as PolNeAR marks them
    assert quote.text.startswith("We have been patient for months,")
    assert quote.text.endswith('"Nobody wanted this strike.')
    assert quote.speaker.name == "Delgado"
    assert not any("Nobody" in q.text for q in quotes if q is not quote)


def test_a_next_quotation_with_its_own_attribution_stays_a_quote_of_its_own(run):
    quotes = run('"We have been patient for months," Delgado told reporters. '
                 '"Nobody wanted this strike," she added.')
    assert [q.text for q in quotes] == ["We have been patient for months,", "Nobody wanted this strike,"]


def test_a_hard_wrapped_quotation_is_one_quote_with_its_speaker(run):
    """Plain-text feeds wrap lines at a fixed width: a line break inside a quoted sentence does
    not end the quotation."""
    quote = only(run('"It is a long road, and we will\nwalk it together," Mayor Jane Porter said '
                     'on Monday.'))
    assert quote.type is QuoteType.DIRECT
    assert quote.text == "It is a long road, and we will\nwalk it together,"
    assert quote.speaker and quote.speaker.name == "Jane Porter"


@pytest.mark.parametrize("text, content, speaker", [
    ("He denied the charges, his lawyer said.", "He denied the charges", "his lawyer"),
    ("The company rejected the claims, a spokesman said on Monday.", "The company rejected the claims",
     "a spokesman"),
])
def test_a_trailing_attribution_is_not_what_the_inner_cue_reports(run, text, content, speaker):
    """'X denied Y, his lawyer said': the lawyer reports the denial; 'his lawyer said' is not a
    quote of the denier (the parser hangs it on 'denied' as parataxis)."""
    quote = only(run(text))
    assert quote.type is QuoteType.INDIRECT and quote.text == content
    assert quote.speaker and quote.speaker.mention == speaker


def test_a_quotation_run_over_paragraphs_with_open_marks_has_one_part_a_paragraph(run):
    # News leaves a quotation's paragraph open when the next paragraph goes on with it.
    text = "\u201cThe river rose overnight.\n\n\u201cWe moved the families first,\u201d said Ana Ruiz."
    quote = only(run(text))
    assert quote.type is QuoteType.DIRECT
    assert [text[p.start:p.end] for p in quote.parts] == ["The river rose overnight.",
                                                          "We moved the families first,"]
    assert quote.words == "The river rose overnight. We moved the families first,"
    assert quote.speaker.name == "Ana Ruiz"
