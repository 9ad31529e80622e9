"""Prometheus endpoint: a real HTTP scrape after real calls."""

from __future__ import annotations

import logging

import grpc
import pytest

from clients.client import QuoteClient
from conftest import TEXT, scrape, sample
from service.metrics import Metrics, metrics_url

SERVICE = {"grpc_service": "quotes.v1.QuoteService"}


def test_grpc_series_move_with_calls(make_server):
    srv = make_server()
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60) as client:
        with pytest.raises(grpc.RpcError):
            client.extract("")
        with pytest.raises(grpc.RpcError):
            list(client.stream([""]))
        try:
            client.extract(TEXT)
        except grpc.RpcError:
            pass  # counted whatever its status; the next test needs it to succeed
        client.health()
    text = scrape(srv)
    unary = {**SERVICE, "grpc_method": "ExtractQuotes", "grpc_type": "unary"}
    assert sample(text, "grpc_server_started_total", **unary) == 2
    assert sample(text, "grpc_server_handled_total", **unary, grpc_code="INVALID_ARGUMENT") == 1
    assert sample(text, "grpc_server_handled_total", **unary) == 2
    assert sample(text, "grpc_server_handling_seconds_count", **unary) == 2
    stream = {**SERVICE, "grpc_method": "StreamExtractQuotes", "grpc_type": "bidi_stream"}
    assert sample(text, "grpc_server_started_total", **stream) == 1
    assert sample(text, "grpc_server_handled_total", **stream, grpc_code="INVALID_ARGUMENT") == 1
    assert sample(text, "grpc_server_msg_received_total", **stream) == 1
    assert sample(text, "grpc_server_handled_total", grpc_service="grpc.health.v1.Health",
                  grpc_method="Check", grpc_code="OK") == 1
    # Parsing happened for the valid document; the model is described.
    assert sample(text, "quotes_parse_seconds_count") == 1
    assert sample(text, "quotes_batch_size_sum") == 1
    assert sample(text, "quotes_model_info", source="bundled") == 1
    assert sample(text, "quotes_in_flight_work") == 0
    assert "process_cpu_seconds_total" in text


def test_domain_counters_move_with_documents(make_server):
    srv = make_server()
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60) as client:
        responses = client.extract_batch([("a", TEXT), ("b", TEXT)])
    text = scrape(srv)
    quotes = sum(len(r.quotes) for r in responses)
    assert quotes > 0
    assert sample(text, "grpc_server_handled_total", grpc_method="BatchExtractQuotes",
                  grpc_code="OK") == 1
    assert sample(text, "quotes_documents_processed_total") == 2
    assert sample(text, "quotes_characters_processed_total") == 2 * len(TEXT)
    assert sample(text, "quotes_words_processed_total") > 2 * len(TEXT.split()) * 0.5
    assert sample(text, "quotes_found_total") == quotes
    assert sample(text, "quotes_found_total", type="direct") >= 2
    assert sample(text, "quotes_extraction_seconds_count") == 2
    assert sample(text, "quotes_batch_size_sum") == 2


def test_a_call_is_parsed_in_batches_bounded_by_words(make_server, parser):
    [parsed] = parser.parse([TEXT])
    srv = make_server(max_batch_words=len(parsed.words))  # one document's words per batch
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=60) as client:
        alone = client.extract(TEXT)
        before = scrape(srv)
        responses = client.extract_batch([("a", TEXT), ("b", TEXT), ("c", TEXT)])
    text = scrape(srv)
    assert [r.document_id for r in responses] == ["a", "b", "c"]
    assert all(list(r.quotes) == list(alone.quotes) for r in responses)
    batches = sample(text, "quotes_batch_words_count") - sample(before, "quotes_batch_words_count")
    words = sample(text, "quotes_batch_words_sum") - sample(before, "quotes_batch_words_sum")
    assert words == 3 * len(parsed.words)
    assert batches >= 3 and sample(text, "quotes_parse_seconds_count") == \
        sample(text, "quotes_batch_words_count")


@pytest.mark.parametrize("host, url", [
    ("::", "http://localhost:9464/metrics"), ("[::]", "http://localhost:9464/metrics"),
    ("0.0.0.0", "http://localhost:9464/metrics"), ("", "http://localhost:9464/metrics"),
    ("127.0.0.1", "http://127.0.0.1:9464/metrics"), ("::1", "http://[::1]:9464/metrics"),
    ("fd00::5", "http://[fd00::5]:9464/metrics"), ("metrics.local", "http://metrics.local:9464/metrics"),
])
def test_the_metrics_address_is_logged_as_a_url_one_can_open(host, url):
    assert metrics_url(host, 9464) == url


def test_the_started_endpoint_logs_its_url(caplog):
    caplog.set_level(logging.INFO, logger="service.metrics")
    metrics = Metrics()
    port = metrics.start_http("0.0.0.0", 0)
    metrics.stop_http()
    assert f"metrics on http://localhost:{port}/metrics" in caplog.text

