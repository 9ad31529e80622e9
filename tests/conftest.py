"""Shared fixtures: the real bundled models, loaded once, and in-process servers on free ports."""

from __future__ import annotations

import re
import socket
import time
import urllib.request
from collections.abc import Callable, Iterator

import grpc
import pytest

from clients.client import QuoteClient
from service.pipeline import QuotePipeline, load_attribution_models
from service.pipeline import load_parser
from service.nlp.pipeline import DocumentParser
from service.server import QuoteServer, create_server
from service.settings import Settings

HOST = "127.0.0.1"

# Quotes any extractor that follows the spec finds: direct speech with a named speaker.
TEXT = ('"We will respond with force," Defense Secretary Mark Esper said on Friday.\n\n'
        'The officials said that the strike killed two commanders.')

# The rules as the server runs them with --quote-scorer off (speaker ranker and learned
# boundaries on, no scorer, no proposals), loaded once: ``RULES.extract(parsed)``. A quote
# scorer's tests add theirs.
RULES = QuotePipeline(None, load_attribution_models("off"))
SHIPPED = QuotePipeline(None, load_attribution_models())

# Test servers: small limits keep the bad-input cases cheap; short grace keeps shutdown quick.
TEST_SETTINGS = Settings(host=HOST, port=0, metrics_port=0, max_document_chars=5000,
                         max_batch_size=4, max_queued_documents=8, torch_threads=1,
                         grace_seconds=2.0)


@pytest.fixture(scope="session")
def parser() -> DocumentParser:
    """The bundled models, loaded once for the whole run (loading takes ~10 s); two batches at
    once, as the server's default."""
    return load_parser()


@pytest.fixture
def float32_parser(parser: DocumentParser) -> Iterator[DocumentParser]:
    """The shared parser on float32 arithmetic for one test: what Stanza's own path computes,
    bit for bit (the default, bfloat16 where the CPU has it, differs on about 0.1% of words)."""
    chosen = parser.precision
    parser.set_precision("float32")
    try:
        yield parser
    finally:
        parser.set_precision(chosen)


@pytest.fixture
def run(parser: DocumentParser) -> Callable[[str], list]:
    """The quotes ``extract`` finds in a text parsed by the shared ``parser``. Lives here, not in
    tests/attribution/conftest.py: a second conftest module would shadow this one for the test
    modules that import helpers with ``from conftest import ...``."""
    def _run(text: str) -> list:
        return RULES.extract(parser.parse([text])[0]).quotes
    return _run


@pytest.fixture(scope="session")
def server(parser: DocumentParser) -> Iterator[QuoteServer]:
    """A serving server shared by the tests that do not need special settings."""
    srv, _port = create_server(TEST_SETTINGS, parser)
    srv.start()
    yield srv
    srv.stop(0).wait(5)


@pytest.fixture(scope="session")
def target(server: QuoteServer) -> str:
    return f"{HOST}:{server.port}"


@pytest.fixture
def client(target: str) -> Iterator[QuoteClient]:
    with QuoteClient(target, timeout=60) as c:
        yield c


@pytest.fixture
def make_server(parser: DocumentParser) -> Iterator[Callable[..., QuoteServer]]:
    """Start a server with ``TEST_SETTINGS`` changed by keyword; stopped after the test.

    ``with_parser=False`` gives a server that has not loaded its models yet.
    """
    started: list[QuoteServer] = []

    def make(*, with_parser: bool = True, **changes) -> QuoteServer:
        settings = TEST_SETTINGS.replace(**changes)
        srv, _port = create_server(settings, parser if with_parser else None)
        srv.start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop(0).wait(5)


def scrape(srv: QuoteServer) -> str:
    with urllib.request.urlopen(f"http://{HOST}:{srv.metrics_port}/metrics", timeout=10) as reply:
        return reply.read().decode()


def sample(exposition: str, name: str, **labels: str) -> float:
    """The sum of the samples of ``name`` whose labels include ``labels`` (0 if none)."""
    total = 0.0
    for line in exposition.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(match.group(3))
    return total


def free_port() -> int:
    """A port nothing listens on now (for servers started in subprocesses)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def serving(target: str) -> bool:
    """Whether the server at ``target`` answers health checks with SERVING."""
    try:
        with QuoteClient(target, timeout=2) as client:
            return client.health() == "SERVING"
    except grpc.RpcError:
        return False


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def kustomize(path: str) -> list[dict]:
    """The manifests ``kubectl kustomize`` renders from ``path`` (relative to the repository);
    skips the test where kubectl is not installed."""
    import shutil
    import subprocess
    from pathlib import Path

    import yaml

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    result = subprocess.run([kubectl, "kustomize", str(Path(__file__).resolve().parents[1] / path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
