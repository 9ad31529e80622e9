"""Server lifecycle: health transitions, reflection, graceful shutdown on SIGTERM."""

from __future__ import annotations

import os
import signal
import threading

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase)

from clients.client import QuoteClient
from conftest import TEST_SETTINGS, TEXT, wait_until
from service.server import SERVICE_NAME, serve

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def test_health_not_serving_until_models_then_serving_then_not_on_shutdown(make_server, parser):
    srv = make_server(with_parser=False)
    with grpc.insecure_channel(f"127.0.0.1:{srv.port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=SERVICE_NAME), timeout=30)
        assert next(watch).status == NOT_SERVING
        overall = health_pb2.HealthCheckRequest(service="")
        assert stub.Check(overall, timeout=10).status == NOT_SERVING

        srv.set_parser(parser)  # what load_models() does once the models are in memory
        assert next(watch).status == SERVING
        assert stub.Check(overall, timeout=10).status == SERVING

        done = srv.stop(grace=5)
        assert next(watch).status == NOT_SERVING  # watchers hear it before the port closes
        watch.cancel()
        assert done.wait(10)


def test_unknown_health_service_is_not_found(client):
    with pytest.raises(grpc.RpcError) as caught:
        client.health("no.such.Service")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_the_service(target):
    with grpc.insecure_channel(target) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = database.get_services()
        assert "quotes.v1.QuoteService" in services
        assert "grpc.health.v1.Health" in services
        described = database.FindFileContainingSymbol("quotes.v1.QuoteService")
    assert described.package == "quotes.v1"
    assert {m.name for m in described.service[0].method} == {
        "ExtractQuotes", "BatchExtractQuotes", "StreamExtractQuotes"}


def test_sigterm_finishes_in_flight_calls_and_exits_zero(parser):
    """serve() in this (main) thread; a helper thread plays the client and sends SIGTERM."""
    settings = TEST_SETTINGS.replace(metrics_port=None, grace_seconds=10)
    outcome: dict = {}
    release = threading.Event()

    def documents():
        release.wait(20)  # the stream stays open (in flight) until released, then ends empty
        yield from ()

    def client_side(server) -> None:
        target = f"127.0.0.1:{server.port}"
        stream_started = {"grpc_type": "bidi_stream", "grpc_service": SERVICE_NAME,
                          "grpc_method": "StreamExtractQuotes"}
        try:
            with QuoteClient(target, timeout=30) as client:
                outcome["before"] = client.health()
                stream = client.stream(documents())

                def consume() -> None:
                    try:
                        outcome["stream_result"] = list(stream)
                    except grpc.RpcError as error:
                        outcome["stream_result"] = error.code()

                in_flight = threading.Thread(target=consume)
                in_flight.start()
                assert wait_until(lambda: server.metrics.registry.get_sample_value(
                    "grpc_server_started_total", stream_started) == 1)
                os.kill(os.getpid(), signal.SIGTERM)
                # New calls are refused once the server has begun to stop.
                with QuoteClient(target, timeout=5) as late:
                    outcome["late"] = None
                    for _attempt in range(50):
                        try:
                            late.health()
                        except grpc.RpcError as error:
                            outcome["late"] = error.code()
                            break
                        threading.Event().wait(0.1)
                release.set()
                in_flight.join(20)
        except Exception as exc:  # noqa: BLE001 - reported by the asserts below
            outcome["error"] = exc
            release.set()
            os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    helpers: list[threading.Thread] = []

    def on_ready(server) -> None:
        helpers.append(threading.Thread(target=client_side, args=(server,), daemon=True))
        helpers[0].start()

    code = serve(settings, parser, on_ready=on_ready)
    helpers[0].join(30)  # serve() returns once the server is done; let the client record it
    assert signal.getsignal(signal.SIGTERM) is previous  # handlers restored
    assert "error" not in outcome, outcome.get("error")
    assert code == 0
    assert outcome["before"] == "SERVING"
    # New calls are refused once stopping (a call caught mid-arrival is cancelled by gRPC).
    assert outcome["late"] in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED)
    assert outcome["stream_result"] == []  # the in-flight stream ended normally



def test_shutdown_delay_lets_polled_health_checks_see_not_serving(make_server):
    srv = make_server(shutdown_delay_seconds=1.5)
    with QuoteClient(f"127.0.0.1:{srv.port}", timeout=10) as client:
        assert client.health() == "SERVING"
        done = srv.stop(grace=2)
        assert client.health() == "NOT_SERVING"  # the port is still open, saying it is leaving
        assert client.extract(TEXT).quotes  # and calls in the meantime are still answered
        assert done.wait(15)
