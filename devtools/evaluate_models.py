"""Score the English models on UD English-EWT with Stanza's scorer (the CoNLL 2018 shared-task
evaluator that Stanza 1.15 imports from udtools: ``stanza.models.common.utils.ud_scores``).

    python -m devtools.evaluate_models [--split test|dev] [--models DIR] [--threads N]
                                   [--max-sentences N] [--json]

Two ways:
  gold tokens  the treebank's own words, sentence by sentence (multi-word tokens such as "didn't"
               fed as their words "did" "n't", as our pipeline has no MWT step), through
               pos, lemma, depparse: UPOS, XPOS, UFeats, Lemmas, UAS, LAS, and words/s.
  raw text     each document's text (its sentences' ``# text`` joined by spaces, paragraphs
               separated by a blank line) through DocumentParser, the service's own path
               (our segmenter, then the parser); the scorer aligns tokens: Tokens, Sentences,
               UPOS, LAS.
Scores are F1 x 100 (with gold tokens, the same as accuracy).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from service.nlp.precision import PRECISIONS

REPO_ROOT = Path(__file__).resolve().parents[1]
TREEBANK = REPO_ROOT.parent / "shared/data/ud-english-ewt"
MODELS_DOC = REPO_ROOT / "docs" / "MODELS.md"
GOLD_TOKEN_METRICS = ("UPOS", "XPOS", "UFeats", "Lemmas", "UAS", "LAS")
RAW_TEXT_METRICS = ("Tokens", "Sentences", "UPOS", "LAS")
# The figure the regression test holds the models to, e.g. <!-- regression: dev_first_400_las=78.12 -->
# One line per parse precision: "<!-- regression: ..." (float32), "<!-- regression bfloat16: ...".
REGRESSION_LINE = re.compile(r"<!-- regression(?: (\w+))?: (\w+?)_first_(\d+)_las=([\d.]+) -->")


@dataclass(frozen=True)
class GoldSentence:
    conllu: str  # the sentence's lines, comments included, ending in a blank line
    words: list[str]  # word forms; multi-word token ranges and empty nodes left out
    text: str
    newdoc: bool
    newpar: bool


def read_treebank(split: str = "dev", max_sentences: int | None = None,
                  treebank: Path = TREEBANK) -> list[GoldSentence]:
    """The first ``max_sentences`` (all when None) sentences of ``en_ewt-ud-{split}.conllu``."""
    path = treebank / f"en_ewt-ud-{split}.conllu"
    sentences = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        if max_sentences is not None and len(sentences) >= max_sentences:
            break
        words = [cols[1] for cols in (line.split("\t") for line in lines if not line.startswith("#"))
                 if cols[0].isdigit()]
        text = next(line.split("=", 1)[1].strip() for line in lines if line.startswith("# text ="))
        sentences.append(GoldSentence(
            conllu="\n".join(lines) + "\n\n", words=words, text=text,
            newdoc=any(line.startswith("# newdoc") for line in lines),
            newpar=any(line.startswith("# newpar") for line in lines)))
    return sentences


def documents(sentences: list[GoldSentence]) -> list[str]:
    """Raw text per document: sentences joined by a space, paragraphs by a blank line."""
    docs: list[str] = []
    for i, sentence in enumerate(sentences):
        if i == 0 or sentence.newdoc:
            docs.append(sentence.text)
        else:
            docs[-1] += ("\n\n" if sentence.newpar else " ") + sentence.text
    return docs


def to_conllu(doc, text: str | None = None) -> str:
    """CoNLL-U for a parsed Stanza document with one word per token (no MWT). With ``text``, forms
    are cut from it by the tokens' character offsets (the parser saw normalised quotes)."""
    out = []
    for sentence in doc.sentences:
        for token in sentence.tokens:
            form = text[token.start_char:token.end_char] if text is not None else token.text
            for word in token.words:
                out.append("\t".join([str(word.id), form, word.lemma or "_", word.upos or "_",
                                      word.xpos or "_", word.feats or "_", str(word.head),
                                      word.deprel or "_", "_", "_"]))
        out.append("")
    return "\n".join(out) + "\n"


def score(gold_conllu: str, system_conllu: str, metrics: tuple[str, ...]) -> dict[str, float]:
    """F1 x 100 per metric, from Stanza's scorer."""
    from stanza.models.common.utils import ud_scores

    evaluation = ud_scores(io.StringIO(gold_conllu), io.StringIO(system_conllu))
    return {metric: round(100 * evaluation[metric].f1, 2) for metric in metrics}


def evaluate_gold_tokens(nlp, sentences: list[GoldSentence], pred_file: Path | None = None) -> dict:
    """Parse the gold words with ``nlp`` (a models.load_pipeline pipeline) and score them;
    the predicted CoNLL-U goes to ``pred_file`` when given."""
    started = time.perf_counter()
    doc = nlp([sentence.words for sentence in sentences])
    seconds = time.perf_counter() - started
    predicted = to_conllu(doc)
    words = sum(len(sentence.words) for sentence in sentences)
    if pred_file is not None:
        pred_file.write_text(predicted, encoding="utf-8")
    result = score("".join(s.conllu for s in sentences), predicted, GOLD_TOKEN_METRICS)
    result.update(words=words, seconds=round(seconds, 2), words_per_s=round(words / seconds, 1))
    return result


def evaluate_raw_text(parser, sentences: list[GoldSentence]) -> dict:
    """Parse each document's raw text with a pipeline.DocumentParser and score it."""
    texts = documents(sentences)
    parsed = parser.parse_stanza(texts)
    predicted = "".join(to_conllu(doc, text) for doc, text in zip(parsed, texts))
    return score("".join(s.conllu for s in sentences), predicted, RAW_TEXT_METRICS)


def regression_figure(doc: Path = MODELS_DOC, precision: str = "float32") -> tuple[str, int, float]:
    """(split, sentences, LAS) from the regression line of ``precision`` in docs/MODELS.md."""
    for match in REGRESSION_LINE.finditer(doc.read_text(encoding="utf-8")):
        if (match.group(1) or "float32") == precision:
            return match.group(2), int(match.group(3)), float(match.group(4))
    raise ValueError(f"no {precision} regression line ({REGRESSION_LINE.pattern}) in {doc}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("test", "dev"), default="test")
    ap.add_argument("--models", type=Path, help="a folder laid out like service/models/en, used "
                    "unless official models are configured (default: the models the server picks)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default: %(default)s)")
    ap.add_argument("--max-sentences", type=int, help="score only the first N sentences")
    ap.add_argument("--precision", choices=PRECISIONS, default="float32",
                    help="tagger and parser arithmetic, as the server's --parse-precision "
                         "(default: %(default)s)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    import torch

    from service.nlp import precision
    from service.nlp.models import load_pipeline, resolve_models
    from service.pipeline import load_parser

    spec = resolve_models(bundled_dir=args.models) if args.models else resolve_models()
    sentences = read_treebank(args.split, args.max_sentences)
    torch.set_num_threads(args.threads)
    fd, pred_name = tempfile.mkstemp(prefix=f"ewt-{args.split}-gold-tokens-", suffix=".conllu")
    os.close(fd)
    pred_file = Path(pred_name)
    nlp = load_pipeline(spec)
    chosen = precision.use(nlp, args.precision)
    gold_tokens = evaluate_gold_tokens(nlp, sentences, pred_file)
    gold_tokens["predicted_conllu"] = str(pred_file)
    raw_text = evaluate_raw_text(load_parser(bundled_dir=args.models, torch_threads=args.threads,
                                             parse_precision=chosen, parallel_batches=1), sentences)
    report = {
        "split": args.split, "sentences": len(sentences), "words": gold_tokens["words"],
        "models": {"name": spec.name, "version": spec.version, "source": spec.source,
                   "dir": str(spec.resources_dir)},
        "torch_threads": args.threads, "precision": chosen, "gold_tokens": gold_tokens,
        "raw_text": raw_text,
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"UD English-EWT {args.split}: {len(sentences)} sentences, {gold_tokens['words']} words; "
          f"models {spec.label} ({spec.source}, {spec.resources_dir}), {chosen}")
    metrics = list(dict.fromkeys(RAW_TEXT_METRICS[:2] + GOLD_TOKEN_METRICS))
    print(f"{'':12}" + "".join(f"{m:>10}" for m in metrics))
    for name, scores in (("gold tokens", gold_tokens), ("raw text", raw_text)):
        print(f"{name:12}" + "".join(f"{scores[m]:>10.2f}" if m in scores else f"{'-':>10}"
                                     for m in metrics))
    print(f"speed (gold tokens, {args.threads} torch threads): {gold_tokens['words_per_s']:.0f} "
          f"words/s ({gold_tokens['words']} words in {gold_tokens['seconds']:.1f} s)")
    print(f"predicted CoNLL-U (gold tokens): {gold_tokens['predicted_conllu']}")
    if args.max_sentences:
        label = "regression" if chosen == "float32" else f"regression {chosen}"
        print(f"<!-- {label}: {args.split}_first_{len(sentences)}_las={gold_tokens['LAS']:.2f} -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
