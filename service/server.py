"""The gRPC server: QuoteService plus health checking, reflection, metrics, graceful shutdown.

Lifecycle:
    server, port = create_server(settings)   # bound, not started; health NOT_SERVING
    server.start()                           # port open: health answers, work gets UNAVAILABLE
    server.load_models()                     # or set_parser(parser); health SERVING
    server.stop(grace)                       # health NOT_SERVING, refuse new calls, drain
Opening the port before the (slow) model load lets orchestrators probe health meanwhile.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from quotes.v1 import quote_service_pb2 as pb
from quotes.v1 import quote_service_pb2_grpc as pb_grpc
from service import security
from service.batching import Batcher
from service.interceptors import (AccessLogInterceptor, MalformedRequestInterceptor,
                                  MetricsInterceptor, TokenAuthInterceptor,
                                  UnexpectedErrorInterceptor)
from service.metrics import Metrics
from service.nlp.pipeline import Parser
from service.pipeline import (AttributionModels, QuotePipeline, build_pipeline,
                              load_attribution_models)
from service.servicer import QuoteServicer, finishing_stage
from service.status import abort
from service.settings import Settings

log = logging.getLogger(__name__)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["QuoteService"].full_name
# Threads beyond the queue's bound: health checks, reflection, refusals and idle streams must not
# queue behind parsing calls.
_EXTRA_THREADS = 16
_MESSAGE_OVERHEAD = 1 << 20
_CONNECTION_AGE_GRACE_MS = 10 * 60 * 1000  # calls on an aged connection may still finish


class QuoteServer:
    """A grpc.Server with its health status, metrics endpoint and model lifecycle."""

    def __init__(self, settings: Settings, parser: Parser | None = None, *,
                 reuse_port: bool = False) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self._parser = parser
        self._loaded_models: AttributionModels | None = None
        self._servicer = QuoteServicer(settings, self.metrics)
        self._batcher: Batcher | None = None
        # Each call waiting in the queue holds a thread (at most one per queued document).
        workers = settings.max_queued_documents + _EXTRA_THREADS
        access_log = ([AccessLogInterceptor(settings.access_log_per_second)]
                      if settings.access_log_per_second > 0 else [])
        auth = ([TokenAuthInterceptor(security.TokenFile(settings.auth_tokens_file), abort)]
                if settings.auth_tokens_file else [])
        # The largest call accepted must fit: 4 UTF-8 bytes per character at worst.
        receive_limit = settings.max_call_chars * 4 + _MESSAGE_OVERHEAD
        self._handlers = futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grpc")
        self._server = grpc.server(
            self._handlers,
            # Metrics outermost, so they see the status the error interceptor settles on.
            interceptors=[MetricsInterceptor(self.metrics), *access_log, *auth,
                          UnexpectedErrorInterceptor(), MalformedRequestInterceptor(abort)],
            options=[("grpc.max_receive_message_length", receive_limit),
                     ("grpc.max_send_message_length", -1),
                     # Worker processes share the port; a lone server must not share it with
                     # another process started by mistake.
                     ("grpc.so_reuseport", 1 if reuse_port else 0),
                     # Long-lived client connections are closed now and then (after their calls
                     # end) so that clients reconnect and spread over pods the HPA added.
                     ("grpc.max_connection_age_ms", int(settings.max_connection_age_seconds * 1000)),
                     ("grpc.max_connection_age_grace_ms", _CONNECTION_AGE_GRACE_MS)],
            # Past this many calls (running or queued) gRPC refuses with RESOURCE_EXHAUSTED
            # instead of queueing without bound.
            maximum_concurrent_rpcs=workers,
        )
        pb_grpc.add_QuoteServiceServicer_to_server(self._servicer, self._server)
        self.metrics.initialize_rpcs(pb.DESCRIPTOR.services_by_name["QuoteService"])
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        for service in ("", SERVICE_NAME):
            self.health.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), self._server)
        credentials = security.server_credentials(settings)
        address = f"{settings.host}:{settings.port}"
        self.port = (self._server.add_secure_port(address, credentials) if credentials
                     else self._server.add_insecure_port(address))
        if self.port == 0:
            raise RuntimeError(f"could not bind {settings.host}:{settings.port}")
        self.metrics_port: int | None = None
        self.ready = threading.Event()
        self._stopping = False

    def start(self) -> None:
        """Open the ports. Serving starts once a parser is set (at once if one was given)."""
        if self.settings.metrics_port is not None:
            self.metrics_port = self.metrics.start_http(self.settings.metrics_host,
                                                        self.settings.metrics_port)
        self._server.start()
        log.info("listening on %s:%d (%s)", self.settings.host, self.port,
                 "mTLS" if self.settings.tls_client_ca else "TLS" if self.settings.tls_cert
                 else "plaintext")
        security.warn_if_open(self.settings)
        if self._parser is not None:
            self.set_parser(self._parser)

    def load_models(self, serve: bool = True) -> None:
        """Load the models the settings name (slow), warm them up, and start serving (with
        ``serve=False``, only once ``mark_serving`` is called)."""
        pipeline = build_pipeline(self.settings)
        self._loaded_models = pipeline.models
        parser = pipeline.parser
        log.info("warmed up in %.1fs", parser.warm_up())
        self.set_parser(parser, serve=serve)

    def set_parser(self, parser: Parser, serve: bool = True) -> None:
        """Serve with ``parser``, a loaded (and warmed-up) DocumentParser; tests share one across
        servers."""
        self._parser = parser
        settings = self.settings
        if self._batcher is not None:
            self._batcher.close()
        pipeline = QuotePipeline(parser, self._attribution_models())
        self._batcher = Batcher(parser, self.metrics, max_batch_words=settings.max_batch_words,
                                max_delay=settings.max_batch_delay_ms / 1000,
                                max_queued_documents=settings.max_queued_documents,
                                max_queued_chars=settings.max_queued_chars,
                                finish=finishing_stage(pipeline, self.metrics))
        self._servicer.set_batcher(self._batcher, pipeline)
        spec = pipeline.spec
        self.metrics.set_model(spec.name, spec.version, spec.source)
        if serve:
            self.mark_serving()

    def _attribution_models(self) -> AttributionModels:
        """The attribution room's learned layers the settings name, loaded once per server
        (JSON files, milliseconds)."""
        if self._loaded_models is None:
            self._loaded_models = load_attribution_models(self.settings.quote_scorer)
        return self._loaded_models

    def mark_serving(self) -> None:
        """Report SERVING (the parser is set): orchestrators start sending work."""
        if self._stopping or self._parser is None:
            return
        for service in ("", SERVICE_NAME):
            self.health.set(service, health_pb2.HealthCheckResponse.SERVING)
        self.metrics.serving.set(1)
        self.ready.set()
        spec = self._parser.spec
        log.info("serving with %s (%s models)", spec.label, spec.source)

    def stop(self, grace: float | None = None) -> threading.Event:
        """Start a graceful shutdown; the returned event is set once every call has ended.

        Health turns NOT_SERVING first (watchers are told), then new calls are refused and
        in-flight ones get ``grace`` seconds (default: the settings') before being cancelled;
        cancelled calls' documents leave the queue. A batch still parsing then has no caller
        left; ``exit_now_if_parsing`` lets a process leave without waiting for it.
        """
        self._stopping = True
        grace = self.settings.grace_seconds if grace is None else grace
        self.health.enter_graceful_shutdown()
        self.metrics.serving.set(0)
        finished = threading.Event()

        def finish() -> None:
            delay = self.settings.shutdown_delay_seconds if grace > 0 else 0.0
            if delay:
                # Still answering (health says NOT_SERVING) while load balancers and readiness
                # probes notice and stop sending new calls here.
                log.info("shutting down: NOT_SERVING for %.0fs before closing the port", delay)
                time.sleep(delay)
            log.info("shutting down: finishing in-flight calls (up to %.0fs)", grace)
            calls_done = self._server.stop(grace)
            calls_done.wait()
            # Cancelled calls' handlers finish their last steps (status, access-log line).
            self._handlers.shutdown(wait=True)
            if self._batcher is not None:
                self._batcher.close(timeout=0)
            self.metrics.stop_http()
            finished.set()

        threading.Thread(target=finish, name="shutdown", daemon=True).start()
        return finished

    def exit_now_if_parsing(self) -> None:
        """After ``stop``: when a batch is still parsing for callers that are gone, end the
        process now (exit status 0). Returning would make the interpreter tear torch down under
        the running batch ('terminate called without an active exception'), and waiting for it
        would overrun the grace period."""
        if self._batcher is not None and self._batcher.parsing():
            log.info("stopped (a batch for callers that are gone was still parsing)")
            logging.shutdown()
            os._exit(0)

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        return self._server.wait_for_termination(timeout)


def create_server(settings: Settings, parser: Parser | None = None) -> tuple[QuoteServer, int]:
    """A bound, unstarted server and its port (useful when ``settings.port`` is 0)."""
    server = QuoteServer(settings, parser)
    return server, server.port


def serve(settings: Settings, parser: Parser | None = None, *,
          on_ready: Callable[[QuoteServer], None] | None = None,
          exit_process: bool = False) -> int:
    """Run until SIGTERM or SIGINT, then shut down gracefully; returns the exit status.

    Must run in the main thread (signal handlers). A second signal cancels in-flight calls.
    ``exit_process`` (the ``quotes-server`` entry point only): end the process at once if a batch
    for callers that are gone is still parsing (``QuoteServer.exit_now_if_parsing``).
    """
    server, _port = create_server(settings, parser)
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        if stop_requested.is_set():
            log.warning("second %s: cancelling in-flight calls", signal.Signals(signum).name)
            server._server.stop(0)
            return
        log.info("received %s", signal.Signals(signum).name)
        stop_requested.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        if parser is None:
            failure: list[BaseException] = []

            def load() -> None:
                try:
                    server.load_models()
                except BaseException as exc:  # noqa: BLE001 - reported below
                    failure.append(exc)
                    stop_requested.set()

            # Loading in a thread keeps the main thread free to react to signals meanwhile.
            threading.Thread(target=load, name="model-loader", daemon=True).start()
            while not (server.ready.is_set() or stop_requested.wait(0.2)):
                pass
            if failure:
                log.error("could not load the models", exc_info=failure[0])
                server.stop(0).wait()
                return 1
        if on_ready is not None and server.ready.is_set():
            on_ready(server)
        while not stop_requested.wait(0.5):
            pass
        server.stop().wait()
        if exit_process:
            server.exit_now_if_parsing()
        log.info("stopped")
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
