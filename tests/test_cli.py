"""The `quotes` CLI against a live server, in every format."""

from __future__ import annotations

import io
import json

import pytest

from clients.cli import (main, predicted_quotes, quote_parts, quote_words, speaker_confidence,
                         write_text)
from clients.client import QuoteClient
from clients.evaluation import evaluate, load_gold
from conftest import TEXT

SECOND = '"Prices will fall," said Anna Berg, the minister.'


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_extract_text_format(capsys, target, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    code, out, err = run(capsys, "extract", str(article), "--target", target)
    assert code == 0, err
    assert out.startswith(f"== {article}: ")
    assert "We will respond with force" in out
    assert "type:    direct" in out
    assert "speaker: " in out and "Esper" in out
    assert "cue:     " in out


SPLIT = ('"We have been patient for months," Delgado told reporters, "but nobody wanted this '
         'strike."\n\nKhamenei said Washington "can\'t do anything."')


def test_extract_text_shows_quotes_as_read(capsys, target, tmp_path):
    article = tmp_path / "split.txt"
    article.write_text(SPLIT, encoding="utf-8")
    code, out, err = run(capsys, "extract", str(article), "--target", target)
    assert code == 0, err
    lines = out.splitlines()
    # The split quote: its words (the two parts joined by a space, no attribution) in one pair
    # of straight quote marks, then where each part is.
    first = lines.index('"We have been patient for months, but nobody wanted this strike."')
    assert lines[first + 1].startswith("  type:    direct  [1, ")
    assert lines[first + 2].startswith("  parts:   [1, 33) [")
    # Readable text, not an escaped string: the mixed quote keeps its own marks as written.
    assert 'Washington "can\'t do anything.' in out
    assert "\\" not in out
    quote_lines = [line for line in lines if line and not line.startswith(("  ", "=="))]
    assert not any("told reporters" in line for line in quote_lines)


def _response(*quotes: dict):
    from quotes.v1 import quote_service_pb2 as pb

    return pb.ExtractQuotesResponse(document_id="d", quotes=[pb.Quote(**q) for q in quotes])


def test_text_display_prints_the_words_as_written():
    from quotes.v1 import quote_service_pb2 as pb

    out = io.StringIO()
    write_text(_response(
        # Curly marks and apostrophes in the source stay as they are; no mark is added inside.
        {"text": "It\u2019s over,\u201d said Ann. \u201cGo home.", "type": pb.QUOTE_TYPE_DIRECT,
         "span": {"start": 1, "end": 35}, "parts": [{"start": 1, "end": 11},
                                                    {"start": 26, "end": 34}],
         "words": "It\u2019s over, Go home."},
        # A paragraph of a quotation that reopens without closing: shown as the server gives it.
        {"text": "First.\n\n\u201cSecond,", "type": pb.QUOTE_TYPE_DIRECT,
         "words": "First.\n\n\u201cSecond,"},
        {"text": 'Washington "can\'t do anything."', "type": pb.QUOTE_TYPE_MIXED,
         "words": 'Washington "can\'t do anything."'},
        {"text": "the two\nwere killed\x1b[2J", "type": pb.QUOTE_TYPE_INDIRECT,
         "words": "the two\nwere killed\x1b[2J"}), out)
    lines = out.getvalue().splitlines()
    assert '"It\u2019s over, Go home."' in lines
    assert "  parts:   [1, 11) [26, 34)" in lines
    assert '"First. \u201cSecond,"' in lines  # whitespace runs are one space; no mark added
    assert 'Washington "can\'t do anything."' in lines  # mixed: as written, no marks around
    assert "the two were killed[2J" in lines  # no control character reaches the terminal


def test_text_display_of_a_server_without_words_reads_the_marks():
    from quotes.v1 import quote_service_pb2 as pb

    out = io.StringIO()
    write_text(_response({"text": 'X," he said, "Y', "type": pb.QUOTE_TYPE_DIRECT}), out)
    assert '"X, Y"' in out.getvalue().splitlines()
    assert quote_words(pb.Quote(text="one", type=pb.QUOTE_TYPE_INDIRECT)) == "one"


def test_quote_parts_read_off_the_marks():
    assert quote_parts('X," he said, "Y', "direct") == ["X,", "Y"]
    assert quote_parts("X,\u201d said Ann Lee, the mayor. \u201cY.", "direct") == ["X,", "Y."]
    # A new paragraph of the same quotation reopens without closing: a new part, nothing lost.
    assert quote_parts("First.\n\n\u201cSecond.", "direct") == ["First.", "Second."]
    # Words between two quoted pieces are left out; words after a last close are kept.
    assert quote_parts("go vote\u201d and then \u201cgo home", "direct") == ["go vote", "go home"]
    assert quote_parts("done\u201d, he", "direct") == ["done", ", he"]
    # Indirect and mixed quotes are one part, their quoted words kept; whitespace runs and
    # control characters cannot break the layout or reach the terminal.
    assert quote_parts('Washington "can\'t do anything."', "mixed") == [
        'Washington "can\'t do anything."']
    assert quote_parts("the two\nwere\t killed\x1b[2J", "indirect") == ["the two were killed[2J"]
    assert quote_parts(" ", "direct") == []


def test_speaker_confidence_is_read_when_the_proto_has_it():
    from quotes.v1 import quote_service_pb2 as pb

    assert speaker_confidence(pb.Quote(text="x")) is None  # no speaker
    quote = pb.Quote(text="x", speaker=pb.QuoteSpeaker(name="Ann"))
    if "confidence" in pb.QuoteSpeaker.DESCRIPTOR.fields_by_name:
        quote.speaker.confidence = 0.75
        assert speaker_confidence(quote) == pytest.approx(0.75)
    else:  # a proto from before the field: no speaker confidence, not an error
        assert speaker_confidence(quote) is None


def test_extract_json_from_stdin(capsys, target, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(TEXT))
    code, out, err = run(capsys, "extract", "-", "--target", target, "--format", "json",
                         "--offset-unit", "utf8_byte")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    document = json.loads(lines[0])
    assert document["document_id"] == "stdin"
    assert document["offset_unit"] == "OFFSET_UNIT_UTF8_BYTE"
    assert document["model"]["source"] == "bundled"
    quote = document["quotes"][0]  # proto field names, every field present
    assert {"text", "span", "type", "confidence", "sentence_index"} <= set(quote)
    assert quote["type"].startswith("QUOTE_TYPE_")
    # The speaker's words and where each part is (here one part, the span itself).
    assert quote["words"] == quote["text"] and quote["parts"] == [quote["span"]]


def test_extract_jsonl_one_line_per_document(capsys, target, tmp_path):
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("\n".join(json.dumps(d) for d in [
        {"id": "one", "text": TEXT, "url": "ignored"},
        {"id": "two", "text": SECOND, "quotes": []},
        {"id": "three", "text": "Nothing to see."}]) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "extract", "--jsonl", str(jsonl), "--target", target,
                         "--format", "json", "--batch-size", "2")
    assert code == 0, err
    documents = [json.loads(line) for line in out.splitlines()]
    assert [d["document_id"] for d in documents] == ["one", "two", "three"]
    assert any("Prices will fall" in q["text"] for q in documents[1]["quotes"])


def test_extract_error_exits_nonzero_with_status_code(capsys, target, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    code, out, err = run(capsys, "extract", str(empty), "--target", target)
    assert code == 1 and out == ""
    named, summary = err.strip().splitlines()
    assert str(empty) in named and "INVALID_ARGUMENT" in named and ".text" in named
    assert summary == "quotes extract: 1 of 1 documents failed (see above)"


def test_missing_file_exits_nonzero(capsys, target, tmp_path):
    code, _out, err = run(capsys, "extract", str(tmp_path / "nope.txt"), "--target", target)
    assert code == 1 and "cannot read" in err


def test_unreachable_server_exits_nonzero(capsys):
    code, _out, err = run(capsys, "health", "--target", "127.0.0.1:1", "--timeout", "5")
    assert code == 1
    assert err.startswith("quotes health: error: UNAVAILABLE") or "DEADLINE_EXCEEDED" in err


def test_health(capsys, target):
    code, out, _err = run(capsys, "health", "--target", target)
    assert (code, out) == (0, "SERVING\n")


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["extract", "--format", "xml"])
    assert caught.value.code == 2


@pytest.fixture
def gold_file(tmp_path):
    """Two small hand-annotated documents in the shared/eval format."""
    start = TEXT.index("We will")
    end = TEXT.index(',"')
    speaker = TEXT.index("Defense")
    second_start = SECOND.index("Prices")
    documents = [
        {"id": "g1", "text": TEXT, "quotes": [
            {"type": "direct", "span": [start, end], "text": TEXT[start:end],
             "speaker": "Mark Esper", "speaker_aliases": ["Esper"],
             "speaker_span": [speaker, TEXT.index(" said")], "cue": "said"}]},
        {"id": "g2", "text": SECOND, "quotes": [
            {"type": "direct", "span": [second_start, SECOND.index(',"')],
             "text": "Prices will fall", "speaker": "Anna Berg", "speaker_aliases": [],
             "cue": "said"}]},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in documents) + "\n", encoding="utf-8")
    return path


def test_eval_text(capsys, target, gold_file):
    code, out, err = run(capsys, "eval", str(gold_file), "--target", target, "--show-errors",
                         "--batch-size", "1")
    assert code == 0, err
    assert "documents  2" in out and "quotes     gold 2" in out
    for label in ("precision", "recall", "f1", "recall direct", "speaker accuracy", "errors (",
                  "content  exact, trimmed", "speaker  token", "cue      exact",
                  "calibration, quote confidence: ECE", "f1 exact   ",
                  "(the gold gives no parts)"):
        assert label in out


def test_eval_json(capsys, target, gold_file):
    code, out, err = run(capsys, "eval", str(gold_file), "--target", target, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["documents"] == 2 and report["gold"] == 2
    assert report["recall_by_type"]["direct"]["gold"] == 2
    assert report["matched"] == 2  # both quotes are plain '"X," NAME said.' cases
    assert "errors" not in report
    # Boundaries: both contents are the words inside the marks once the comma is trimmed, both
    # cues read "said"; only g1's gold gives a speaker span, and the mention shares "Mark Esper".
    spans = report["spans"]
    assert spans["content"]["exact_trimmed"]["hits"] == 2
    assert spans["cue"]["exact"]["hits"] == 2
    assert spans["speaker"]["documents"] == 1 and spans["speaker"]["gold"] == 1
    assert spans["speaker"]["token"]["shared"] >= 2
    assert report["calibration"]["quote"]["items"] == report["predicted"]
    # The CLI scores exactly what the server answers, as clients.evaluation defines it.
    gold = load_gold(gold_file)
    with QuoteClient(target, timeout=60) as client:
        responses = client.extract_batch([(doc.id, doc.text) for doc in gold])
    expected = evaluate(zip(gold, map(predicted_quotes, responses))).to_dict()
    assert report == json.loads(json.dumps(expected))


def test_eval_text_with_json_out(capsys, target, gold_file, tmp_path):
    json_out = tmp_path / "report.json"
    code, out, err = run(capsys, "eval", str(gold_file), "--target", target,
                         "--json-out", str(json_out))
    assert code == 0, err
    assert "precision" in out and "reliability" in out  # the text report is printed
    report = json.loads(json_out.read_text(encoding="utf-8"))
    assert report["documents"] == 2 and "errors" in report  # the file always has the errors
    # Every predicted quote carries the server's confidence into exactly one bucket.
    assert sum(row["quotes"] for row in report["reliability"]) == report["predicted"]
    code, _out, err = run(capsys, "eval", str(gold_file), "--target", target,
                          "--json-out", str(tmp_path / "missing" / "report.json"))
    assert code == 1 and "cannot write" in err


def _jsonl(path, texts: list[str]) -> str:
    path.write_text("".join(json.dumps({"id": f"doc-{i}", "text": t}) + "\n"
                            for i, t in enumerate(texts)), encoding="utf-8")
    return str(path)


def test_a_bad_document_costs_only_itself(capsys, target, tmp_path):
    texts = [TEXT, SECOND, "   ", TEXT, SECOND, TEXT]  # line 3 is empty: INVALID_ARGUMENT
    docs = _jsonl(tmp_path / "docs.jsonl", texts)
    code, out, err = run(capsys, "extract", "--jsonl", docs, "--target", target,
                         "--format", "json", "--batch-size", "4", "--in-flight", "2")
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 6  # every document answered, in input order
    assert [r.get("document_id", r.get("id")) for r in records] == [f"doc-{i}" for i in range(6)]
    [bad] = [r for r in records if "error" in r]
    assert bad["id"] == "doc-2" and bad["origin"].endswith("docs.jsonl:3")
    assert bad["error"]["code"] == "INVALID_ARGUMENT"
    assert "1 of 6 documents failed" in err and "doc-2" in err


def test_a_malformed_jsonl_line_costs_only_itself(capsys, target, tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_bytes(b"\n".join([
        json.dumps({"id": "doc-0", "text": SECOND}).encode(),
        b'{"id": "cut", "text": "no end',  # line 2: not JSON
        b"",  # a blank line is skipped, not an error
        b'["a", "list"]',  # line 4: not an object
        json.dumps({"id": "no-text", "body": SECOND}).encode(),  # line 5
        json.dumps({"id": "number", "text": 42}).encode(),  # line 6
        b'{"id": "latin-1", "text": "caf\xe9"}',  # line 7: not UTF-8 (no id read either)
        json.dumps({"id": "doc-7", "text": SECOND}).encode()]) + b"\n")
    code, out, err = run(capsys, "extract", "--jsonl", str(docs), "--target", target,
                         "--format", "json", "--batch-size", "3")
    assert code == 1
    records = [json.loads(line) for line in out.splitlines()]
    assert [r.get("document_id", r.get("id")) for r in records] == [
        "doc-0", "2", "4", "no-text", "number", "7", "doc-7"]  # input order
    bad = {r["origin"].rsplit(":", 1)[1]: r for r in records if "error" in r}
    assert set(bad) == {"2", "4", "5", "6", "7"}
    assert all(r["origin"] == f"{docs}:{line}" and r["error"]["code"] == "INVALID_INPUT"
               for line, r in bad.items())
    assert bad["2"]["error"]["message"].startswith("not JSON")
    assert bad["4"]["error"]["message"].startswith("a JSON array, not an object")
    assert bad["5"]["error"]["message"].startswith('no "text"')
    assert bad["6"]["error"]["message"].startswith('"text" is a JSON number, not a string')
    assert bad["7"]["error"]["message"].startswith("not UTF-8")
    assert all("Prices will fall" in q["text"] for r in (records[0], records[-1])
               for q in r["quotes"][:1])
    assert f"{docs}:2" in err and "5 of 7 documents failed" in err


def test_only_malformed_lines_send_nothing(capsys, tmp_path):
    """Model-free: nothing valid to send, so no server is needed; every line is reported."""
    docs = tmp_path / "docs.jsonl"
    docs.write_text('not json\n{"text": null}\n', encoding="utf-8")
    code, out, err = run(capsys, "extract", "--jsonl", str(docs), "--target", "127.0.0.1:1",
                         "--format", "json", "--timeout", "5")
    assert code == 1
    assert [(r["id"], r["origin"], r["error"]["code"]) for r in map(json.loads, out.splitlines())
            ] == [("1", f"{docs}:1", "INVALID_INPUT"), ("2", f"{docs}:2", "INVALID_INPUT")]
    assert '"text" is a JSON null' in err and "2 of 2 documents failed" in err
    assert "is `quotes-server` running" not in err  # nothing was sent, nothing was unreachable


def test_resume_skips_what_the_output_already_holds(capsys, target, tmp_path):
    docs = _jsonl(tmp_path / "docs.jsonl", [TEXT, SECOND, TEXT])
    output = tmp_path / "out.jsonl"
    output.write_text(json.dumps({"document_id": "doc-0", "quotes": []}) + "\n"
                      + '{"document_id": "doc-1", "quo', encoding="utf-8")  # cut short
    code, _out, err = run(capsys, "extract", "--jsonl", docs, "--target", target,
                          "--output", str(output), "--resume")
    assert code == 0, err
    assert "1 documents already in" in err
    ids = [json.loads(line)["document_id"] for line in output.read_text().splitlines()[1:]
           if line.startswith("{") and line.endswith("}")]
    assert ids == ["doc-1", "doc-2"]


def test_a_dead_server_gets_a_hint_not_a_traceback(capsys, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    docs = _jsonl(tmp_path / "docs.jsonl", [TEXT] * 5)
    code, _out, err = run(capsys, "extract", "--jsonl", docs, "--target", f"127.0.0.1:{port}",
                          "--timeout", "5")
    assert code == 1
    assert f"is `quotes-server` running at 127.0.0.1:{port}?" in err
    assert "Traceback" not in err


def test_batch_size_above_the_servers_limit_is_caught_before_sending(capsys, tmp_path):
    docs = _jsonl(tmp_path / "docs.jsonl", [TEXT])
    code, _out, err = run(capsys, "extract", "--jsonl", docs, "--target", "127.0.0.1:1",
                          "--batch-size", "100")
    assert code == 1 and "above the server's limit of 64" in err


def test_batches_respect_the_servers_document_and_character_bounds():
    from clients.batch_job import Item, batches_of
    from quotes.v1 import quote_service_pb2 as pb

    items = [Item(pb.Document(id=str(i), text="x" * n), "") for i, n in
             enumerate([400, 400, 400, 900, 100, 100, 100, 2000])]
    batches = batches_of(items, size=3, max_chars=1000)
    assert [[item.document.id for item in batch] for batch in batches] == [
        ["0", "1"], ["2"], ["3", "4"], ["5", "6"], ["7"]]
