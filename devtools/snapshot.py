"""``quotes-dev snapshot``: every quote of the shared gold sets, written down to compare.

A restructuring must not change answers; an accuracy change must change only what it says. This
command runs the service's own parse + extraction (bundled models, the server's parse precision,
the bundled quote scorer) over the shared gold documents and writes each document's answer,
quote by quote, as JSON lines; ``--compare`` tells two such files apart and exits 1 when they
differ. It also prints the scoring figures of ``quotes eval`` for each set (same rules), so an
A/B of a rule change takes seconds once the parses are cached.

    quotes-dev snapshot --out /tmp/before.jsonl            # parse (cached) + extract + figures
    quotes-dev snapshot --out /tmp/after.jsonl --compare /tmp/before.jsonl

Parses are cached (pickles this machine wrote, keyed by model version and texts) under
``--cache`` (default ``~/.cache/quotes-dev/parses``): the first run parses the sets (about 4
minutes for PolNeAR train on 2 cores), later runs only extract.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import hashlib
import json
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from clients.evaluation import GoldDocument, evaluate, format_text, load_gold

REPO = Path(__file__).resolve().parents[1]
SHARED_EVAL = REPO.parent / "shared" / "eval"
DEFAULT_SETS = ("soleimani", "polnear-train-sample", "polnear-dev")
DEFAULT_CACHE = Path.home() / ".cache" / "quotes-dev" / "parses"


def _plain(value):
    """Dataclasses, enums and spans as JSON values."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _model_version() -> str:
    from service.nlp.models import resolve_models

    return resolve_models().label


class _Unpickler(pickle.Unpickler):
    """Reads caches written before ``ParsedDocument`` moved to the ground floor (a cache this
    machine wrote, never shipped)."""

    MOVED = {"service.attribution.parsed": "service.document"}

    def find_class(self, module: str, name: str):
        return super().find_class(self.MOVED.get(module, module), name)


def cached_parses(name: str, documents: list[GoldDocument], cache: Path, parser_factory) -> list:
    """The documents' parses, from ``cache`` when this model version parsed these texts before."""
    digest = hashlib.sha256()
    for d in documents:
        digest.update(d.text.encode("utf-8") + b"\0")
    key = hashlib.sha256(f"{_model_version()}|{digest.hexdigest()}".encode()).hexdigest()[:16]
    path = cache / f"{name}-{key}.pkl"
    if path.exists():
        with open(path, "rb") as f:
            return _Unpickler(f).load()
    parser = parser_factory()
    started = time.monotonic()
    parsed = []
    batch = 16
    for i in range(0, len(documents), batch):
        parsed.extend(parser.parse([d.text for d in documents[i:i + batch]]))
    print(f"{name}: parsed {len(documents)} documents in {time.monotonic() - started:.0f} s",
          file=sys.stderr)
    cache.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(parsed, f)
    return parsed


def snapshot(sets: Sequence[str], eval_dir: Path, cache: Path, scorer: str = "bundled"):
    """(set name, gold documents, attributions) for each set."""
    from service.api import Extractor

    extractor = Extractor(quote_scorer=scorer, parallel_batches=2)
    out = []
    for name in sets:
        documents = load_gold(eval_dir / f"{name}-gold.jsonl")
        parsed = cached_parses(name, documents, cache, lambda: extractor.parser)
        attributions = [extractor.extract_parsed(p) for p in parsed]
        out.append((name, documents, attributions))
    return out


def _predicted(attribution):
    from devtools.train_quote_scorer import predicted_quotes

    return predicted_quotes(attribution)


def compare(a: Path, b: Path, ignore: Sequence[str] = ()) -> int:
    """Documents whose answers differ between two snapshot files (by set and id); quote fields
    named in ``ignore`` (new fields, say) are left out of the comparison."""
    def load(path: Path) -> dict:
        with open(path, encoding="utf-8") as f:
            rows = {(r["set"], r["id"]): r for r in map(json.loads, f)}
        for row in rows.values():
            for quote in row["quotes"]:
                for name in ignore:
                    quote.pop(name, None)
        return rows
    left, right = load(a), load(b)
    differing = 0
    for key in sorted(set(left) | set(right)):
        x, y = left.get(key), right.get(key)
        if x == y:
            continue
        differing += 1
        if differing <= 20:
            print(f"differs: {key[0]} {key[1]}")
            xq = {json.dumps(q, sort_keys=True) for q in (x or {}).get("quotes", [])}
            yq = {json.dumps(q, sort_keys=True) for q in (y or {}).get("quotes", [])}
            for q in sorted(xq - yq)[:3]:
                print(f"  - {q[:300]}")
            for q in sorted(yq - xq)[:3]:
                print(f"  + {q[:300]}")
    print(f"{differing} of {len(set(left) | set(right))} documents differ")
    return 1 if differing else 0


def _fields(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="quotes-dev snapshot", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="write every document's answer here (JSON lines)")
    ap.add_argument("--compare", type=Path, metavar="FILE",
                    help="compare with this earlier snapshot (after writing --out, or --out "
                         "itself given as a second file with --against)")
    ap.add_argument("--against", type=Path, help="with --compare and no --out: the second file")
    ap.add_argument("--ignore", default="", metavar="FIELDS",
                    help="quote fields to leave out of --compare, comma-separated (e.g. a field "
                         "the earlier snapshot did not have)")
    ap.add_argument("--sets", default=",".join(DEFAULT_SETS),
                    help="gold sets by name (NAME-gold.jsonl in --eval-dir), comma-separated")
    ap.add_argument("--eval-dir", type=Path, default=SHARED_EVAL)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="parse cache folder")
    ap.add_argument("--quote-scorer", default="bundled", help="bundled, off or a model file")
    ap.add_argument("--errors", action="store_true", help="print the error lists of the figures")
    args = ap.parse_args(argv)
    if args.compare and args.against and not args.out:
        return compare(args.compare, args.against, _fields(args.ignore))
    if not args.eval_dir.is_dir():
        ap.error(f"no gold sets at {args.eval_dir}")
    results = snapshot([s for s in args.sets.split(",") if s], args.eval_dir, args.cache,
                       args.quote_scorer)
    lines = []
    for name, documents, attributions in results:
        report = evaluate((d, _predicted(a)) for d, a in zip(documents, attributions))
        print(f"== {name}")
        print(format_text(report, show_errors=args.errors))
        for d, a in zip(documents, attributions):
            lines.append({"set": name, "id": d.id, "quotes": _plain(a.quotes),
                          "speakers": _plain(a.speakers)})
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    if args.compare:
        if not args.out:
            ap.error("--compare needs --out (or --against)")
        return compare(args.compare, args.out, _fields(args.ignore))
    return 0


if __name__ == "__main__":
    sys.exit(main())
