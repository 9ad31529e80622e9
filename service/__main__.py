"""``quotes-server``: flags and QUOTES_* env -> Settings -> serve()."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from service import settings as settings_module
from service.logs import configure_logging
from service.settings import Settings, SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quotes-server",
        description="Serve quotes.v1.QuoteService over gRPC (with health checking, reflection and "
                    "Prometheus metrics). Each option can also be set by the environment variable "
                    "named in its help; flags win over the environment. Stops gracefully on "
                    "SIGTERM or SIGINT.")
    settings_module.add_arguments(parser)
    parser.add_argument(
        "--download-models", metavar="DIR",
        help="download Stanza's official English models into DIR (needs network access), then "
             "exit; serve them with --official-models-dir DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings: Settings = settings_module.from_namespace(args)
    except SettingsError as exc:
        parser.error(str(exc))
    configure_logging(settings.log_format, settings.log_level)

    if args.download_models:
        from service.nlp.models import download_official_models

        download_official_models(args.download_models)
        logging.getLogger(__name__).info("downloaded official English models to %s",
                                         args.download_models)
        return 0

    from service.workers import default_workers, serve_workers

    workers = settings.workers or default_workers(settings.torch_threads, settings.parallel_batches)
    if workers > 1:
        return serve_workers(settings, workers)
    from service.server import serve

    return serve(settings, exit_process=True)


if __name__ == "__main__":
    sys.exit(main())
