"""Regenerate the README's example output from examples/article.txt.

    quotes-dev readme-example            # rewrite the block between the markers in README.md
    quotes-dev readme-example --check    # write nothing; exit 1 if README.md is stale

The block is what ``quotes extract examples/article.txt`` prints against a server on the bundled
models: the Extractor of service/api.py (the server's parser and extractor, default quote
scorer), its Attribution turned into the response by service/wire.py, printed by the CLI's own
text renderer (clients/cli.py ``write_text``). Parsing is float32, the exact path, so the block
does not depend on whether the CPU has native bfloat16 (``--parse-precision auto`` may parse a
rare word differently there). tests/test_readme_example.py fails when the block is stale.
"""

from __future__ import annotations

import argparse
import difflib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ARTICLE = "examples/article.txt"  # as the reader types it, relative to the checkout
START = "<!-- example-output:start -->"
END = "<!-- example-output:end -->"


def render(root: Path = ROOT) -> str:
    """The text between the markers: the command line, the model, and the fenced output."""
    from clients.cli import write_text
    from quotes.v1 import quote_service_pb2 as pb
    from service import wire
    from service.api import Extractor
    from service.nlp.models import resolve_models

    text = (root / ARTICLE).read_text(encoding="utf-8")
    extractor = Extractor(parse_precision="float32")
    attribution = extractor.extract_one(text)
    spec = resolve_models(None)
    response = wire.to_proto(
        pb.ExtractQuotesResponse, pb.Document(id=ARTICLE, text=text), attribution,
        wire.OFFSET_UNITS[pb.OFFSET_UNIT_CODE_POINT],
        pb.ModelInfo(name=spec.name, version=spec.version, source=spec.source))
    out = io.StringIO()
    write_text(response, out)
    return (f"`quotes extract {ARTICLE} --target localhost:50051` prints ({spec.source} models "
            f"{spec.name} {spec.version}):\n\n```text\n{out.getvalue().rstrip()}\n```\n")


def replace_block(readme: str, block: str) -> str:
    """``readme`` with the text between the markers replaced by ``block``."""
    start, end = readme.find(START), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md needs the markers {START} and {END}, in that order")
    head = readme[:start + len(START)]
    return f"{head}\n{block}{readme[end:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if README.md's example output is stale")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    fresh = replace_block(current, render())
    if args.check:
        if fresh == current:
            return 0
        sys.stderr.writelines(difflib.unified_diff(
            current.splitlines(keepends=True), fresh.splitlines(keepends=True),
            "README.md", "README.md (regenerated)"))
        print("README.md's example output is stale; run: quotes-dev readme-example",
              file=sys.stderr)
        return 1
    if fresh != current:
        README.write_text(fresh, encoding="utf-8")
        print("README.md: example output rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
