"""Bad input, overload, deadlines and unexpected exceptions map to the right gRPC statuses."""

from __future__ import annotations

import logging
from concurrent import futures

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from clients.cli import main as cli_main
from clients.client import QuoteClient, describe_error
from conftest import TEST_SETTINGS, TEXT, scrape, sample, wait_until
from quotes.v1 import quote_service_pb2 as pb
from quotes.v1 import quote_service_pb2_grpc as pb_grpc
from service.metrics import Metrics
from service.interceptors import MetricsInterceptor, UnexpectedErrorInterceptor

TOO_LONG = "x" * (TEST_SETTINGS.max_document_chars + 1)


def _details(error: grpc.RpcError) -> dict:
    """ErrorInfo reason and BadRequest field violations of a failed call."""
    status = rpc_status.from_call(error)
    assert status is not None, "no rich status details"
    found: dict = {"violations": {}}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found["violations"].update({v.field: v.reason for v in bad.field_violations})
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            found["reason"], found["domain"] = info.reason, info.domain
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            found["retry"] = True
    return found


def _unary(text: str, unit: int = 0):
    return lambda stub: stub.ExtractQuotes(pb.ExtractQuotesRequest(
        document=pb.Document(id="x", text=text), offset_unit=unit), timeout=30)


def _batch(texts: list[str], unit: int = 0):
    return lambda stub: stub.BatchExtractQuotes(pb.BatchExtractQuotesRequest(
        documents=[pb.Document(id=str(i), text=t) for i, t in enumerate(texts)],
        offset_unit=unit), timeout=30)


def _stream(text: str, unit: int = 0):
    return lambda stub: list(stub.StreamExtractQuotes(iter([pb.StreamExtractQuotesRequest(
        document=pb.Document(id="x", text=text), offset_unit=unit)]), timeout=30))


BAD_INPUTS = {
    "empty text": (_unary(""), {"document.text": "EMPTY_TEXT"}),
    "whitespace text": (_unary(" \n\t "), {"document.text": "EMPTY_TEXT"}),
    "text over limit": (_unary(TOO_LONG), {"document.text": "TEXT_TOO_LONG"}),
    "unknown offset unit": (_unary(TEXT, 42), {"offset_unit": "UNKNOWN_OFFSET_UNIT"}),
    "batch: too many documents": (_batch([TEXT] * (TEST_SETTINGS.max_batch_size + 1)),
                                  {"documents": "TOO_MANY_DOCUMENTS"}),
    "batch: every bad field": (_batch([TEXT, "", TOO_LONG], 7),
                               {"offset_unit": "UNKNOWN_OFFSET_UNIT",
                                "documents[1].text": "EMPTY_TEXT",
                                "documents[2].text": "TEXT_TOO_LONG"}),
    "stream: empty text": (_stream("   "), {"document.text": "EMPTY_TEXT"}),
    "stream: unknown offset unit": (_stream(TEXT, -1), {"offset_unit": "UNKNOWN_OFFSET_UNIT"}),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_invalid_argument_with_field_violations(target, case):
    call, expected = BAD_INPUTS[case]
    with grpc.insecure_channel(target) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            call(pb_grpc.QuoteServiceStub(channel))
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = _details(error)
    assert details["violations"] == expected
    assert details["domain"] == "quotes.v1" and details["reason"] in expected.values()
    assert "Traceback" not in error.details()
    # describe_error (the CLI's one line) names the code and every bad field.
    line = describe_error(error)
    assert line.startswith("INVALID_ARGUMENT: ") and "\n" not in line
    assert all(field in line for field in expected)
    with QuoteClient(target) as client:  # the server keeps serving
        assert client.health(timeout=10) == "SERVING"


def test_server_still_extracts_after_bad_input(client):
    with pytest.raises(grpc.RpcError):
        client.extract("")
    assert client.extract(TEXT).quotes


def test_resource_exhausted_when_the_queue_is_full(make_server, parser):
    srv = make_server(max_queued_documents=4)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=60, retries=False) as client, \
            futures.ThreadPoolExecutor(1) as pool:
        with parser.exclusive():
            # Four documents fill the queue (the first batch waits for the parser).
            first = pool.submit(client.extract_batch, [TEXT] * 4)
            assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == 4)
            with pytest.raises(grpc.RpcError) as caught:
                client.extract(TEXT)
            assert client.health() == "SERVING"  # health checks are not work
        assert len(first.result(timeout=60)) == 4  # the admitted call completes
        assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == 0)
        assert client.extract(TEXT).quotes  # and the queue takes work again
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    details = _details(caught.value)
    assert details["reason"] == "OVERLOADED" and details.get("retry")
    exposition = scrape(srv)
    assert sample(exposition, "grpc_server_handled_total", grpc_method="ExtractQuotes",
                  grpc_code="RESOURCE_EXHAUSTED") == 1
    assert sample(exposition, "quotes_refused_total", reason="max_queued_documents") == 1


def test_deadline_exceeded_skips_the_work(make_server, parser):
    srv = make_server()
    with QuoteClient(f"127.0.0.1:{srv.port}") as client:
        with parser.exclusive():
            with pytest.raises(grpc.RpcError) as caught:
                client.extract(TEXT, timeout=0.5)
            assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        # Once the parser is free the handler finds the deadline gone and stops before
        # extraction: the call is recorded as DEADLINE_EXCEEDED and no document counted.
        assert wait_until(lambda: sample(scrape(srv), "grpc_server_handled_total",
                                         grpc_code="DEADLINE_EXCEEDED") == 1, timeout=30)
        assert sample(scrape(srv), "quotes_documents_processed_total") == 0
        assert client.health(timeout=10) == "SERVING"


def test_work_before_models_load_is_unavailable(make_server):
    srv = make_server(with_parser=False)
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=30) as client:
        with pytest.raises(grpc.RpcError) as caught:
            client.extract(TEXT)
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert _details(caught.value)["reason"] == "MODELS_LOADING"


def _failing(request, context):
    raise RuntimeError("secret internal detail /etc/passwd")


def _failing_stream(request, context):
    yield b"first"
    raise KeyError("secret internal detail")


def test_unexpected_exceptions_become_internal_without_details():
    """The interceptor chain the server uses, around handlers that crash."""
    metrics = Metrics()
    server = grpc.server(futures.ThreadPoolExecutor(2),
                         interceptors=[MetricsInterceptor(metrics), UnexpectedErrorInterceptor()])
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("test.Crash", {
        "Unary": grpc.unary_unary_rpc_method_handler(_failing),
        "Stream": grpc.unary_stream_rpc_method_handler(_failing_stream),
    })])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.RpcError) as unary:
                channel.unary_unary("/test.Crash/Unary")(b"", timeout=10)
            stream = channel.unary_stream("/test.Crash/Stream")(b"", timeout=10)
            assert next(stream) == b"first"
            with pytest.raises(grpc.RpcError) as streamed:
                next(stream)
    finally:
        server.stop(0)
    for caught in (unary, streamed):
        assert caught.value.code() == grpc.StatusCode.INTERNAL
        assert "secret" not in caught.value.details()
        assert "Traceback" not in caught.value.details()
    for rpc_type, method in (("unary", "Unary"), ("server_stream", "Stream")):
        assert metrics.registry.get_sample_value("grpc_server_handled_total", {
            "grpc_type": rpc_type, "grpc_service": "test.Crash", "grpc_method": method,
            "grpc_code": "INTERNAL"}) == 1


def test_malformed_request_bytes_get_invalid_argument_without_a_log_flood(make_server, caplog):
    srv = make_server()
    caplog.set_level(logging.INFO)
    with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
        raw = channel.unary_unary("/quotes.v1.QuoteService/ExtractQuotes")
        # a length-delimited field 1 running past the end; then invalid UTF-8 in document.text
        bad_utf8 = pb.ExtractQuotesRequest(document=pb.Document(id="x", text="ab")).SerializeToString()
        bad_utf8 = bad_utf8.replace(b"ab", b"\xff\xfe")
        for payload in [b"\x0a\xff\x01garbage"] * 5 + [bad_utf8]:
            with pytest.raises(grpc.RpcError) as caught:
                raw(payload, timeout=10)
            assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert _details(caught.value)["reason"] == "MALFORMED_REQUEST"
        stream = channel.stream_stream("/quotes.v1.QuoteService/StreamExtractQuotes")
        with pytest.raises(grpc.RpcError) as streamed:
            list(stream(iter([b"\x0a\xff\x01garbage"]), timeout=10))
        assert streamed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=30) as client:
        assert client.health() == "SERVING" and client.extract(TEXT).quotes
    assert "Traceback" not in caplog.text and "Exception deserializing" not in caplog.text
    assert caplog.text.count("malformed request") <= 2  # summarised, not one line per request
    assert sample(scrape(srv), "grpc_server_handled_total", grpc_method="ExtractQuotes",
                  grpc_code="INVALID_ARGUMENT") == 6


def test_a_call_over_the_character_bound_is_refused_before_any_work(make_server):
    srv = make_server(max_call_chars=6000)  # documents of at most 5,000 (TEST_SETTINGS)
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=30) as client:
        with pytest.raises(grpc.RpcError) as caught:
            client.extract_batch(["word " * 700, "word " * 700])
        assert len(client.extract_batch(["word " * 500, "word " * 500])) == 2
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _details(caught.value)["violations"] == {"documents": "CALL_TOO_LONG"}
    assert sample(scrape(srv), "quotes_documents_processed_total") == 2


def test_one_document_over_the_limit_is_told_how_to_raise_it(target, tmp_path, capsys):
    """One document too long: one violation naming the field, the limit and the setting, not
    the call's bound as well ("split the batch" cannot help one document)."""
    too_long = "word " * 1200  # 6,000 characters: over 5,000 (TEST_SETTINGS), under the call's
    with QuoteClient(target) as client:
        with pytest.raises(grpc.RpcError) as caught:
            client.extract_batch([too_long])
    assert _details(caught.value)["violations"] == {"documents[0].text": "TEXT_TOO_LONG"}
    message = caught.value.details()
    assert message.startswith("documents[0].text: text has 6000 characters; at most 5000")
    assert "--max-document-chars" in message and "QUOTES_MAX_DOCUMENT_CHARS" in message
    assert "more field violations" not in message and "split the batch" not in message
    path = tmp_path / "long.txt"
    path.write_text(too_long, encoding="utf-8")
    assert cli_main(["extract", str(path), "--target", target]) != 0
    printed = capsys.readouterr().err
    assert "--max-document-chars" in printed and "split the batch" not in printed


def test_a_single_document_over_the_calls_bound_is_one_violation(make_server):
    srv = make_server(max_call_chars=5000)  # = max_document_chars (TEST_SETTINGS)
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=30) as client:
        with pytest.raises(grpc.RpcError) as caught:
            client.extract_batch(["x" * 7000])
    assert _details(caught.value)["violations"] == {"documents[0].text": "TEXT_TOO_LONG"}


def test_the_client_retries_a_full_queue_after_the_servers_pushback(make_server, parser):
    srv = make_server(max_queued_documents=4)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=60) as client, futures.ThreadPoolExecutor(2) as pool:
        with parser.exclusive():
            first = pool.submit(client.extract_batch, [TEXT] * 4)
            assert wait_until(lambda: sample(scrape(srv), "quotes_queue_documents") == 4)
            retried = pool.submit(client.extract, TEXT)  # refused, then retried
            assert wait_until(lambda: sample(scrape(srv), "quotes_refused_total") >= 1)
        assert len(first.result(timeout=60)) == 4
        assert retried.result(timeout=60).quotes  # the caller never saw the refusal
