import pytest

from service.nlp.segmenter import NewsSegmenter


@pytest.fixture(scope="module")
def segmenter():
    return NewsSegmenter()


def sentences(segmenter, text):
    return [text[s[0].start:s[-1].end] for s in segmenter.split(text)]


def test_exclamation_inside_quote_followed_by_inverted_cue_stays_one_sentence(segmenter):
    text = "“They will pay a BIG PRICE!” wrote Trump. He left."
    assert sentences(segmenter, text) == ["“They will pay a BIG PRICE!” wrote Trump.", "He left."]


def test_closing_quote_stays_with_its_sentence_and_opening_starts_the_next(segmenter):
    text = 'He said it was over." Then: "We go on."'
    assert sentences(segmenter, text) == ['He said it was over."', 'Then: "We go on."']


def test_line_breaks_end_sentences(segmenter):
    text = "Headline Without Period\n\nFirst sentence of the story."
    assert sentences(segmenter, text) == ["Headline Without Period", "First sentence of the story."]


def test_offsets_point_into_the_text(segmenter):
    text = "Mr. Smith said “no.”  Gen. Qassem Soleimani agreed."
    for sentence in segmenter.split(text):
        for token in sentence:
            assert text[token.start:token.end] == token.text
    assert len(segmenter.split(text)) == 2


def test_run_on_text_is_cut_into_parseable_pieces(segmenter):
    from service.nlp.segmenter import MAX_SENTENCE_TOKENS

    text = ", ".join(f"item{i}" for i in range(400))
    pieces = segmenter.split(text)
    assert len(pieces) >= 3
    assert all(len(p) <= MAX_SENTENCE_TOKENS for p in pieces)
    assert sum(len(p) for p in pieces) == len(segmenter.tokenize(text))


def test_question_then_name_and_speech_verb_stays_one_sentence(segmenter):
    text = "“What kind of help do you need?” Sen. Amy Weaver said. Then she left."
    sentences = [" ".join(t.text for t in s) for s in segmenter.split(text)]
    assert sentences == ["“ What kind of help do you need ? ” Sen. Amy Weaver said .", "Then she left ."]


def test_question_then_capitalised_sentence_without_speech_verb_still_splits(segmenter):
    text = "He asked: “Why not?” The Senate voted on Friday."
    assert len(segmenter.split(text)) == 2


def test_single_line_break_before_a_lower_case_word_does_not_end_the_sentence(segmenter):
    text = "Obama, who called it a hate\ncrime, spoke on Thursday.\nHe left."
    assert sentences(segmenter, text) == ["Obama, who called it a hate\ncrime, spoke on Thursday.", "He left."]


@pytest.mark.parametrize("symbols", ["😀", "★", "👍🏽", "👨\u200d👩\u200d👧", "❤️", "🇺🇸", "\u200b"])
def test_symbol_tokens_are_left_out_and_the_words_keep_their_offsets(segmenter, symbols):
    text = f'{symbols} "Hi there,"{symbols} Maria Lopez said. {symbols}'
    tokens = [t for sentence in segmenter.split(text) for t in sentence]
    assert [t.text for t in tokens] == ['"', "Hi", "there", ",", '"', "Maria", "Lopez", "said", "."]
    assert all(text[t.start:t.end] == t.text for t in tokens)


def test_words_with_marks_or_symbols_inside_stay_words(segmenter):
    # a combining tilde inside a name, a soft hyphen inside a word, a keycap digit
    text = "Pen\u0303a said co\u00adoperation was 1\ufe0f\u20e3 priority."
    assert [t.text for t in segmenter.tokenize(text)] == [
        "Pen\u0303a", "said", "co\u00adoperation", "was", "1\ufe0f\u20e3", "priority", "."]


def test_a_symbol_glued_to_an_opening_mark_does_not_make_it_a_closing_one(segmenter):
    text = 'The crowd cheered.😀"We won," she said.'
    assert sentences(segmenter, text) == ["The crowd cheered.", '"We won," she said.']
