"""``quotes batch``: plan the shards, skip those a previous run completed (``--resume``), run the
rest on an engine, record each completed shard, and write the summary (``_summary.json``).

Exactly once: the shards partition the input (every line or row is in one shard); each shard's
rows are one part file named by the shard's stable id and replaced atomically, so running a shard
again (an engine's retry, a resumed run) replaces its rows; a shard counts as complete only once
its part file is in place and its completion record written. A run that stops part way leaves
complete shards (skipped on ``--resume``), possibly part files without records (recomputed and
replaced), and no partial files (temporary names, removed on the next start).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from service.backfill import inputs, shards
from service.backfill.worker import PipelineOptions, WorkerOptions

LOCAL = "local"
RAY = "ray"
DEFAULT_SHARD_SIZE = 1000


@dataclass(frozen=True, kw_only=True)
class JobOptions(PipelineOptions):
    """A ``quotes batch`` run: what to read, where to write, on which engine, and the pipeline's
    settings (``PipelineOptions``, the server's defaults)."""

    patterns: list[str]
    output: str
    engine: str = LOCAL
    resume: bool = False
    text_column: str = "text"
    id_column: str | None = "id"
    shard_size: int = DEFAULT_SHARD_SIZE
    address: str | None = None  # ray: a running cluster ("auto" inside one); None: start one
    workers: int | None = None  # ray: actors; None: the CPUs / cpus_per_worker
    cpus_per_worker: float | None = None  # None: torch_threads x parallel_batches
    num_cpus: int | None = None  # a local Ray instance's CPUs; None: this machine's
    max_shards: int | None = None  # run at most this many pending shards, then stop (tests)
    extra: dict = field(default_factory=dict)  # put in the summary as it is


def run_job(options: JobOptions, *, parser=None, progress: TextIO | None = None) -> dict:
    """Run (or resume) a job; its summary (also written to ``OUTPUT/_summary.json``).
    ``parser``: an already loaded parser for the local engine."""
    began = time.time()
    paths = inputs.expand(options.patterns)
    plan = shards.plan(paths, options.shard_size, text_column=options.text_column,
                       id_column=options.id_column)
    folder = shards.OutputFolder(Path(options.output))
    manifest = {"inputs": [{"path": str(p), "bytes": p.stat().st_size} for p in paths],
                "shard_size": options.shard_size, "text_column": options.text_column,
                "id_column": options.id_column}
    done = folder.prepare(plan, manifest, resume=options.resume)
    pending = [shard for shard in plan if shard.shard_id not in done]
    skipped = len(plan) - len(pending)
    if options.max_shards is not None:
        pending = pending[:options.max_shards]
    cpus_per_worker = options.cpus_per_worker or options.torch_threads * options.parallel_batches
    worker_options = WorkerOptions(output=str(folder.path), **options.pipeline_options())
    if progress is not None and skipped:
        progress.write(f"quotes batch: resuming: {skipped} of {len(plan)} shards already "
                       f"complete in {folder.path}\n")
    ran: list[dict] = []
    show = progress is not None and progress.isatty()

    def on_done(stats: dict) -> None:
        folder.mark_done(stats)
        ran.append(stats)
        if show:  # one line, rewritten (Ray's own bars show its operators)
            elapsed = max(time.time() - began, 1e-6)
            progress.write(f"\rquotes batch: {skipped + len(ran)}/{len(plan)} shards, "
                           f"{sum(r['documents'] for r in ran):,} documents, "
                           f"{sum(r['words'] for r in ran) / elapsed:,.0f} words/s ")
            progress.flush()

    from service.backfill import engines

    workers = 1
    if options.engine == RAY:
        workers = engines.run_ray(pending, worker_options, on_done, address=options.address,
                                  workers=options.workers, cpus_per_worker=cpus_per_worker,
                                  num_cpus=options.num_cpus)
    else:
        engines.run_local(pending, worker_options, on_done, parser=parser)
    if show and ran:
        progress.write("\n")
    folder.remove_temporary()  # a worker killed mid-write (its shard was done again)
    summary = _summary(options, plan, folder, ran, skipped, began, workers, cpus_per_worker)
    shards.write_json(folder.path / shards.SUMMARY, summary)
    return summary


def _summary(options: JobOptions, plan: Sequence[shards.Shard], folder: shards.OutputFolder,
             ran: list[dict], skipped: int, began: float, workers: int,
             cpus_per_worker: float) -> dict:
    records = folder.completed()
    complete = [records[s.shard_id] for s in plan if s.shard_id in records]
    errors: dict[str, int] = {}
    for record in complete:
        for code, count in record["errors"].items():
            errors[code] = errors.get(code, 0) + count
    seconds = time.time() - began
    words = sum(r["words"] for r in ran)
    busy = (max(r["finished"] for r in ran) - min(r["started"] for r in ran)) if ran else 0.0
    models = sorted({f"{r['model']['name']}@{r['model']['version']}" for r in complete})
    return {
        "output": str(folder.path), "engine": options.engine,
        "complete": len(complete) == len(plan),
        "shards": len(plan), "shards_complete": len(complete), "shards_run": len(ran),
        "shards_skipped": skipped,
        # the whole dataset (this run and the runs it resumed)
        "documents": sum(r["documents"] for r in complete),
        "quotes": sum(r["quotes"] for r in complete),
        "errors": sum(errors.values()), "errors_by_code": errors,
        "words": sum(r["words"] for r in complete),
        # this run: wall time from start (models and Ray included) and from the first shard's
        # start to the last one's end (the engine at work)
        "run_documents": sum(r["documents"] for r in ran), "run_words": words,
        "seconds": round(seconds, 2),
        "words_per_s": round(words / seconds, 1) if seconds > 0 else 0.0,
        "processing_seconds": round(busy, 2),
        "worker_cpu_seconds": round(sum(r.get("cpu_seconds", 0.0) for r in ran), 2),
        "processing_started": min((r["started"] for r in ran), default=None),  # epoch seconds
        "processing_finished": max((r["finished"] for r in ran), default=None),
        "processing_words_per_s": round(words / busy, 1) if busy > 0 else 0.0,
        "workers": workers,
        "cpus_per_worker": cpus_per_worker, "torch_threads": options.torch_threads,
        "parallel_batches": options.parallel_batches, "shard_size": options.shard_size,
        "worker_peak_rss_mib": {str(r["pid"]): r["peak_rss_mib"] for r in ran},
        "models": models, **options.extra,
    }


def format_summary(summary: dict) -> str:
    state = "complete" if summary["complete"] else (
        f"INCOMPLETE ({summary['shards_complete']} of {summary['shards']} shards; "
        "run again with --resume)")
    errors = ", ".join(f"{code} {count}" for code, count in sorted(summary["errors_by_code"].items()))
    return (f"quotes batch: {state}: {summary['documents']} documents, {summary['quotes']} quotes, "
            f"{summary['errors']} errors{f' ({errors})' if errors else ''}; this run "
            f"{summary['run_documents']} documents, {summary['run_words']:,} words in "
            f"{summary['seconds']:.1f} s, {summary['words_per_s']:,.0f} words/s "
            f"({summary['processing_words_per_s']:,.0f} once the workers were up); "
            f"summary in {summary['output']}/{shards.SUMMARY}")
