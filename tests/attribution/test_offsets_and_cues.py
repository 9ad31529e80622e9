from service.attribution.cues import default_lexicon
from service.attribution.spans import Span
from service.wire import OffsetConverter, OffsetUnit


def test_offset_units_slice_the_encoded_text_to_the_same_characters():
    text = "Café 😀 “quoted” end"
    span = Span(text.index("quoted"), text.index("quoted") + len("quoted"))
    utf8 = OffsetConverter(text, OffsetUnit.UTF8_BYTE).span(span)
    assert text.encode("utf-8")[utf8.start:utf8.end].decode("utf-8") == "quoted"
    utf16 = OffsetConverter(text, OffsetUnit.UTF16_CODE_UNIT).span(span)
    assert text.encode("utf-16-le")[2 * utf16.start:2 * utf16.end].decode("utf-16-le") == "quoted"
    assert OffsetConverter(text, OffsetUnit.CODE_POINT).span(span) == span


def test_cue_lexicon_is_data_with_speech_verbs_and_no_belief_verbs():
    lexicon = default_lexicon()
    for lemma in ("say", "tell", "write", "tweet", "announce", "warn", "deny", "confirm", "claim"):
        assert lemma in lexicon.reporting
    for lemma in ("think", "believe", "feel", "kill"):
        assert lemma not in lexicon.reporting and lemma not in lexicon.manner
    assert "laugh" in lexicon.manner
    assert ("point", "out") in lexicon.phrasal
