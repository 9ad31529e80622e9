"""Scoring rules of shared/eval/README.md on small hand-made examples."""

from __future__ import annotations

import json
import struct

import pytest

from clients.evaluation import (Calibration, GoldDocument, GoldQuote, PredictedQuote, bucket_of,
                                calibration_bin_of, evaluate, format_text, load_gold, match,
                                speaker_correct)


def test_match_needs_half_of_the_shorter_span():
    assert match([(0, 10)], [(5, 20)]) == [(0, 0)]  # 5 shared >= 10/2
    assert match([(0, 10)], [(6, 20)]) == []  # 4 shared < 10/2
    assert match([(0, 100)], [(40, 44)]) == [(0, 0)]  # short prediction inside a long gold
    assert match([(0, 10)], [(10, 20)]) == []  # touching is not overlapping
    assert match([(3, 3)], [(0, 10)]) == []  # empty spans never match


def test_match_is_one_to_one_best_overlap_first():
    # Both predictions qualify for gold 0; the bigger overlap wins, the other is free for gold 1.
    assert match([(0, 10), (8, 30)], [(5, 12), (0, 10)]) == [(0, 1), (1, 0)]
    # One prediction, two qualifying golds: only the better-overlapping gold gets it.
    assert match([(0, 10), (0, 20)], [(0, 20)]) == [(1, 0)]
    # Ties go to the earlier gold.
    assert match([(0, 10), (0, 10)], [(0, 10)]) == [(0, 0)]


def test_speaker_by_span_overlap_or_name():
    gold = GoldQuote("direct", (0, 10), speaker="Yossi Cohen", speaker_aliases=("Cohen",),
                     speaker_span=(20, 25))
    assert speaker_correct(gold, PredictedQuote("direct", (0, 10), mention_span=(24, 30)))
    assert speaker_correct(gold, PredictedQuote("direct", (0, 10), speaker_name="Mr. COHEN"))
    assert speaker_correct(gold, PredictedQuote("direct", (0, 10), speaker_mention="yossi cohen"))
    assert not speaker_correct(gold, PredictedQuote("direct", (0, 10), speaker_name="he",
                                                    speaker_mention="he", mention_span=(40, 42)))
    unnamed = GoldQuote("direct", (0, 10), speaker="", speaker_span=None)
    assert not unnamed.has_speaker
    assert not speaker_correct(unnamed, PredictedQuote("direct", (0, 10), speaker_name="anyone"))


def _document() -> tuple[GoldDocument, list[PredictedQuote]]:
    gold = GoldDocument("d1", "x" * 200, (
        GoldQuote("direct", (0, 20), "a", speaker="Donald Trump", speaker_aliases=("Trump",)),
        GoldQuote("indirect", (30, 60), "b", speaker="", speaker_span=(25, 29)),
        GoldQuote("mixed", (70, 90), "c", speaker="Ali Khamenei"),
        GoldQuote("indirect", (100, 120), "d", speaker=""),  # no speaker
    ))
    predicted = [
        PredictedQuote("direct", (1, 20), "a", speaker_name="Donald Trump", speaker_mention="he"),
        PredictedQuote("direct", (35, 60), "b", speaker_name="X", mention_span=(26, 28)),
        PredictedQuote("indirect", (150, 170), "spurious", speaker_name="Nobody"),
        PredictedQuote("indirect", (100, 119), "d"),
    ]
    return gold, predicted


def test_evaluate_counts_and_ratios():
    report = evaluate([_document()])
    c = report.counts
    assert (c.gold, c.predicted, c.matched) == (4, 4, 3)
    assert report.precision == pytest.approx(3 / 4)
    assert report.recall == pytest.approx(3 / 4)
    assert report.f1 == pytest.approx(3 / 4)
    assert report.recall_by_type() == {"direct": 1.0, "indirect": 1.0, "mixed": 0.0}
    assert report.type_accuracy == pytest.approx(2 / 3)  # "b" was predicted direct
    # Three gold quotes have a speaker; two were found and attributed right; "c" was missed.
    assert (c.with_speaker, c.speaker_right) == (3, 2)
    assert report.speaker_accuracy == pytest.approx(2 / 3)
    kinds = sorted((e.kind, e.text) for e in report.errors)
    assert kinds == [("missed", "c"), ("spurious", "spurious")]


def test_wrong_speaker_is_listed():
    gold = GoldDocument("d", "He said it. Cohen", (
        GoldQuote("direct", (0, 10), speaker="Cohen"),))
    report = evaluate([(gold, [PredictedQuote("direct", (0, 10), speaker_name="Trump")])])
    assert report.speaker_accuracy == 0.0
    [error] = report.errors
    assert (error.kind, error.expected_speaker, error.predicted_speaker) == (
        "wrong_speaker", "Cohen", "Trump")


def test_totals_are_summed_over_documents_and_empty_is_zero():
    gold, predicted = _document()
    report = evaluate([(gold, predicted), (GoldDocument("empty", "", ()), [])])
    assert report.documents == 2 and report.counts.gold == 4
    empty = evaluate([])
    assert (empty.precision, empty.recall, empty.f1, empty.speaker_accuracy) == (0, 0, 0, 0)


def test_report_formats():
    report = evaluate([_document()])
    as_dict = report.to_dict(errors=True)
    assert as_dict["recall_by_type"]["mixed"] == {"gold": 1, "matched": 0, "recall": 0.0}
    assert as_dict["speaker"] == {"gold_with_speaker": 3, "correct": 2,
                                  "accuracy": pytest.approx(2 / 3)}
    assert len(as_dict["errors"]) == 2 and json.dumps(as_dict)
    assert "errors" not in report.to_dict()
    text = format_text(report, show_errors=True)
    assert "precision  0.750" in text and "missed" in text and "spurious" in text


def test_bucket_edges():
    # [0, 0.3) [0.3, 0.5) [0.5, 0.7) [0.7, 0.85) [0.85, 1.0]; out-of-range values go to the ends.
    cases = {0.0: 0, 0.29: 0, 0.3: 1, 0.49: 1, 0.5: 2, 0.69: 2, 0.7: 3, 0.849: 3, 0.85: 4,
             0.99: 4, 1.0: 4, -0.1: 0, 1.5: 4}
    assert {c: bucket_of(c) for c in cases} == cases
    # Confidence travels as a 32-bit float: 0.7 arrives as 0.699999988..., still "0.70-0.85".
    as_float32 = struct.unpack("f", struct.pack("f", 0.7))[0]
    assert as_float32 < 0.7 and bucket_of(as_float32) == 3


def _reliability_document() -> tuple[GoldDocument, list[PredictedQuote]]:
    gold = GoldDocument("r", "x" * 300, (
        GoldQuote("direct", (0, 20), speaker="Donald Trump", speaker_aliases=("Trump",)),
        GoldQuote("direct", (30, 50), speaker="Ali Khamenei"),
        GoldQuote("indirect", (60, 80), speaker=""),  # no speaker: matching is enough
        GoldQuote("indirect", (90, 110), speaker="", speaker_span=(85, 89)),
        GoldQuote("direct", (120, 140), speaker="Qassem Soleimani"),
    ))
    predicted = [
        # 0.85-1.00: right (speaker by name), wrong speaker, spurious.
        PredictedQuote("direct", (0, 20), speaker_name="Trump", confidence=0.9),
        PredictedQuote("direct", (30, 50), speaker_name="Trump", confidence=0.85),
        PredictedQuote("direct", (200, 220), speaker_name="Trump", confidence=1.0),
        # 0.70-0.85: right without a gold speaker; right by mention span.
        PredictedQuote("indirect", (60, 80), confidence=0.7),
        PredictedQuote("indirect", (92, 110), speaker_name="he", mention_span=(86, 88),
                       confidence=0.84),
        # 0.30-0.50: a duplicate of gold 0 that lost the one-to-one matching.
        PredictedQuote("direct", (2, 20), speaker_name="Trump", confidence=0.3),
        # 0.00-0.30: right.
        PredictedQuote("direct", (120, 140), speaker_name="Qassem Soleimani", confidence=0.15),
        # No confidence: left out of the table.
        PredictedQuote("direct", (250, 260), speaker_name="Nobody"),
    ]
    return gold, predicted


def test_reliability_buckets_predicted_quotes_by_confidence():
    report = evaluate([_reliability_document()])
    assert report.reliability() == [
        {"bucket": "0.00-0.30", "quotes": 1, "right": 1, "accuracy": 1.0},
        {"bucket": "0.30-0.50", "quotes": 1, "right": 0, "accuracy": 0.0},
        {"bucket": "0.50-0.70", "quotes": 0, "right": 0, "accuracy": 0.0},
        {"bucket": "0.70-0.85", "quotes": 2, "right": 2, "accuracy": 1.0},
        {"bucket": "0.85-1.00", "quotes": 3, "right": 1, "accuracy": pytest.approx(1 / 3)},
    ]
    assert report.to_dict()["reliability"] == report.reliability()
    # Summed over documents, like the other counts.
    twice = evaluate([_reliability_document(), _reliability_document()])
    assert [row["quotes"] for row in twice.reliability()] == [2, 2, 0, 4, 6]
    assert [row["right"] for row in twice.reliability()] == [2, 0, 0, 4, 2]


def test_reliability_text_table():
    text = format_text(evaluate([_reliability_document()]))
    assert "reliability" in text
    lines = text.splitlines()
    assert "  0.85-1.00       3      1  0.333" in lines
    assert "  0.50-0.70       0      0      -" in lines
    empty = evaluate([])
    assert all(row["quotes"] == 0 for row in empty.reliability())


def test_load_gold(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "T", "quotes": [
        {"type": "direct", "span": [0, 1], "text": "T", "speaker": None, "speaker_aliases": [],
         "speaker_span": [0, 1], "cue": "said", "note": "extra keys are fine"}]}) + "\n\n")
    [document] = load_gold(path)
    assert document.quotes[0].speaker_span == (0, 1) and document.quotes[0].speaker == ""
    assert document.quotes[0].has_speaker
    path.write_text('{"id": "a"}\n')
    with pytest.raises(ValueError, match="gold.jsonl:1"):
        load_gold(path)


def test_shared_gold_files_load():
    """The project's real gold files parse and are self-consistent."""
    import pathlib

    folder = pathlib.Path(__file__).resolve().parents[2] / "shared" / "eval"
    files = sorted(folder.glob("*-gold.jsonl"))
    if not files:
        pytest.skip("shared/eval not present")
    for path in files:
        for document in load_gold(path):
            for quote in document.quotes:
                assert 0 <= quote.span[0] <= quote.span[1] <= len(document.text)


# --- boundary figures and calibration ---------------------------------------------------------

BOUNDARY_TEXT = ('"We will win," Anna Berg, the mayor, said on Monday. '
                 'Officials said that the plan failed. He told reporters nothing.')


def _at(phrase: str, after: int = 0) -> tuple[int, int]:
    start = BOUNDARY_TEXT.index(phrase, after)
    return start, start + len(phrase)


def _boundary_document() -> tuple[GoldDocument, list[PredictedQuote]]:
    # PolNeAR style gold: content with its quote marks and its "that", speaker NPs with their
    # appositions and commas, cue text only.
    gold = GoldDocument("b", BOUNDARY_TEXT, (
        GoldQuote("direct", _at('"We will win,"'), speaker_span=_at("Anna Berg, the mayor,"),
                  cue="said"),
        GoldQuote("indirect", _at("that the plan failed"), speaker_span=_at("Officials"),
                  cue="said"),
        GoldQuote("indirect", _at("nothing"), speaker_span=_at("He"), cue="told reporters"),
    ))
    predicted = [
        PredictedQuote("direct", _at("We will win,"), mention_span=_at("Anna Berg"), cue="said",
                       confidence=0.95, speaker_confidence=0.9),
        PredictedQuote("indirect", _at("the plan failed"), mention_span=_at("Officials"),
                       cue="said:", confidence=0.8, speaker_confidence=0.6),
        # Spurious, with a speaker and a cue: costs precision in every part.
        PredictedQuote("indirect", _at("on Monday"), mention_span=_at("He"), cue="said",
                       confidence=0.15),
    ]
    return gold, predicted


def test_exact_trimmed_and_token_figures_per_part():
    counts = evaluate([_boundary_document()]).counts
    content, speaker, cue = counts.content, counts.speaker_span, counts.cue
    # Content: no span is identical; once the quote marks and a leading "that" are trimmed
    # (the shared scoring rule) the direct quote and the indirect one are. Tokens: 3 + 4 + 1 gold, 3 + 3 + 2 predicted, the
    # matched pairs share 3 + 3 (the spurious quote and the missed one share nothing).
    assert (content.gold, content.predicted, content.exact, content.exact_trimmed) == (3, 3, 0, 2)
    assert (content.gold_tokens, content.predicted_tokens, content.shared_tokens) == (8, 8, 6)
    assert content.token_prf() == pytest.approx((6 / 8, 6 / 8, 6 / 8))
    assert content.exact_trimmed_prf() == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    # Speaker: "Officials" is exact; "Anna Berg" against "Anna Berg, the mayor," is not, even
    # trimmed; the spurious quote's "He" is a predicted item with no pair.
    assert (speaker.gold, speaker.predicted, speaker.exact, speaker.exact_trimmed) == (3, 3, 1, 1)
    assert (speaker.gold_tokens, speaker.predicted_tokens, speaker.shared_tokens) == (6, 4, 3)
    p, r, f = speaker.token_prf()
    assert (p, r) == pytest.approx((3 / 4, 3 / 6)) and f == pytest.approx(2 * p * r / (p + r))
    assert counts.speaker_span_documents == 1
    # Cue, by text within the pair: "said" exact, "said:" only once trimmed; "told reporters"
    # was missed with its quote.
    assert (cue.gold, cue.predicted, cue.exact, cue.exact_trimmed) == (3, 3, 1, 2)
    assert (cue.gold_tokens, cue.predicted_tokens, cue.shared_tokens) == (4, 3, 2)


def test_speaker_spans_only_where_the_gold_gives_them():
    # Gold with names only (like the Soleimani article): no speaker span figures at all.
    named = GoldDocument("n", BOUNDARY_TEXT, (
        GoldQuote("indirect", _at("the plan failed"), speaker="Officials", cue="said"),))
    prediction = PredictedQuote("indirect", _at("the plan failed"), speaker_name="Officials",
                                mention_span=_at("Officials"), cue="said")
    report = evaluate([(named, [prediction])])
    assert report.counts.speaker_span_documents == 0
    assert (report.counts.speaker_span.gold, report.counts.speaker_span.predicted) == (0, 0)
    assert "the gold gives no speaker spans" in format_text(report)
    # In a document with spans, a prediction matched to a gold quote without one is not judged.
    mixed = GoldDocument("m", BOUNDARY_TEXT, (
        GoldQuote("indirect", _at("the plan failed"), speaker="Officials", cue="said"),
        GoldQuote("indirect", _at("nothing"), speaker_span=_at("He"), cue="told")))
    report = evaluate([(mixed, [prediction, PredictedQuote("indirect", _at("nothing"),
                                                           mention_span=_at("He"), cue="told")])])
    score = report.counts.speaker_span
    assert (score.gold, score.predicted, score.exact) == (1, 1, 1)


def test_boundary_figures_in_the_report_formats():
    report = evaluate([_boundary_document()])
    spans = report.to_dict()["spans"]
    assert spans["content"]["exact_trimmed"]["hits"] == 2
    assert spans["speaker"]["documents"] == 1
    assert spans["cue"]["token"] == {"gold": 4, "predicted": 3, "shared": 2,
                                     "precision": pytest.approx(2 / 3),
                                     "recall": pytest.approx(2 / 4),
                                     "f1": pytest.approx(4 / 7)}
    lines = format_text(report).splitlines()
    assert "  content  exact, trimmed  0.667  0.667  0.667          2/3" in lines
    assert "  cue      exact           0.333  0.333  0.333          1/3" in lines
    # The headline figures are unchanged by the new ones.
    assert report.precision == pytest.approx(2 / 3) and report.recall == pytest.approx(2 / 3)


def test_calibration_bins_and_ece():
    assert [calibration_bin_of(c) for c in (0.0, 0.0999, 0.1, 0.55, 0.9, 1.0, -0.2, 1.3)] == [
        0, 0, 1, 5, 9, 9, 0, 9]
    as_float32 = struct.unpack("f", struct.pack("f", 0.7))[0]
    assert calibration_bin_of(as_float32) == 7
    calibration = Calibration()
    for confidence, right in ((0.95, True), (0.95, False), (0.15, False), (0.15, False),
                              (0.55, True)):
        calibration.add(confidence, right)
    # Bins 0.9: 2 items, mean 0.95, half right; 0.1: 2, mean 0.15, none right; 0.5: 1, 0.55, right.
    assert calibration.ece == pytest.approx((2 * 0.45 + 2 * 0.15 + 1 * 0.45) / 5)
    rows = {row["bin"]: row for row in calibration.table()}
    assert rows["0.9-1.0"] == {"bin": "0.9-1.0", "items": 2, "right": 1,
                               "mean_confidence": pytest.approx(0.95), "accuracy": 0.5}
    assert Calibration().ece == 0.0 and Calibration().total == 0


def test_quote_and_speaker_calibration_from_evaluate():
    report = evaluate([_boundary_document()])
    quote = report.counts.quote_calibration
    # Quote right = matched with the speaker right: the first two (speaker by span overlap).
    assert (quote.total, sum(quote.right)) == (3, 2)
    assert quote.ece == pytest.approx((abs(1 - 0.95) + abs(1 - 0.8) + abs(0 - 0.15)) / 3)
    # Speaker: only found quotes whose gold has a speaker and that carry a speaker confidence.
    speaker = report.counts.speaker_calibration
    assert (speaker.total, sum(speaker.right)) == (2, 2)
    assert speaker.ece == pytest.approx((0.1 + 0.4) / 2)
    as_dict = report.to_dict()["calibration"]
    assert as_dict["bins"] == 10 and as_dict["speaker"]["items"] == 2
    text = format_text(report)
    assert "calibration, quote confidence: ECE 0.133 over 3" in text
    # Without speaker confidences the speaker table says so.
    assert "speaker confidence: none in the predictions" in format_text(evaluate([_document()]))


# --- parts -------------------------------------------------------------------------------------

PARTS_TEXT = ('"The dam will hold," said engineer Ruth Amsel. "We checked every bolt."\n\n'
              '"Rain is coming," she added. "Stay home tonight."\n\n'
              'The council said the road stays closed.')


def _in(phrase: str) -> tuple[int, int]:
    start = PARTS_TEXT.index(phrase)
    return start, start + len(phrase)


def _parts_document() -> tuple[GoldDocument, list[PredictedQuote]]:
    dam, bolt = _in('"The dam will hold,"'), _in('"We checked every bolt."')
    rain, home = _in("Rain is coming,"), _in("Stay home tonight.")
    gold = GoldDocument("p", PARTS_TEXT, (
        # Gold in PolNeAR style, marks included: trimming makes them equal to the marks-less
        # prediction.
        GoldQuote("direct", (dam[0], bolt[1]), speaker="Ruth Amsel", parts=(dam, bolt)),
        GoldQuote("direct", (rain[0], home[1]), speaker="she", parts=(rain, home)),
        GoldQuote("indirect", _in("the road stays closed"), speaker="The council",
                  parts=(_in("the road stays closed"),)),
    ))
    predicted = [
        PredictedQuote("direct", (dam[0] + 1, bolt[1] - 1), speaker_name="Ruth Amsel",
                       parts=((dam[0] + 1, dam[1] - 1), (bolt[0] + 1, bolt[1] - 1))),
        # No parts: a server from before Quote.parts; its span holds "she added".
        PredictedQuote("direct", (rain[0], home[1]), speaker_name="she"),
        PredictedQuote("indirect", _in("the road stays closed."), speaker_name="The council",
                       parts=(_in("the road stays closed."),)),
    ]
    return gold, predicted


def test_parts_equal_once_trimmed():
    report = evaluate([_parts_document()])
    parts = report.to_dict()["parts"]
    assert (parts["gold"], parts["matched"], parts["equal"]) == (3, 3, 2)
    assert parts["share"] == pytest.approx(2 / 3)
    assert parts["split"] == {"gold": 2, "matched": 2, "equal": 1, "share": pytest.approx(0.5)}
    lines = format_text(report).splitlines()
    assert ("  parts    exact, trimmed share 0.667  (2/3 matched quotes whose gold gives parts; "
            "split in the gold: 1/2)") in lines


def test_parts_wrong_when_a_part_holds_the_attribution_or_one_is_missing():
    gold, predicted = _parts_document()
    dam, bolt = gold.quotes[0].parts
    for wrong in [((dam[0], bolt[1]),),  # one part, the attribution inside
                  ((dam[0] + 1, dam[1] - 1),),  # the second part missing
                  ((bolt[0] + 1, bolt[1] - 1), (dam[0] + 1, dam[1] - 1))]:  # out of order
        found = PredictedQuote("direct", (dam[0] + 1, bolt[1] - 1), parts=wrong)
        report = evaluate([(GoldDocument("p", PARTS_TEXT, gold.quotes[:1]), [found])])
        assert (report.counts.parts.matched, report.counts.parts.equal) == (1, 0)


def test_parts_only_where_the_gold_gives_them(tmp_path):
    gold, predicted = _document()  # no parts in the gold
    report = evaluate([(gold, predicted)])
    assert report.to_dict()["parts"]["gold"] == 0 and report.to_dict()["parts"]["share"] == 0.0
    assert "  parts    -              (the gold gives no parts)" in format_text(report)
    # Unmatched gold quotes with parts count as gold, not as matched.
    missed = GoldDocument("m", PARTS_TEXT, (GoldQuote("direct", (1, 18), parts=((1, 18),)),))
    assert evaluate([(missed, [])]).to_dict()["parts"]["matched"] == 0
    # The gold files may give parts; they load as ranges, and bad ones are refused.
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": "a", "text": PARTS_TEXT, "quotes": [
        {"type": "direct", "span": [1, 70], "parts": [[1, 18], [47, 69]]},
        {"type": "indirect", "span": [5, 9], "parts": None}]}) + "\n")
    [document] = load_gold(path)
    assert document.quotes[0].parts == ((1, 18), (47, 69)) and document.quotes[1].parts is None
    path.write_text(json.dumps({"id": "a", "text": "T", "quotes": [
        {"type": "direct", "span": [0, 1], "parts": [0, 1]}]}) + "\n")
    with pytest.raises(ValueError, match="gold.jsonl:1"):
        load_gold(path)


def test_the_text_report_gives_the_exact_content_f1_beside_the_overlap_f1():
    report = evaluate([_boundary_document()])
    lines = format_text(report).splitlines()
    assert lines[4] == "f1         0.667  (quotes matched by half overlap)"
    assert lines[5] == "f1 exact   0.667  (content boundaries exact, trimmed; table below)"
    assert report.counts.content.exact_trimmed_prf()[2] == pytest.approx(2 / 3)
