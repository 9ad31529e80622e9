"""``quotes-dev throughput-ab``: this checkout's parse + extraction words/s against another commit's.

Checks the other commit out in a git worktree and runs ``quotes-dev throughput`` (each version's
own code, the server's defaults) alternately from both trees, one fresh process a run, so both
see the same machine: the machine is shared and noisy, so compare ratios within one run. Each
round runs both versions (the order swapped every round); prints each round's ratio and their
median, and appends one JSON line to bench/results.jsonl (``"bench": "throughput-ab"``).

    quotes-dev throughput-ab --against 05e3cd4 --rounds 3 --docs 60
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools import git_commit, record_result, worktrees
from devtools.throughput import DEFAULT_GOLD, DEFAULT_RESULTS, ROOT


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--against", required=True, help="the commit to compare with (any git ref)")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds, each running both versions once (default: %(default)s)")
    p.add_argument("--docs", type=int, default=60,
                   help="documents per run, as throughput's --docs (default: %(default)s)")
    p.add_argument("--warmup", type=int, default=2,
                   help="documents processed once before timing (default: %(default)s)")
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD,
                   help="JSONL of documents with a 'text' field (default: %(default)s)")
    p.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                   help="JSONL file the result line is appended to (default: %(default)s)")
    p.add_argument("--no-record", action="store_true", help="print the result, append nothing")
    p.add_argument("--note", default="", help="free text stored with the result")
    return p.parse_args(argv)


def run_throughput(tree: Path, args: argparse.Namespace) -> dict:
    """One ``quotes-dev throughput`` run of ``tree``'s code; its JSON result line."""
    command = [sys.executable, "-m", "devtools.cli", "throughput", "--no-record",
               "--docs", str(args.docs), "--warmup", str(args.warmup), "--gold", str(args.gold)]
    done = subprocess.run(command, cwd=tree, env=worktrees.python_env(tree), capture_output=True,
                          text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"throughput in {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.gold.is_file():
        print(f"no documents at {args.gold} (--gold)", file=sys.stderr)
        return 2
    rounds = []
    with tempfile.TemporaryDirectory(prefix="throughput-ab-") as folder:
        other = worktrees.add(args.against, Path(folder) / "against")
        try:
            for number in range(args.rounds):
                order = [("against", other), ("this", ROOT)]
                if number % 2:
                    order.reverse()
                result = {name: run_throughput(tree, args)["words_per_s"] for name, tree in order}
                result["ratio"] = round(result["this"] / result["against"], 3)
                rounds.append(result)
                print(f"round {number + 1}: {args.against} {result['against']:,.0f} words/s, "
                      f"this checkout {result['this']:,.0f} words/s: {result['ratio']}x", flush=True)
        finally:
            worktrees.remove(other)
    median = round(statistics.median(r["ratio"] for r in rounds), 3)
    print(f"median ratio {median}x over {len(rounds)} rounds")
    record_result({
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "commit": git_commit(ROOT),
        "bench": "throughput-ab", "against": args.against, "docs": args.docs,
        "warmup": args.warmup, "gold": args.gold.name, "rounds": rounds,
        "ratio_median": median, "note": args.note}, None if args.no_record else args.results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
