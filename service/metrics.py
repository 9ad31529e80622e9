"""Prometheus metrics: the standard gRPC server series and the service's domain counters.

Each server gets its own ``CollectorRegistry`` so several servers can live in one process (tests)
without clashing over metric names.

The gRPC series follow go-grpc-prometheus (``grpc_server_started_total``,
``grpc_server_handled_total{grpc_code}``, ``grpc_server_handling_seconds``,
``grpc_server_msg_received_total``, ``grpc_server_msg_sent_total``; labels ``grpc_type``,
``grpc_service``, ``grpc_method``). They come from ``service.interceptors.MetricsInterceptor`` rather than
py-grpc-prometheus 0.8, which never counts streaming-response calls as handled, counts no
``started`` for client-streaming calls, and times only unary responses.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import grpc
from prometheus_client import (CollectorRegistry, Counter, Gauge, GCCollector, Histogram,
                               PlatformCollector, ProcessCollector, start_http_server)

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
REFUSAL_REASONS = ("max_queued_documents", "max_queued_chars")
DROP_REASONS = ("cancelled", "deadline", "shutdown")
QUOTE_TYPES = ("direct", "indirect", "mixed")
_RPC_LABELS = ("grpc_type", "grpc_service", "grpc_method")
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
_WORD_BUCKETS = (50, 100, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000)


class Metrics:
    """The registry and every metric the server records."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=r)

        self.rpc_started = Counter("grpc_server_started", "RPCs started on the server.",
                                   _RPC_LABELS, registry=r)
        self.rpc_handled = Counter(
            "grpc_server_handled", "RPCs completed on the server, whatever their status.",
            (*_RPC_LABELS, "grpc_code"), registry=r)
        self.rpc_seconds = Histogram(
            "grpc_server_handling_seconds", "Time from an RPC's start to its status.",
            _RPC_LABELS, buckets=_LATENCY_BUCKETS, registry=r)
        self.msg_received = Counter("grpc_server_msg_received", "Request messages received.",
                                    _RPC_LABELS, registry=r)
        self.msg_sent = Counter("grpc_server_msg_sent", "Response messages sent.",
                                _RPC_LABELS, registry=r)

        self.documents = Counter("quotes_documents_processed", "Documents analysed.", registry=r)
        self.characters = Counter("quotes_characters_processed",
                                  "Characters (code points) of the documents analysed.", registry=r)
        self.words = Counter("quotes_words_processed",
                             "Words (parser tokens) of the documents analysed.", registry=r)
        self.quotes = Counter("quotes_found", "Quotes found, by type.", ("type",), registry=r)
        self.parse_seconds = Histogram(
            "quotes_parse_seconds",
            "Time to parse one batch (Stanza): the documents of concurrent calls, and pieces of "
            "long ones, bounded by words.",
            buckets=_LATENCY_BUCKETS, registry=r)
        self.extraction_seconds = Histogram(
            "quotes_extraction_seconds", "Time to find the quotes of one parsed document.",
            buckets=_LATENCY_BUCKETS, registry=r)
        self.batch_size = Histogram(
            "quotes_batch_size",
            "Documents (or pieces of long documents) parsed together in one batch.",
            buckets=_BATCH_BUCKETS, registry=r)
        self.batch_words = Histogram("quotes_batch_words", "Words parsed together in one batch.",
                                     buckets=_WORD_BUCKETS, registry=r)
        self.queue_wait = Histogram(
            "quotes_queue_wait_seconds",
            "Time a document waits in the queue before its first piece enters a batch.",
            buckets=_LATENCY_BUCKETS, registry=r)
        self.queue_documents = Gauge(
            "quotes_queue_documents", "Documents admitted and not yet parsed (queue depth).",
            registry=r, multiprocess_mode="livesum")
        self.queue_chars = Gauge("quotes_queue_characters",
                                 "Characters of the documents admitted and not yet parsed.",
                                 registry=r, multiprocess_mode="livesum")
        self.refused = Counter(
            "quotes_refused", "Calls refused with RESOURCE_EXHAUSTED, by the bound that was full.",
            ("reason",), registry=r)
        self.work_dropped = Counter(
            "quotes_work_dropped",
            "Documents dropped from the queue unparsed, by why (cancelled, deadline, shutdown).",
            ("reason",), registry=r)
        self.in_flight = Gauge("quotes_in_flight_work",
                               "Units of work (calls or stream messages) being processed.",
                               registry=r, multiprocess_mode="livesum")
        self.serving = Gauge(
            "quotes_serving", "1 while health checks answer SERVING, 0 while models load or the "
            "server shuts down.", registry=r, multiprocess_mode="livemin")
        # "max" in multiprocess mode: 1 while any worker has the models loaded.
        self.model_info = Gauge("quotes_model_info", "The loaded models (value 1).",
                                ("name", "version", "source"), registry=r,
                                multiprocess_mode="max")
        # Known label values start at 0, so rates and dashboards show 0, not "no data".
        for reason in REFUSAL_REASONS:
            self.refused.labels(reason=reason)
        for reason in DROP_REASONS:
            self.work_dropped.labels(reason=reason)
        for quote_type in QUOTE_TYPES:
            self.quotes.labels(type=quote_type)
        self._http: Any = None  # the metrics WSGI server while it runs

    def initialize_rpcs(self, service: Any) -> None:
        """Every method of ``service`` (a protobuf ServiceDescriptor) with every status code at
        0, as go-grpc-prometheus does: a series that is born at 0 gives rates from its first
        call on (one born at its first value hides that value from rate())."""
        for method in service.methods:
            kind = ("bidi_stream" if method.client_streaming and method.server_streaming else
                    "client_stream" if method.client_streaming else
                    "server_stream" if method.server_streaming else "unary")
            labels = {"grpc_type": kind, "grpc_service": service.full_name,
                      "grpc_method": method.name}
            for metric in (self.rpc_started, self.rpc_seconds, self.msg_received, self.msg_sent):
                metric.labels(**labels)
            for code in grpc.StatusCode:
                self.rpc_handled.labels(**labels, grpc_code=code.name)

    # --- domain -------------------------------------------------------------------------------

    def set_model(self, name: str, version: str, source: str) -> None:
        if MULTIPROC_ENV not in os.environ:  # (workers each set the same labels once)
            self.model_info.clear()
        self.model_info.labels(name=name, version=version, source=source).set(1)

    def observe_batch(self, documents: int, words: int, seconds: float) -> None:
        self.batch_size.observe(documents)
        self.batch_words.observe(words)
        self.parse_seconds.observe(seconds)

    def observe_document(self, characters: int, words: int, quote_types: list[str],
                         extraction_seconds: float) -> None:
        self.documents.inc()
        self.characters.inc(characters)
        self.words.inc(words)
        for quote_type in quote_types:
            self.quotes.labels(type=quote_type).inc()
        self.extraction_seconds.observe(extraction_seconds)

    # --- HTTP endpoint ------------------------------------------------------------------------

    def start_http(self, host: str, port: int) -> int:
        """Serve /metrics on ``host:port`` (0: any free port); returns the bound port."""
        self._http, _thread = start_http_server(port, addr=host or "0.0.0.0",
                                                registry=self.registry)
        bound = self._http.server_port
        log.info("metrics on %s", metrics_url(host, bound))
        return bound

    def stop_http(self) -> None:
        http, self._http = self._http, None  # safe to call twice (e.g. a second stop())
        if http is not None:
            http.shutdown()
            http.server_close()


def metrics_url(host: str, port: int) -> str:
    """The /metrics address as a URL one can open: a wildcard host (all interfaces) becomes
    localhost, an IPv6 literal gets its brackets ("http://:::9464" opens nothing)."""
    host = host.strip("[]")
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/metrics"
