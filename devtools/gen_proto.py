"""Regenerate the Python code for the API from proto/ into generated/ (or --out DIR).

    quotes-dev gen-proto            # rewrite generated/quotes/v1/*
    quotes-dev gen-proto --check    # exit 1 if the checked-in code is stale

The generated code is checked in so the service runs without grpcio-tools; tests/test_proto.py
fails when it no longer matches the .proto.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROTO_DIR = ROOT / "proto"
OUT_DIR = ROOT / "generated"
PROTOS = ["quotes/v1/quote_service.proto"]
# Packages that need an __init__.py so `import quotes.v1.quote_service_pb2` works.
PACKAGES = ["quotes", "quotes/v1"]


def generate(out_dir: Path) -> list[Path]:
    """Run protoc (from grpcio-tools) into ``out_dir``; returns the files written."""
    from grpc_tools import protoc

    out_dir.mkdir(parents=True, exist_ok=True)
    well_known = resources.files("grpc_tools") / "_proto"
    args = ["grpc_tools.protoc", f"-I{PROTO_DIR}", f"-I{well_known}", f"--python_out={out_dir}",
            f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}", *PROTOS]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))
    for package in PACKAGES:
        init = out_dir / package / "__init__.py"
        if not init.exists():
            init.write_text('"""Generated from proto/ by devtools/gen_proto.py; do not edit."""\n')
    return sorted(path for path in out_dir.rglob("*") if path.is_file())


def stale_files(out_dir: Path = OUT_DIR) -> list[str]:
    """Generated files that differ from (or are missing in) ``out_dir``, as relative paths."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_dir = Path(tmp)
        fresh = generate(fresh_dir)
        stale = []
        for path in fresh:
            rel = path.relative_to(fresh_dir)
            if rel.name == "__init__.py" or "__pycache__" in rel.parts:
                continue
            current = out_dir / rel
            if not current.is_file() or not filecmp.cmp(path, current, shallow=False):
                stale.append(str(rel))
        return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR,
                        help="output folder (default: generated/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the code in --out is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.out)
        for rel in stale:
            print(f"stale: {rel}", file=sys.stderr)
        if stale:
            print("run: quotes-dev gen-proto", file=sys.stderr)
        return 1 if stale else 0
    for path in generate(args.out):
        print(path.relative_to(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
