"""The error categoriser of devtools/error_categories.py on hand-made gold quotes, predictions and
parses (no models loaded)."""

from __future__ import annotations

import pytest

from clients.evaluation import GoldDocument, GoldQuote, PredictedQuote
from devtools import error_categories as ec

LEXICON = ec.Lexicon(lemmas=frozenset({"say", "tell"}), phrasal=frozenset({("point", "out")}))
TITLE = "Senate passes the budget.\n\n"


def parse_of(text: str, verbs: dict[str, tuple[str, str]] | None = None,
             breaks: tuple[int, ...] = ()) -> ec.ParseInfo:
    """Whitespace tokens; ``verbs`` maps a token to (lemma, feats) and makes it a VERB; a new
    sentence starts at each offset in ``breaks`` and after each line."""
    verbs = verbs or {}
    info = ec.ParseInfo()
    offset = 0
    starts = []
    for line in text.split("\n"):
        position = offset
        for token in line.split():
            start = text.index(token, position)
            position = start + len(token)
            lemma, feats = verbs.get(token, (token.lower(), ""))
            info.words.append(ec.ParseWord(start, position, token, lemma,
                                           "VERB" if token in verbs else "NOUN", feats))
        if line.strip():
            starts.append(offset + len(line) - len(line.lstrip()))
        offset += len(line) + 1
    starts = sorted(set(starts) | set(breaks))
    for start, end in zip(starts, starts[1:] + [len(text) + 1]):
        inside = [w for w in info.words if start <= w.start < end]
        if inside:
            info.sentences.append((inside[0].start, inside[-1].end))
    return info


def gold(text: str, quoted: str, *, type: str = "indirect", cue: str = "said",
         speaker: str = "Smith") -> GoldQuote:
    start = text.index(quoted)
    return GoldQuote(type=type, span=(start, start + len(quoted)), text=quoted, speaker=speaker,
                     cue=cue)


def missed(text, quote, predicted=(), **parse_args):
    return ec.missed_category(text, quote, list(predicted), parse_of(text, **parse_args), LEXICON)


FINITE = {"is": ("be", "VerbForm=Fin"), "was": ("be", "VerbForm=Fin"),
          "said": ("say", "VerbForm=Fin")}


def test_title_and_title_case_lines_are_headlines():
    text = "Smith Says Taxes Are Too High.\n\nBody text here that is long enough, he said."
    assert missed(text, gold(text, "Taxes Are Too High", cue="Says")) == "headline/caption"
    text = TITLE + "Smith Says Taxes Are Too High.\n\nMore."
    assert missed(text, gold(text, "Taxes Are Too High", cue="Says")) == "headline/caption"


def test_short_body_sentence_is_not_a_headline():
    text = TITLE + "Smith also said the plan was fine."
    assert missed(text, gold(text, "the plan was fine"), verbs=FINITE) == "other (parse)"


def test_according_to():
    text = TITLE + "The plan was fine, according to Smith."
    assert missed(text, gold(text, "The plan was fine", cue="according to")) == "according to"


def test_direct_quote_nobody_overlaps_is_quote_mark_pairing():
    text = TITLE + "\u201cThe plan is fine,\u201d Smith said."
    quote = gold(text, "The plan is fine,", type="direct")
    assert missed(text, quote) == "quote-mark pairing"


def test_split_quote_found_in_part():
    text = TITLE + ("\u201cThe plan,\u201d Smith said, "
                    "\u201cis fine and it will pass the house.\u201d")
    quote = gold(text, "The plan,\u201d Smith said, \u201cis fine and it will pass the house.",
                 type="direct")
    first_half = (quote.span[0], quote.span[0] + len("The plan,"))
    assert missed(text, quote, [first_half]) == "split quotes"


def test_partial_overlap_is_clause_boundary():
    text = TITLE + "Smith said that the plan was fine and that taxes would fall next year."
    quote = gold(text, "the plan was fine and that taxes would fall next year")
    assert missed(text, quote, [(quote.span[0] - 40, quote.span[0] + 5)]) == "clause boundary"


def test_cue_not_in_lexicon():
    text = TITLE + "Smith grumbled that the plan was fine."
    verbs = {"grumbled": ("grumble", "VerbForm=Fin"), **FINITE}
    quote = gold(text, "the plan was fine", cue="grumbled")
    assert missed(text, quote, verbs=verbs) == "cue lexicon"
    text = TITLE + "Smith pointed out that the plan was fine."
    verbs = {"pointed": ("point", "VerbForm=Fin"), **FINITE}
    assert missed(text, gold(text, "the plan was fine", cue="pointed out"),
                  verbs=verbs) == "other (parse)"


def test_sentence_break_mid_sentence():
    text = TITLE + "Smith said the plan was fine for the farmers in the state."
    break_at = text.index("for the farmers")
    quote = gold(text, "the plan was fine for the farmers in the state")
    assert missed(text, quote, verbs=FINITE, breaks=(break_at,)) == "sentence splitting"
    text = TITLE + "Smith said the plan was fine. It is good."
    quote = gold(text, "the plan was fine. It is good")
    assert missed(text, quote, verbs=FINITE, breaks=(text.index("It is"),)) == "other (parse)"


def test_no_finite_verb_is_non_clausal():
    text = TITLE + "Smith urged the crowd to focus on taxes."
    verbs = {"urged": ("say", "VerbForm=Fin"), "focus": ("focus", "VerbForm=Inf")}
    quote = gold(text, "the crowd to focus on taxes", cue="urged")
    assert missed(text, quote, verbs=verbs) == "non-clausal content"


def predicted(name="", mention="", span=None, cue="said", type="indirect", at=(0, 1)):
    return PredictedQuote(type=type, span=at, speaker_name=name, speaker_mention=mention,
                          mention_span=span, cue=cue)


@pytest.mark.parametrize("expected, found, category", [
    ("Smith", predicted(), "no speaker"),
    ("Mr. Ekovich", predicted("Steven M. Ekovich", "who"), "speaker NP span"),
    ("Peter Morency, a Verizon customer,", predicted("Peter Morency", "he"), "speaker NP span"),
    ("Maher", predicted("Lawrence Wilkerson", "he"), "pronoun resolution"),
    ("Smith", predicted("Jones", "Jones"), "wrong entity"),
    ("she", predicted("Jones", "Jones"), "wrong entity"),
])
def test_speaker_categories(expected, found, category):
    quote = GoldQuote(type="indirect", span=(0, 1), speaker=expected)
    assert ec.speaker_category("x", quote, found) == category


def test_categorise_counts_each_error_once():
    text = TITLE + "Smith said the plan was fine. Jones told reporters taxes would fall."
    plan = gold(text, "the plan was fine")
    taxes = gold(text, "taxes would fall", speaker="Jones", cue="told")
    document = GoldDocument(id="d", text=text, quotes=(plan, taxes))
    predictions = [predicted("Brown", "Brown", at=taxes.span),
                   predicted(at=(0, 6), type="direct", cue="")]
    errors = ec.categorise(document, predictions, parse_of(text, verbs=FINITE), LEXICON)
    assert [(e.group, e.category) for e in errors] == [
        ("missed", "other (parse)"), ("wrong speaker", "wrong entity"),
        ("false positive", "direct, no cue")]
