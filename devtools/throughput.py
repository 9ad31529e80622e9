"""Parsing + extraction throughput of the service's NLP path, in words per second, on this machine.

Loads the models once (the same choice the server makes: official Stanza models if configured,
else the bundled compact ones), parses gold documents in batches with ``DocumentParser`` and runs
``service.attribution.extractor.extract`` over each parsed document, timing the two separately.
No gRPC: this is the ceiling the server can reach, not the server's latency.

    quotes-dev throughput --docs 60 --batch 8 --threads 2

Prints a summary and appends one JSON line to bench/results.jsonl (``--no-record`` to skip).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import resource
import sys
import time
from pathlib import Path

from devtools import git_commit, record_result
from service.nlp.precision import PRECISIONS

ROOT = Path(__file__).resolve().parents[1]  # the checkout (quotes-dev runs from an editable install)

DEFAULT_GOLD = ROOT.parent / "shared" / "eval" / "polnear-train-sample-gold.jsonl"
DEFAULT_RESULTS = ROOT / "bench" / "results.jsonl"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gold", type=Path, default=DEFAULT_GOLD,
                   help="JSONL of documents with a 'text' field (default: %(default)s)")
    p.add_argument("--docs", type=int, default=40,
                   help="documents to process, taken in file order; cycles if the file has fewer "
                        "(default: %(default)s)")
    p.add_argument("--batch", type=int, default=8,
                   help="documents per DocumentParser.parse call (default: %(default)s)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch.set_num_threads value, the server's --torch-threads "
                        "(default: %(default)s)")
    p.add_argument("--parallel-batches", type=int, default=2,
                   help="batches parsed and extracted at once, each on its own thread, as the "
                        "server's --parallel-batches (default: %(default)s)")
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="tagger and parser arithmetic, as the server's --parse-precision "
                        "(default: %(default)s)")
    p.add_argument("--warmup", type=int, default=1,
                   help="documents parsed (and extracted) once before timing (default: %(default)s)")
    p.add_argument("--official-models-dir", default=None,
                   help="as the server's flag: use official Stanza models from this folder if present")
    p.add_argument("--quote-scorer", default="bundled",
                   help="as the server's flag: the learned quote scorer ('bundled', 'off', or a "
                        "model file); its time counts as extraction (default: %(default)s)")
    p.add_argument("--results", type=Path, default=DEFAULT_RESULTS,
                   help="JSONL file the result line is appended to (default: %(default)s)")
    p.add_argument("--no-record", action="store_true", help="print the result, append nothing")
    p.add_argument("--note", default="", help="free text stored with the result (e.g. 'jemalloc')")
    p.add_argument("--compare-stanza-path", action="store_true",
                   help="also parse the same batches the way Stanza alone does (without "
                        "service.nlp.fastpath, with its tokenize step), report the speed-up and "
                        "count the words analysed the same way (use with --parallel-batches 1: "
                        "Stanza's path parses one batch at a time)")
    args = p.parse_args(argv)
    for name in ("docs", "batch", "threads", "parallel_batches"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0:
        p.error("--warmup must be 0 or more")
    return args


def load_texts(path: Path, n: int) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                texts.append(json.loads(line)["text"])
    if not texts:
        raise SystemExit(f"no documents in {path}")
    return [texts[i % len(texts)] for i in range(n)]


def word_analyses(docs) -> list[tuple]:
    """Each word's text, tags, features, lemma, head and relation, in document order."""
    return [(w.text, w.upos, w.xpos, w.feats, w.lemma, w.head, w.deprel)
            for doc in docs for w in doc.words]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    import torch

    from concurrent import futures

    from service.nlp.pipeline import parse_with_stanza_path, to_parsed_document
    from service.pipeline import QuotePipeline, load_attribution_models, load_parser

    texts = load_texts(args.gold, args.docs)
    warm_texts = texts[: args.warmup]

    started = time.perf_counter()
    parser = load_parser(official_models_dir=args.official_models_dir, torch_threads=args.threads,
                         parse_precision=args.precision, parallel_batches=args.parallel_batches)
    spec = parser.spec
    load_seconds = time.perf_counter() - started
    rss_after_load = peak_rss_mib()

    extraction = "ok"
    pipeline = QuotePipeline(parser, load_attribution_models(args.quote_scorer))

    def run_extract(doc) -> None:
        nonlocal extraction
        if extraction != "ok":
            return
        try:
            pipeline.extract(doc)
        except NotImplementedError as exc:
            extraction = f"not implemented ({exc})"

    if warm_texts:
        for doc in parser.parse(warm_texts):
            run_extract(doc)

    def parse_and_extract(batch: list[str]) -> tuple[list, float, float]:
        t0 = time.perf_counter()
        docs = parser.parse(batch)
        t1 = time.perf_counter()
        for doc in docs:
            run_extract(doc)
        return docs, t1 - t0, time.perf_counter() - t1

    # With parallel batches the stages of different batches overlap: parse_s and extract_s are
    # then seconds spent in each stage summed over the threads, and total_s is the wall clock.
    parse_seconds = extract_seconds = 0.0
    words = tokens = sentences = chars = 0
    our_analyses: list[tuple] = []  # kept only to compare with Stanza's own path
    batches = [texts[i:i + args.batch] for i in range(0, len(texts), args.batch)]
    started = time.perf_counter()
    with futures.ThreadPoolExecutor(parser.parallel_batches) as pool:
        done = list(pool.map(parse_and_extract, batches))
    wall_seconds = time.perf_counter() - started
    for batch, (docs, batch_parse, batch_extract) in zip(batches, done):
        parse_seconds += batch_parse
        extract_seconds += batch_extract
        if args.compare_stanza_path:
            our_analyses += word_analyses(docs)
        for doc, text in zip(docs, batch):
            words += len(doc.words)
            tokens += len(doc.words)  # one word per token in English (no multi-word tokens)
            sentences += len(doc.sentences)
            chars += len(text)

    stanza_path_seconds = same_words = None
    if args.compare_stanza_path:  # same texts, same batches, right after: a ratio from one run
        stanza_path_seconds = 0.0
        their_analyses: list[tuple] = []
        for i in range(0, len(texts), args.batch):
            t0 = time.perf_counter()
            batch = texts[i:i + args.batch]
            their_docs = [to_parsed_document([doc], text)  # as parse() does, for a fair time
                          for doc, text in zip(parse_with_stanza_path(parser, batch), batch)]
            stanza_path_seconds += time.perf_counter() - t0
            their_analyses += word_analyses(their_docs)
        same_words = sum(ours == theirs for ours, theirs in zip(our_analyses, their_analyses)) \
            if len(our_analyses) == len(their_analyses) else 0

    extracted = extraction == "ok"
    total_seconds = wall_seconds
    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "commit": git_commit(ROOT),
        "bench": "throughput",
        "model": spec.label,
        "model_source": spec.source,
        "threads": args.threads,
        "parallel_batches": parser.parallel_batches,
        "precision": parser.precision,
        "batch": args.batch,
        "docs": len(texts),
        "warmup_docs": len(warm_texts),
        "words": words,
        "tokens": tokens,
        "sentences": sentences,
        "chars": chars,
        "load_s": round(load_seconds, 2),
        "parse_s": round(parse_seconds, 3),
        "extract_s": round(extract_seconds, 3) if extracted else None,
        "extraction": extraction,
        "total_s": round(total_seconds, 3),
        "words_per_s": round(words / total_seconds, 1),
        "docs_per_s": round(len(texts) / total_seconds, 3),
        # per thread: the words one thread parses (extracts) in a second of that stage
        "parse_words_per_s": round(words / parse_seconds, 1),
        "extract_words_per_s": round(words / extract_seconds, 1) if extracted and extract_seconds else None,
        "stanza_path_parse_words_per_s": round(words / stanza_path_seconds, 1) if stanza_path_seconds else None,
        "parse_speedup_vs_stanza_path": round(stanza_path_seconds / parse_seconds, 2) if stanza_path_seconds else None,
        "stanza_path_same_words": same_words,
        "peak_rss_mib_after_load": round(rss_after_load, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "cpus": os.cpu_count(),
        "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "jemalloc": "jemalloc" in os.environ.get("LD_PRELOAD", ""),
        "gold": args.gold.name,
        "quote_scorer": args.quote_scorer,
        "note": args.note,
    }

    scope = "parse + extraction" if extracted else "parse only: extraction " + extraction
    print(f"model {spec.label} ({spec.source}), {parser.precision}, torch threads {args.threads}, "
          f"{parser.parallel_batches} batch(es) at once, batch {args.batch}, "
          f"{len(texts)} docs ({words} words) after {len(warm_texts)} warm-up doc(s)")
    print(f"  {scope}")
    print(f"  load {load_seconds:.1f}s  wall {wall_seconds:.2f}s  parse {parse_seconds:.2f}s  "
          f"extract {'%.2fs' % extract_seconds if extracted else 'n/a'} (stage seconds summed "
          f"over threads)")
    print(f"  {result['words_per_s']} words/s, {result['docs_per_s']} docs/s "
          f"(parse alone, one thread: {result['parse_words_per_s']} words/s)")
    if stanza_path_seconds:
        print(f"  Stanza's own path: {result['stanza_path_parse_words_per_s']} words/s parse alone; "
              f"ours is {result['parse_speedup_vs_stanza_path']}x that")
        print(f"  same analyses (text, tags, features, lemma, head, relation) for {same_words:,} "
              f"of {words:,} words")
    print(f"  peak RSS {result['peak_rss_mib']:.0f} MiB (after load {rss_after_load:.0f} MiB); "
          f"1-min load average {result['loadavg_1m_at_end']} on {os.cpu_count()} CPUs")
    record_result(result, None if args.no_record else args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
