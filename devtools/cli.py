"""``quotes-dev``: the developer tools of a checkout behind one command.

    quotes-dev throughput ...        parse + extraction words/s in process (devtools/throughput.py)
    quotes-dev throughput-ab --against REF   the same, alternating with another commit's code
    quotes-dev load ...              the server under concurrent gRPC clients (devtools/load.py)
    quotes-dev batch-bench ...       quotes batch engines against the in-process pipeline
    quotes-dev snapshot ...          every quote of the shared sets, written down and compared
    quotes-dev errors ...            error categories against gold quotes, with baselines
    quotes-dev models ...            the models on UD English-EWT (devtools/evaluate_models.py)
    quotes-dev probes [NAME...]      the reliability probes of docs/RELIABILITY.md
    quotes-dev render-monitoring     regenerate the dashboard JSON and the PrometheusRule
    quotes-dev render-dashboard ...  the dashboard's panels as a PNG from a running Prometheus
    quotes-dev gen-proto [--check]   regenerate the gRPC code from proto/
    quotes-dev readme-example [--check]  regenerate README.md's example output (examples/article.txt)
    quotes-dev train-quote-scorer    train the learned quote scorer on PolNeAR train (threshold on dev)
    quotes-dev train-boundaries      train the learned content boundaries (PolNeAR train)
    quotes-dev train-proposals       train the learned proposals (phrases the rules miss)
    quotes-dev train-speaker-ranker  train the speaker ranker on gold quotes (PolNeAR train)

``quotes-dev COMMAND --help`` explains each. Accuracy through the service: ``quotes eval`` (and
scripts/accuracy.sh, which starts a server for it).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

COMMANDS = {
    "throughput": ("devtools.throughput", "parse + extraction words/s in process"),
    "throughput-ab": ("devtools.throughput_ab",
                      "throughput alternating with another commit's code (a git worktree)"),
    "load": ("devtools.load", "the server under concurrent gRPC clients"),
    "batch-bench": ("devtools.batch_bench",
                    "quotes batch engines (local, Ray) against the in-process pipeline"),
    "snapshot": ("devtools.snapshot", "every quote of the shared gold sets, to compare two versions"),
    "errors": ("devtools.error_categories", "error categories against gold quotes"),
    "models": ("devtools.evaluate_models", "the models' scores on UD English-EWT"),
    "probes": ("devtools.probes", "re-measure the reliability figures (cancel, overload, ...)"),
    "render-monitoring": ("devtools.render_monitoring",
                          "regenerate the Grafana dashboard and the PrometheusRule"),
    "render-dashboard": ("devtools.render_dashboard", "dashboard panels to PNG via Prometheus"),
    "gen-proto": ("devtools.gen_proto", "regenerate the gRPC code from proto/"),
    "readme-example": ("devtools.readme_example",
                       "regenerate README.md's example output from examples/article.txt"),
    "train-quote-scorer": ("devtools.train_quote_scorer",
                           "train the learned quote scorer (keep/drop, confidence) on gold quotes"),
    "train-boundaries": ("devtools.train_boundaries",
                         "train the learned content boundaries on gold quotes (PolNeAR train)"),
    "train-proposals": ("devtools.train_proposals",
                        "train the learned proposals (reported phrases the rules miss; PolNeAR train)"),
    "train-speaker-ranker": ("devtools.speaker_ranker",
                             "train the speaker ranker on gold quotes (PolNeAR train split)"),
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: quotes-dev COMMAND [ARGS...]", "", "commands:"]
    lines += [f"  {name:<{width}}  {about}" for name, (_, about) in COMMANDS.items()]
    lines += ["", "quotes-dev COMMAND --help: the command's own options"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"quotes-dev: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    sys.argv[0] = f"quotes-dev {command}"  # each tool's --help names the command
    return module.main(rest) or 0


if __name__ == "__main__":
    sys.exit(main())
