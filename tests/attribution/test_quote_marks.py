from service.attribution.quote_marks import find_quoted_regions


def contents(text):
    return [text[r.content.start:r.content.end] for r in find_quoted_regions(text)]


def test_curly_and_straight_marks_pair():
    assert contents('He said “yes.” She said "no."') == ["yes.", "no."]


def test_single_quotes_nest_inside_double():
    text = "“He told me ‘never again,’ and left,” she said."
    assert contents(text) == ["He told me ‘never again,’ and left,"]


def test_quote_over_paragraphs_reopened_is_one_region():
    text = "“First paragraph of the speech.\n\n“Second paragraph ends here,” he said."
    regions = find_quoted_regions(text)
    assert len(regions) == 1
    assert regions[0].paragraphs == 2
    assert text[regions[0].content.start:regions[0].content.end].endswith("ends here,")


def test_unclosed_quote_stops_at_paragraph_end_and_nothing_raises():
    text = "He said “this never closes.\n\nNext paragraph is narration."
    assert contents(text) == ["this never closes."]


def test_stray_closing_mark_is_ignored():
    assert contents("Oddly” placed mark, then “a real quote” here.") == ["a real quote"]


def test_two_apostrophe_marks_as_used_by_some_wires():
    assert contents("''Interviewers are useless,'' the study concluded.") == ["Interviewers are useless,"]


def test_empty_and_markless_text():
    assert contents("") == []
    assert contents("No quotes at all.") == []
    assert contents('"') == []


def test_a_line_wrapped_inside_a_sentence_does_not_end_the_quotation():
    text = '"It is a\nlong road, and we will\nwalk it together," the mayor said.'
    assert contents(text) == ["It is a\nlong road, and we will\nwalk it together,"]
    assert find_quoted_regions(text)[0].paragraphs == 1


def test_a_line_break_after_a_sentence_or_before_a_capital_still_ends_a_paragraph():
    assert contents('He said "we will win.\nThe next "day" came.') == ["we will win.", "day"]
    assert contents('He said "we will win\nThe next "day" came.') == ["we will win", "day"]
    assert contents('He said "we will win\n\nand "then" left.') == ["we will win", "then"]
