"""One shard in, its Parquet part file out: the work both engines run, on a pipeline loaded once
per worker (``service.api.Extractor``: ``service.pipeline.QuotePipeline`` with the server's
defaults, one torch thread a batch, two batches at once).
"""

from __future__ import annotations

import logging
import os
import resource
import time
from dataclasses import dataclass, fields
from pathlib import Path

from service.backfill import rows, shards
from service.settings import Settings

log = logging.getLogger(__name__)

#: Tests only: a folder where each worker writes a file named by its PID when it has loaded its
#: models (the kill-a-worker test finds the Ray actor's process there).
PID_DIR_ENV = "QUOTES_BATCH_PID_DIR"


@dataclass(frozen=True, kw_only=True)
class PipelineOptions:
    """The server's settings a worker builds its pipeline with (defaults: ``Settings``')."""

    torch_threads: int = Settings.torch_threads
    parallel_batches: int = Settings.parallel_batches
    parse_precision: str = Settings.parse_precision
    quote_scorer: str = Settings.quote_scorer
    official_models_dir: str | None = None
    max_document_chars: int = Settings.max_document_chars

    def pipeline_options(self) -> dict:
        """These settings alone, as keyword arguments (for a ``WorkerOptions``)."""
        return {f.name: getattr(self, f.name) for f in fields(PipelineOptions)}


@dataclass(frozen=True, kw_only=True)
class WorkerOptions(PipelineOptions):
    output: str  # the output folder, absolute
    batch_size: int = 8  # documents parsed together (as Extractor's default)


class ShardWorker:
    """Loads the pipeline once (``parser``: one already loaded, for the local engine in tests),
    then ``process(shard)`` for each shard it is given."""

    def __init__(self, options: WorkerOptions, parser=None) -> None:
        from service.api import Extractor

        self.options = options
        self.extractor = Extractor(
            official_models_dir=options.official_models_dir, torch_threads=options.torch_threads,
            batch_size=options.batch_size, parse_precision=options.parse_precision,
            parser=parser, quote_scorer=options.quote_scorer,
            parallel_batches=options.parallel_batches)
        spec = self.extractor.pipeline.spec  # loads the models now, once
        if parser is None:  # as the server before it serves: the first parses are slow
            log.info("warmed up in %.1fs", self.extractor.parser.warm_up())
        self.model = {"name": spec.name, "version": spec.version, "source": spec.source}
        pid_dir = os.environ.get(PID_DIR_ENV)
        if pid_dir:
            Path(pid_dir, str(os.getpid())).touch()

    def process(self, shard: shards.Shard) -> dict:
        """Extract the shard's documents and write its part file; its counts."""
        started, cpu = time.time(), time.process_time()
        out: list[dict | None] = []
        valid: list[tuple[int, str]] = []  # (index in out, text)
        docs = list(shard.documents())
        limit = self.options.max_document_chars
        for doc in docs:
            if doc.invalid:
                out.append(rows.error_row(doc.id, doc.origin, "", rows.INVALID_INPUT,
                                          doc.invalid, self.model))
            elif not doc.text.strip():
                out.append(rows.error_row(doc.id, doc.origin, doc.text, rows.EMPTY_TEXT,
                                          "text is empty or only whitespace", self.model))
            elif len(doc.text) > limit:
                out.append(rows.error_row(doc.id, doc.origin, doc.text, rows.TOO_LONG,
                                          f"text is {len(doc.text)} characters, over the limit "
                                          f"of {limit} (--max-document-chars)", self.model))
            else:
                valid.append((len(out), doc.text))
                out.append(None)
        for (index, text), result in zip(valid, self._extract([t for _, t in valid])):
            doc = docs[index]
            if isinstance(result, Exception):
                out[index] = rows.error_row(doc.id, doc.origin, text, rows.EXTRACTION_FAILED,
                                            f"{type(result).__name__}: {result}", self.model)
            else:
                out[index] = rows.document_row(doc.id, doc.origin, text, result, self.model)
        done = [row for row in out if row is not None]
        table = rows.table(done)
        output = Path(self.options.output)

        def write(tmp: Path) -> None:
            import pyarrow.parquet as pq
            pq.write_table(table, tmp, compression="zstd")

        shards.write_atomically(shards.part_path(output, shard.shard_id), write)
        errors: dict[str, int] = {}
        for row in done:
            if row["error"] is not None:
                errors[row["error"]["code"]] = errors.get(row["error"]["code"], 0) + 1
        return {"shard_id": shard.shard_id, "input": shard.path, "documents": len(done),
                "quotes": sum(len(row["quotes"]) for row in done), "errors": errors,
                "words": sum(row["words"] for row in done if row["error"] is None),
                "chars": sum(row["chars"] for row in done if row["error"] is None),
                "started": started, "finished": time.time(), "pid": os.getpid(),
                "cpu_seconds": round(time.process_time() - cpu, 2),  # all the worker's threads
                "peak_rss_mib": round(_peak_rss_mib(), 1), "model": self.model}

    def _extract(self, texts: list[str]) -> list:
        """Each text's ``Attribution``, or the exception the pipeline raised on it: a batch that
        raises is done again one document at a time, so one bad document costs only itself."""
        try:
            return list(self.extractor.extract(texts))
        except Exception:  # noqa: BLE001 - any failure of one document must not fail the shard
            log.exception("a batch of %d documents failed; extracting them one by one", len(texts))
        results: list = []
        for text in texts:
            try:
                results.append(self.extractor.extract_one(text))
            except Exception as exc:  # noqa: BLE001
                results.append(exc)
        return results


def _peak_rss_mib() -> float:
    """This process's peak resident memory (Linux: ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
