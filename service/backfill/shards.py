"""The work cut into shards, and the output folder that makes a run exactly-once.

A shard is one input file's run of ``shard_size`` lines (JSONL) or rows (Parquet); its id is
stable (the file's path, the shard size and the shard's index), so the same inputs give the same
shards in every run. The output folder holds:

- ``part-<shard id>.parquet``: one per shard, that shard's rows only, written to a hidden temporary
  file and renamed into place (``os.replace``, atomic), so a shard computed twice (a retried task,
  a resumed run) replaces its file instead of adding rows, and a killed writer leaves no part;
- ``_manifest.json``: the plan (inputs with their sizes, shard size, columns, shard ids), written
  before any shard runs; ``--resume`` refuses a folder whose plan differs;
- ``_done/<shard id>.json``: written after the shard's part file is in place, with its counts;
  ``--resume`` skips exactly the shards that have one (and their part file);
- ``_summary.json``: the run's summary (``job.py``).

Names starting with ``_`` or ``.`` are skipped by pyarrow, DuckDB globs on ``*.parquet`` and Spark,
so the folder reads as one dataset of the part files.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from service.backfill import inputs

MANIFEST = "_manifest.json"
DONE = "_done"
SUMMARY = "_summary.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Shard:
    shard_id: str
    path: str  # absolute
    kind: str  # inputs.JSONL or inputs.PARQUET
    start: int  # JSONL: first byte; Parquet: first row
    end: int  # exclusive
    first_line: int  # JSONL: number of the first line (from 1); Parquet: = start
    text_column: str = "text"
    id_column: str | None = "id"

    def documents(self):
        """The shard's documents (``inputs.Document``), in input order."""
        path = Path(self.path)
        if self.kind == inputs.PARQUET:
            return inputs.read_parquet_range(path, self.start, self.end, self.text_column,
                                             self.id_column)
        return inputs.read_jsonl_range(path, self.start, self.end, self.first_line)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Shard":
        return cls(**json.loads(text))


def shard_id(path: Path, shard_size: int, index: int) -> str:
    digest = hashlib.sha1(f"{path}\0{shard_size}".encode()).hexdigest()[:10]
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in path.stem)[:40] or "input"
    return f"{stem}-{digest}-{index:06d}"


def plan(paths: Sequence[Path], shard_size: int, *, text_column: str = "text",
         id_column: str | None = "id") -> list[Shard]:
    """Every input file's shards, in input order. JSONL ids come from the ``id`` key (the
    columns apply to Parquet inputs only)."""
    shards: list[Shard] = []
    for path in paths:
        if inputs.kind_of(path) == inputs.PARQUET:
            rows = inputs.parquet_rows(path, text_column, id_column)
            for index, start in enumerate(range(0, rows, shard_size)):
                shards.append(Shard(shard_id(path, shard_size, index), str(path), inputs.PARQUET,
                                    start, min(start + shard_size, rows), start, text_column,
                                    id_column))
        else:
            for index, (start, end, first) in enumerate(inputs.jsonl_ranges(path, shard_size)):
                shards.append(Shard(shard_id(path, shard_size, index), str(path), inputs.JSONL,
                                    start, end, first))
    return shards


def part_path(output: Path, shard: str) -> Path:
    return output / f"part-{shard}.parquet"


def write_atomically(path: Path, write) -> None:
    """``write(tmp_path)`` then rename to ``path``: readers see the whole file or none."""
    tmp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, value: object) -> None:
    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(value, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    write_atomically(path, write)


class OutputFolder:
    """The output dataset folder: its manifest, part files and completion records."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()

    def prepare(self, shards: Sequence[Shard], manifest: dict, *, resume: bool) -> dict[str, dict]:
        """Check or write the manifest; the completion records of the shards already done
        (empty unless ``resume``). A folder with a previous run needs ``resume``; a folder
        whose manifest plans other work cannot be resumed."""
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / DONE).mkdir(exist_ok=True)
        manifest = {**manifest, "version": MANIFEST_VERSION,
                    "shards": [s.shard_id for s in shards]}
        existing = self.path / MANIFEST
        if existing.exists():
            if not resume:
                raise inputs.InputError(
                    f"{self.path} holds a previous run ({MANIFEST}): add --resume to finish it, "
                    "or choose another --output")
            previous = json.loads(existing.read_text(encoding="utf-8"))
            if previous != json.loads(json.dumps(manifest)):
                raise inputs.InputError(
                    f"--resume: {self.path} was written for other inputs or settings (its "
                    f"{MANIFEST} differs: inputs, their sizes, --shard-size, columns); "
                    "use a new --output")
        elif any(self.path.glob("part-*.parquet")):
            raise inputs.InputError(f"{self.path} holds part files but no {MANIFEST}: "
                                    "choose an empty --output")
        else:
            write_json(existing, manifest)
        self.remove_temporary()
        planned = {s.shard_id for s in shards}
        done = self.completed()
        return {key: value for key, value in done.items()
                if key in planned and part_path(self.path, key).exists()}

    def remove_temporary(self) -> None:
        """Files of writers killed mid-file (only while no worker writes: before and after a
        run)."""
        for stale in self.path.glob(".tmp-*"):
            stale.unlink(missing_ok=True)

    def completed(self) -> dict[str, dict]:
        records = {}
        for record in sorted((self.path / DONE).glob("*.json")):
            try:
                records[record.stem] = json.loads(record.read_text(encoding="utf-8"))
            except ValueError:
                continue  # cannot happen with atomic writes; then the shard is simply redone
        return records

    def mark_done(self, stats: dict) -> None:
        write_json(self.path / DONE / f"{stats['shard_id']}.json", stats)
