"""Logging set-up, shared by ``quotes-server`` (``service.__main__``) and its worker processes
(``service.workers``): one place, so neither imports the other."""

from __future__ import annotations

import logging
import sys


def configure_logging(log_format: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"levelname": "level", "asctime": "time"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # torch logs cache statistics at INFO when the interpreter exits: noise in service logs.
    logging.getLogger("torch").setLevel(max(logging.WARNING, root.level))
