"""Fixtures of the attribution tests that parse written text with the real bundled models."""

from __future__ import annotations

import pytest

from service.attribution.extractor import extract


@pytest.fixture
def run(parser):
    """The quotes ``extract`` finds in a text parsed by the shared ``parser``."""
    def _run(text: str):
        return extract(parser.parse([text])[0]).quotes
    return _run
