"""Every knob of the server in one dataclass, read from flags and ``QUOTES_*`` env variables.

Precedence: command-line flag, then environment variable, then the default below. The knobs are
declared once (``_KNOBS``) so the flags, the env names and the ``--help`` texts cannot drift apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.nlp.precision import PRECISIONS

ENV_PREFIX = "QUOTES_"
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(ValueError):
    """A knob has a value it cannot take."""


@dataclass(frozen=True)
class Settings:
    host: str = "[::]"
    port: int = 50051
    # None: no metrics endpoint. 0: any free port (tests).
    metrics_port: int | None = 9464
    official_models_dir: str | None = None
    # The learned quote scorer: "bundled" (the package's model), "off" (the rules alone), or
    # the path of a model file written by `quotes-dev train-quote-scorer`.
    quote_scorer: str = "bundled"
    max_document_chars: int = 100_000
    max_batch_size: int = 64
    # Characters of one call over all its documents: bounds the work one call can ask for (a
    # 64 x 100k-character batch takes minutes and answers with more than a default 4 MiB client
    # accepts) and the request the server will receive.
    max_call_chars: int = 1_000_000
    # The queue in front of the parser (service/batching.py): documents of all calls wait there
    # and are parsed together. Past these bounds calls get RESOURCE_EXHAUSTED with a retry delay.
    # 256 documents: a burst of a few hundred articles waits (about a minute of parsing on 2
    # cores) instead of being refused.
    max_queued_documents: int = 256
    max_queued_chars: int = 4_000_000
    # One batch: at most this many words (8 news articles of ~750 words), gathered for at most
    # this long after the oldest waiting document arrived when the parser is idle.
    max_batch_words: int = 6000
    max_batch_delay_ms: float = 5.0
    # Each batch is parsed on torch_threads CPU threads, and parallel_batches batches at once
    # (service/nlp/pipeline.py): on 2 cores two batches on one thread each parse more than one
    # batch on two threads, because the Python part of parsing then overlaps the torch part.
    torch_threads: int = 1
    parallel_batches: int = 2
    # Tagger and parser arithmetic (service/nlp/precision.py): auto = bfloat16 where the CPU
    # computes it natively (about 1.2x the parse speed, ~0.1% of words parsed differently).
    parse_precision: str = "auto"
    # Server processes sharing the port, each with its own models; 0: one per
    # torch_threads x parallel_batches available CPUs (service/workers.py).
    workers: int = 0
    log_format: str = "text"
    log_level: str = "INFO"
    # Seconds in-flight calls get to finish after SIGTERM before they are cancelled.
    grace_seconds: float = 20.0
    # Seconds between SIGTERM and closing the port, health NOT_SERVING meanwhile, so polled
    # health checks and load balancers see the pod leave before connections are refused.
    shutdown_delay_seconds: float = 0.0
    # Client connections are closed after this long (calls on them finish first), so clients
    # reconnect and reach new replicas.
    max_connection_age_seconds: float = 300.0
    # Access log lines (one per call) per second at most; 0: no access log.
    access_log_per_second: float = 20.0
    # TLS: certificate and key files (PEM); with a client CA, clients must present a certificate
    # it signed (mTLS). Files are re-read when they change. Unset: plaintext.
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_client_ca: str | None = None
    # Hashed bearer tokens, one client a line (service/security.py); unset: no authentication.
    auth_tokens_file: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.port <= 65535:
            problems.append(f"port must be 0-65535, not {self.port}")
        if self.metrics_port is not None and not 0 <= self.metrics_port <= 65535:
            problems.append(f"metrics port must be 0-65535 or off, not {self.metrics_port}")
        for name in ("max_document_chars", "max_batch_size", "torch_threads", "parallel_batches",
                     "max_queued_chars", "max_batch_words"):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("max_batch_delay_ms", "access_log_per_second", "shutdown_delay_seconds",
                     "grace_seconds"):
            if getattr(self, name) < 0:
                problems.append(f"{name} must be at least 0, not {getattr(self, name)}")
        if self.workers < 0:
            problems.append(f"workers must be at least 0 (0: auto), not {self.workers}")
        if self.max_call_chars < self.max_document_chars:
            problems.append(f"max_call_chars ({self.max_call_chars}) must be at least "
                            f"max_document_chars ({self.max_document_chars})")
        if self.max_queued_documents < self.max_batch_size:
            problems.append(f"max_queued_documents ({self.max_queued_documents}) must be at least "
                            f"max_batch_size ({self.max_batch_size}): a full batch call must fit")
        if self.parse_precision not in PRECISIONS:
            problems.append(f"parse_precision must be one of {', '.join(PRECISIONS)}, "
                            f"not {self.parse_precision!r}")
        if self.log_format not in LOG_FORMATS:
            problems.append(
                f"log_format must be one of {', '.join(LOG_FORMATS)}, not {self.log_format!r}")
        if self.log_level not in LOG_LEVELS:
            problems.append(
                f"log_level must be one of {', '.join(LOG_LEVELS)}, not {self.log_level!r}")
        if self.max_connection_age_seconds <= 0:
            problems.append("max_connection_age_seconds must be more than 0")
        if bool(self.tls_cert) != bool(self.tls_key):
            problems.append("tls_cert and tls_key go together")
        if self.tls_client_ca and not self.tls_cert:
            problems.append("tls_client_ca needs tls_cert and tls_key (mTLS is TLS first)")
        if problems:
            raise SettingsError("; ".join(problems))

    @property
    def metrics_host(self) -> str:
        """The gRPC host in the form an HTTP server binds ("[::]" -> "::")."""
        return self.host.strip("[]")

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def _port_or_off(value: str) -> int | None:
    if value.strip().lower() in ("off", "none", "disabled", ""):
        return None
    return int(value)


def _workers(value: str) -> int:
    return 0 if value.strip().lower() == "auto" else int(value)


def _optional_str(value: str) -> str | None:
    return value or None


@dataclass(frozen=True)
class _Knob:
    field: str
    flag: str
    parse: Callable[[str], Any]
    help: str
    metavar: str
    choices: Sequence[str] | None = None

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.field.upper()


_KNOBS = (
    _Knob("host", "--host", str, "address to listen on", "HOST"),
    _Knob("port", "--port", int, "gRPC port (0: any free port)", "PORT"),
    _Knob("metrics_port", "--metrics-port", _port_or_off,
          "port of the Prometheus /metrics HTTP endpoint (0: any free port; 'off': none)", "PORT"),
    _Knob("official_models_dir", "--official-models-dir", _optional_str,
          "folder holding Stanza's official English models (see --download-models); "
          "the bundled compact models are used when unset or when the folder lacks them", "DIR"),
    _Knob("quote_scorer", "--quote-scorer", str,
          "the learned quote scorer that keeps or drops the rules' quotes and gives their "
          "confidence: 'bundled' (the package's model), 'off' (the rules alone and their own "
          "confidence), or a model file from `quotes-dev train-quote-scorer`", "MODEL"),
    _Knob("max_document_chars", "--max-document-chars", int,
          "longest document accepted, in characters (code points)", "N"),
    _Knob("max_batch_size", "--max-batch-size", int,
          "most documents accepted in one BatchExtractQuotes call", "N"),
    _Knob("max_call_chars", "--max-call-chars", int,
          "most characters in one call over all its documents (larger requests are refused "
          "before any work)", "N"),
    _Knob("max_queued_documents", "--max-queued-documents", int,
          "documents waiting for or in parsing, over all calls; a call that would pass it is "
          "answered RESOURCE_EXHAUSTED with a retry delay (at least --max-batch-size)", "N"),
    _Knob("max_queued_chars", "--max-queued-chars", int,
          "characters waiting for or in parsing, over all calls (an empty queue takes any valid "
          "call)", "N"),
    _Knob("max_batch_words", "--max-batch-words", int,
          "most words parsed together in one batch (long documents are parsed in pieces)", "N"),
    _Knob("max_batch_delay_ms", "--max-batch-delay-ms", float,
          "when the parser is idle, how long a batch waits for more documents after the oldest "
          "arrived", "MS"),
    _Knob("torch_threads", "--torch-threads", int,
          "CPU threads each batch is parsed with (torch.set_num_threads)", "N"),
    _Knob("parallel_batches", "--parallel-batches", int,
          "batches one server process parses at once, each on --torch-threads threads; the Python "
          "part of one overlaps the torch part of another", "N"),
    _Knob("parse_precision", "--parse-precision", str,
          "tagger and parser arithmetic: float32 (exact), bfloat16 (faster on CPUs with native "
          "bfloat16, about 0.1%% of words parsed differently), auto (bfloat16 where native)",
          "NAME", PRECISIONS),
    _Knob("workers", "--workers", _workers,
          "server processes on the port, each with its own models ('auto' or 0: one per "
          "--torch-threads x --parallel-batches CPUs available, at least 1)", "N"),
    _Knob("log_format", "--log-format", str, "log line format", "FORMAT", LOG_FORMATS),
    _Knob("log_level", "--log-level", str.upper, "least severe level logged", "LEVEL", LOG_LEVELS),
    _Knob("grace_seconds", "--grace-seconds", float,
          "on SIGTERM/SIGINT, seconds in-flight calls get to finish before they are cancelled",
          "SECONDS"),
    _Knob("shutdown_delay_seconds", "--shutdown-delay-seconds", float,
          "on SIGTERM, keep serving this long with health NOT_SERVING before closing the port "
          "(so polled health checks see it)", "SECONDS"),
    _Knob("tls_cert", "--tls-cert", _optional_str,
          "serve TLS with this certificate chain (PEM); re-read when the file changes", "FILE"),
    _Knob("tls_key", "--tls-key", _optional_str, "the private key of --tls-cert (PEM)", "FILE"),
    _Knob("tls_client_ca", "--tls-client-ca", _optional_str,
          "require client certificates signed by this CA (mutual TLS)", "FILE"),
    _Knob("auth_tokens_file", "--auth-tokens-file", _optional_str,
          "require bearer tokens: one client a line, 'name sha256(token) [Method,...]'; "
          "re-read when the file changes (health checks need none)", "FILE"),
    _Knob("max_connection_age_seconds", "--max-connection-age-seconds", float,
          "close client connections after this long (their calls finish first) so clients "
          "rebalance over replicas", "SECONDS"),
    _Knob("access_log_per_second", "--access-log-per-second", float,
          "one log line per call (method, status, duration, peer, documents, characters, quotes; "
          "never the text), at most this many per second (0: off)", "N"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per knob; each help text names its env variable and default."""
    defaults = Settings()
    for knob in _KNOBS:
        default = getattr(defaults, knob.field)
        shown = "off" if default is None and knob.field == "metrics_port" else (
            "unset" if default is None else default)
        if knob.field == "workers" and default == 0:
            shown = "auto"
        parser.add_argument(
            knob.flag, dest=knob.field, metavar=knob.metavar, choices=knob.choices,
            type=knob.parse, default=argparse.SUPPRESS,  # absent unless given: env applies
            help=f"{knob.help} (env {knob.env}; default: {shown})")


def from_namespace(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from parsed flags, falling back to ``QUOTES_*`` variables, then the defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for knob in _KNOBS:
        if hasattr(args, knob.field):
            values[knob.field] = getattr(args, knob.field)
        elif knob.env in environ:
            raw = environ[knob.env]
            try:
                value = knob.parse(raw)
            except ValueError as exc:
                raise SettingsError(f"{knob.env}={raw!r}: {exc}") from None
            if knob.choices is not None and value not in knob.choices:
                raise SettingsError(f"{knob.env}={raw!r}: choose from {', '.join(knob.choices)}")
            values[knob.field] = value
    return Settings(**values)


def load(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``argv`` (server flags only) and the environment."""
    parser = argparse.ArgumentParser(add_help=False)
    add_arguments(parser)
    return from_namespace(parser.parse_args(argv), environ)
