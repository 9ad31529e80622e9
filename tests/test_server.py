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
from conftest import TEST_SETTINGS, TEXT
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
        try:
            with QuoteClient(target, timeout=30) as client:
                outcome["before"] = client.health()
                stream = client.stream(documents())
                in_flight = threading.Thread(target=lambda: outcome.update(
                    stream_result=list(stream)))
                in_flight.start()
                # Wait until the server sees the stream, then ask it to stop.
                threading.Event().wait(0.5)
                os.kill(os.getpid(), signal.SIGTERM)
                threading.Event().wait(0.5)
                with QuoteClient(target, timeout=5) as late:
                    try:
                        late.extract(TEXT)
                        outcome["late"] = "answered"
                    except grpc.RpcError as error:
                        outcome["late"] = error.code()
                release.set()
                in_flight.join(20)
        except Exception as exc:  # noqa: BLE001 - reported by the asserts below
            outcome["error"] = exc
            release.set()
            os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    code = serve(settings, parser,
                 on_ready=lambda server: threading.Thread(target=client_side, args=(server,),
                                                          daemon=True).start())
    assert signal.getsignal(signal.SIGTERM) is previous  # handlers restored
    assert "error" not in outcome, outcome.get("error")
    assert code == 0
    assert outcome["before"] == "SERVING"
    assert outcome["late"] == grpc.StatusCode.UNAVAILABLE  # new calls refused once stopping
    assert outcome["stream_result"] == []  # the in-flight stream ended normally

