"""Documents from JSONL and Parquet files, files or globs.

Each document is a ``Document`` (id, text, origin); a JSONL line or Parquet row that is no
document (not UTF-8, not JSON, not an object, no string ``text``, a null text) is a ``Document``
with ``invalid`` set: it becomes one error row, never an exception. JSONL lines are read exactly
as ``quotes extract --jsonl`` reads them (that command calls ``read_jsonl_line``); blank lines are
skipped. Offsets (``start``/``end`` below) are byte offsets of whole lines for JSONL and row
numbers for Parquet, so a shard reads its own range without reading the rest of the file.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

JSONL = "jsonl"
PARQUET = "parquet"
PARQUET_SUFFIXES = (".parquet", ".pq")


class InputError(Exception):
    """An input cannot be used at all (no file matches, a missing column): a usage error."""


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    origin: str  # "docs.jsonl:21" or "docs.parquet#row 20" (row numbers from 0)
    invalid: str = ""  # why the line or row is no document; "" when it is one


def read_jsonl_line(raw: bytes, origin: str, number: int) -> Document | None:
    """The document of one JSONL line (None for a blank line); a line that is no document is an
    invalid ``Document`` whose id is the line's ``id`` if it has one, else its line number."""
    def invalid(reason: str, doc_id: object = number) -> Document:
        return Document(str(doc_id), "", origin,
                        invalid=f'{reason}; expected {{"id": ..., "text": "..."}}')

    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return invalid(f"not UTF-8 ({exc.reason} at byte {exc.start})")
    if not line.strip():
        return None
    try:
        item = json.loads(line)
    except ValueError as exc:
        return invalid(f"not JSON ({exc})")
    if not isinstance(item, dict):
        return invalid(f"a JSON {json_kind(item)}, not an object")
    doc_id = item.get("id", number)
    if "text" not in item:
        return invalid('no "text"', doc_id)
    if not isinstance(item["text"], str):
        return invalid(f'"text" is a JSON {json_kind(item["text"])}, not a string', doc_id)
    return Document(str(doc_id), item["text"], origin)


def json_kind(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean",
            type(None): "null"}.get(type(value), "number")


def expand(patterns: Sequence[str]) -> list[Path]:
    """The files that ``patterns`` (paths or globs, ``**`` included) name, each once, in order
    (a glob's matches sorted). A pattern that matches no file is an ``InputError``."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))
                       if os.path.isfile(p)]
        else:
            matches = [Path(pattern)] if os.path.isfile(pattern) else []
        if not matches:
            raise InputError(f"no input file matches {pattern}")
        for path in matches:
            found.setdefault(path.resolve(), None)
    return list(found)


def kind_of(path: Path) -> str:
    """``PARQUET`` for .parquet/.pq files, ``JSONL`` for anything else."""
    return PARQUET if path.suffix.lower() in PARQUET_SUFFIXES else JSONL


def jsonl_ranges(path: Path, lines_per_range: int) -> list[tuple[int, int, int]]:
    """``path`` cut into runs of ``lines_per_range`` lines: (first byte, end byte, number of the
    first line, from 1) each; one pass over the file, nothing parsed."""
    ranges: list[tuple[int, int, int]] = []
    start = offset = 0
    first = number = 1
    with open(path, "rb") as f:
        for raw in f:
            offset += len(raw)
            if number - first + 1 == lines_per_range:
                ranges.append((start, offset, first))
                start, first = offset, number + 1
            number += 1
    if offset > start:
        ranges.append((start, offset, first))
    return ranges


def read_jsonl_range(path: Path, start: int, end: int, first_line: int) -> Iterator[Document]:
    """The documents of the lines between byte ``start`` and ``end`` (whole lines)."""
    with open(path, "rb") as f:
        f.seek(start)
        number = first_line
        while f.tell() < end:
            raw = f.readline()
            if not raw:
                break
            document = read_jsonl_line(raw, f"{path}:{number}", number)
            if document is not None:
                yield document
            number += 1


def parquet_rows(path: Path, text_column: str, id_column: str | None) -> int:
    """Rows of a Parquet file, after checking it has the columns asked for."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    for column in (text_column, id_column):
        if column is not None and column not in schema.names:
            raise InputError(f"{path} has no column {column!r} (columns: "
                             f"{', '.join(schema.names)}; see --text-column, --id-column)")
    return pq.ParquetFile(path).metadata.num_rows


def read_parquet_range(path: Path, start: int, end: int, text_column: str,
                       id_column: str | None) -> Iterator[Document]:
    """The documents of rows [start, end) (row numbers from 0, the id when there is no id
    column or the id is null). A null text, a text column of bytes that are not UTF-8, or one
    of another type makes that row an invalid document."""
    import pyarrow.parquet as pq

    columns = [text_column] + ([id_column] if id_column and id_column != text_column else [])
    parquet = pq.ParquetFile(path)
    row = 0
    for group in range(parquet.num_row_groups):
        rows = parquet.metadata.row_group(group).num_rows
        if row + rows <= start:
            row += rows
            continue
        if row >= end:
            break
        table = parquet.read_row_group(group, columns=columns)
        lo, hi = max(start - row, 0), min(end - row, rows)
        texts = table.column(text_column).slice(lo, hi - lo).to_pylist()
        ids = (table.column(id_column).slice(lo, hi - lo).to_pylist() if id_column
               else [None] * (hi - lo))
        for offset, (text, doc_id) in enumerate(zip(texts, ids)):
            number = row + lo + offset
            yield _parquet_document(text, number if doc_id is None else doc_id,
                                    f"{path}#row {number}")
        row += rows


def _parquet_document(text: object, doc_id: object, origin: str) -> Document:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Document(str(doc_id), "", origin,
                            invalid=f"text is not UTF-8 ({exc.reason} at byte {exc.start})")
    if not isinstance(text, str):
        what = "null" if text is None else type(text).__name__
        return Document(str(doc_id), "", origin, invalid=f"text is {what}, not a string")
    return Document(str(doc_id), text, origin)
