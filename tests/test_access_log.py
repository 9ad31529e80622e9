"""The access log: one structured line per call, never the text, rate-limited at high volume."""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent import futures

import grpc
import pytest

from clients.client import QuoteClient
from conftest import TEST_SETTINGS, TEXT, sample, scrape, wait_until

SECRET = "Quarterly figures for Zyxwvut Holdings"
DOC = f'{SECRET} were "excellent," the chief executive said.'


def _lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "quotes.access"]


def test_one_line_per_call_with_its_facts_and_never_the_text(make_server, caplog):
    caplog.set_level(logging.INFO, logger="quotes.access")
    srv = make_server()
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60) as client:
        one = client.extract(DOC)
        batch = client.extract_batch([DOC, TEXT])
        streamed = list(client.stream([DOC]))
        with pytest.raises(grpc.RpcError):
            client.extract("")
        client.health()  # not logged: not a QuoteService call
    lines = _lines(caplog)
    assert [(r.method, r.code, r.documents) for r in lines] == [
        ("ExtractQuotes", "OK", 1), ("BatchExtractQuotes", "OK", 2),
        ("StreamExtractQuotes", "OK", 1), ("ExtractQuotes", "INVALID_ARGUMENT", 1)]
    assert lines[0].characters == len(DOC) and lines[0].quotes == len(one.quotes) >= 1
    assert lines[1].characters == len(DOC) + len(TEXT)
    assert lines[1].quotes == sum(len(r.quotes) for r in batch)
    assert lines[2].quotes == len(streamed[0].quotes)
    for record in lines:
        assert record.peer.startswith(("ipv4:", "ipv6:")) and record.duration_ms >= 0
        assert SECRET not in record.getMessage() and "excellent" not in record.getMessage()
        assert "method=" in record.getMessage()


def test_lines_are_rate_limited_and_say_how_many_were_left_out(make_server, caplog):
    caplog.set_level(logging.INFO, logger="quotes.access")
    srv = make_server(access_log_per_second=2)
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60) as client:
        for _ in range(8):
            with pytest.raises(grpc.RpcError):
                client.extract("")  # cheap calls, quicker than 2 a second
        logged = len(_lines(caplog))
        time.sleep(1.2)
        with pytest.raises(grpc.RpcError):
            client.extract("")
    lines = _lines(caplog)
    assert 2 <= logged <= 4
    assert lines[-1].suppressed == 8 - logged


def test_no_access_log_when_turned_off(make_server, caplog):
    caplog.set_level(logging.INFO, logger="quotes.access")
    srv = make_server(access_log_per_second=0)
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60) as client:
        client.extract(TEXT)
    assert not _lines(caplog)


def test_a_refused_call_counts_what_it_sent(make_server, parser, tmp_path, caplog):
    """Refused by validation, by the token check or by a full queue: the line still says how
    many documents and characters came, so a flood of refused work shows in the log."""
    caplog.set_level(logging.INFO, logger="quotes.access")
    too_long = "x" * (TEST_SETTINGS.max_document_chars + 1)
    srv = make_server(max_queued_documents=4)
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60, retries=False) as client, \
            futures.ThreadPoolExecutor(1) as pool:
        with pytest.raises(grpc.RpcError):
            client.extract_batch([DOC, too_long])  # INVALID_ARGUMENT
        with pytest.raises(grpc.RpcError):
            list(client.stream([DOC, ""]))  # the second message is invalid
        with parser.exclusive():
            first = pool.submit(client.extract_batch, [TEXT] * 4)  # fills the queue
            assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == 4)
            with pytest.raises(grpc.RpcError):
                client.extract(DOC)  # RESOURCE_EXHAUSTED
        first.result(timeout=60)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"a {hashlib.sha256(b'token-a').hexdigest()}\n")
    guarded = make_server(auth_tokens_file=str(tokens))
    with QuoteClient(f"127.0.0.1:{guarded.port}", timeout=60) as stranger:
        with pytest.raises(grpc.RpcError):
            stranger.extract_batch([DOC, TEXT])  # UNAUTHENTICATED
    lines = {(r.method, r.code): r for r in _lines(caplog)}
    expected = {
        ("BatchExtractQuotes", "INVALID_ARGUMENT"): (2, len(DOC) + len(too_long), 0),
        ("StreamExtractQuotes", "INVALID_ARGUMENT"): (2, len(DOC), 1),  # the first was answered
        ("ExtractQuotes", "RESOURCE_EXHAUSTED"): (1, len(DOC), 0),
        ("BatchExtractQuotes", "UNAUTHENTICATED"): (2, len(DOC) + len(TEXT), 0),
    }
    for key, counts in expected.items():
        assert (lines[key].documents, lines[key].characters, lines[key].quotes) == counts, key

