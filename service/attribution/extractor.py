"""One entry point: extract(parsed_doc, text) -> Attribution. Plain Python over Stanza parses."""

from __future__ import annotations

from service.attribution.spans import Attribution


def extract(doc, text: str) -> Attribution:
    """Find every quote in ``text`` (parsed as ``doc``) and resolve its speaker."""
    raise NotImplementedError("being written")
