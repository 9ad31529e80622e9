"""Settings: defaults, QUOTES_* env, flags over env, validation, --help texts."""

from __future__ import annotations

import pytest

from service.__main__ import build_parser
from service.settings import Settings, SettingsError, load


def test_defaults():
    settings = load([], environ={})
    assert settings == Settings()
    assert (settings.port, settings.metrics_port, settings.max_document_chars,
            settings.max_batch_size, settings.max_queued_documents, settings.max_batch_words,
            settings.torch_threads, settings.parallel_batches, settings.log_format) \
        == (50051, 9464, 100_000, 64, 256, 6000, 1, 2, "text")
    assert settings.official_models_dir is None


def test_env_then_flags():
    env = {"QUOTES_PORT": "6000", "QUOTES_METRICS_PORT": "off", "QUOTES_MAX_BATCH_SIZE": "8",
           "QUOTES_OFFICIAL_MODELS_DIR": "/models", "QUOTES_LOG_FORMAT": "json",
           "QUOTES_GRACE_SECONDS": "2.5", "QUOTES_LOG_LEVEL": "debug"}
    settings = load([], environ=env)
    assert (settings.port, settings.metrics_port, settings.max_batch_size) == (6000, None, 8)
    assert settings.official_models_dir == "/models" and settings.log_format == "json"
    assert settings.grace_seconds == 2.5 and settings.log_level == "DEBUG"
    flagged = load(["--port", "7000", "--metrics-port", "9999", "--max-queued-documents", "9",
                    "--max-batch-delay-ms", "0"], environ=env)
    assert (flagged.port, flagged.metrics_port, flagged.max_queued_documents,
            flagged.max_batch_delay_ms) == (7000, 9999, 9, 0)
    assert flagged.max_batch_size == 8  # env still applies to knobs without a flag
    off = load(["--metrics-port", "off"], environ={"QUOTES_METRICS_PORT": "1234"})
    assert off.metrics_port is None


@pytest.mark.parametrize("env", [{"QUOTES_PORT": "http"}, {"QUOTES_PORT": "70000"},
                                 {"QUOTES_MAX_BATCH_SIZE": "0"}, {"QUOTES_LOG_FORMAT": "xml"},
                                 {"QUOTES_TORCH_THREADS": "-1"},
                                 {"QUOTES_PARALLEL_BATCHES": "0"},
                                 {"QUOTES_MAX_QUEUED_DOCUMENTS": "63"},
                                 {"QUOTES_MAX_BATCH_WORDS": "0"},
                                 {"QUOTES_MAX_CALL_CHARS": "10"}])
def test_bad_values_are_refused(env):
    with pytest.raises(SettingsError):
        load([], environ=env)


def test_help_names_every_env_variable(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    out = capsys.readouterr().out
    for name in ("QUOTES_HOST", "QUOTES_PORT", "QUOTES_METRICS_PORT", "QUOTES_OFFICIAL_MODELS_DIR",
                 "QUOTES_MAX_DOCUMENT_CHARS", "QUOTES_MAX_BATCH_SIZE", "QUOTES_MAX_QUEUED_DOCUMENTS",
                 "QUOTES_MAX_QUEUED_CHARS", "QUOTES_MAX_BATCH_WORDS", "QUOTES_MAX_BATCH_DELAY_MS",
                 "QUOTES_TORCH_THREADS", "QUOTES_PARALLEL_BATCHES", "QUOTES_LOG_FORMAT", "QUOTES_GRACE_SECONDS",
                 "--download-models"):
        assert name in out
    assert "default: 50051" in out and "default: 100000" in out


def test_server_main_reports_bad_env(monkeypatch, capsys):
    from service.__main__ import main

    monkeypatch.setenv("QUOTES_PORT", "nope")
    with pytest.raises(SystemExit) as caught:
        main([])
    assert caught.value.code == 2 and "QUOTES_PORT" in capsys.readouterr().err
