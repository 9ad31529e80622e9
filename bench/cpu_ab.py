"""CPU seconds of parse + extraction in one process, comparable across checkouts.

For A/B runs on a busy machine (CPU time suffers far less from other work than wall time):
run it alternately with each checkout's code first on the path, e.g.

    for i in 1 2; do
      for tree in ../old-checkout .; do
        (cd $tree && PYTHONPATH=.:generated python /path/to/bench/cpu_ab.py --docs 40)
      done
    done

It works with this repository's code back to 5876d2d (whose parser returned Stanza Documents and
whose ``extract`` took the text). One torch thread; batches of 8; prints one JSON line.
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import time
from pathlib import Path

GOLD = Path(__file__).resolve().parents[2] / "shared" / "eval" / "polnear-train-sample-gold.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=40, help="first N documents (default: 40)")
    ap.add_argument("--gold", type=Path, default=GOLD, help="JSONL with a 'text' field")
    ap.add_argument("--precision", default=None,
                    help="DocumentParser precision where the checkout has one (default: its own)")
    args = ap.parse_args()

    from service.attribution.extractor import extract
    from service.nlp.models import resolve_models
    from service.nlp.pipeline import DocumentParser

    texts = [json.loads(line)["text"] for line in args.gold.read_text().splitlines()][: args.docs]
    options = {"precision": args.precision} if args.precision and \
        "precision" in inspect.signature(DocumentParser).parameters else {}
    parser = DocumentParser(resolve_models(), torch_threads=1, **options)
    parser.parse(texts[:2])  # warm up
    try:  # the rules as served (ranker, boundaries) where the checkout hands models in
        from service.pipeline import QuotePipeline, load_attribution_models

        extract = QuotePipeline(parser, load_attribution_models("off")).extract  # noqa: F811
    except ImportError:  # older checkouts: extract(doc) loads its own
        pass
    required = [p for p in inspect.signature(extract).parameters.values()
                if p.default is inspect.Parameter.empty]
    takes_text = len(required) == 2  # 5876d2d: extract(doc, text)
    words = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(0, len(texts), 8):
        batch = texts[i:i + 8]
        for doc, text in zip(parser.parse(batch), batch):
            if takes_text:
                extract(doc, text)
                words += sum(len(sentence.words) for sentence in doc.sentences)
            else:
                extract(doc)
                words += len(doc.words)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(json.dumps({"commit": commit, "precision": getattr(parser, "precision", "float32"),
                      "docs": len(texts), "words": words, "cpu_s": round(cpu, 2),
                      "wall_s": round(wall, 2), "words_per_cpu_s": round(words / cpu)}))


if __name__ == "__main__":
    main()
