"""The training command's trainer invocations (built, not run: training takes an hour)."""

from __future__ import annotations

from pathlib import Path

from devtools import train_models as train


def _jobs(tmp_path: Path, *argv: str, out_has: tuple[str, ...] = (), best_tagger: bool = False):
    args = train.parse_args(["--out", str(tmp_path / "out"), "--work", str(tmp_path / "work"), *argv])
    out, work = tmp_path / "out", tmp_path / "work"
    for name in out_has:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(b"")
    if best_tagger:
        (work / "tagger").mkdir(parents=True, exist_ok=True)
        (work / "tagger" / "tagger.pt").write_bytes(b"")
    files = {split: tmp_path / f"en_ewt-ud-{split}.conllu" for split in ("train", "dev", "test")}
    start = args.continue_from.resolve() if args.continue_from else None
    return train.trainer_jobs(args, set(args.steps.split(",")), files, work / "data" / "train.conllu",
                              work, out, out / train.PRETRAIN_FILE, start)


def _value(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


def test_from_scratch_trains_both_without_a_starting_model(tmp_path):
    jobs = _jobs(tmp_path)
    assert set(jobs) == {"tagger", "parser"}
    assert "--continue_from" not in jobs["parser"]
    assert _value(jobs["tagger"], "--resume_from") == str(tmp_path / "work" / "tagger" / "tagger.pt")
    assert "--tag_emb_dim" in jobs["parser"] and _value(jobs["parser"], "--tag_emb_dim") == "0"


def test_continue_from_starts_both_trainers_from_the_given_models(tmp_path):
    start = tmp_path / "shipped"
    jobs = _jobs(tmp_path, "--continue-from", str(start), "--parser-lr", "0.0015", "--tagger-lr", "0.001")
    assert _value(jobs["parser"], "--continue_from") == str(start.resolve() / train.PARSER_FILE)
    assert _value(jobs["tagger"], "--resume_from") == str(start.resolve() / train.TAGGER_FILE)
    # the override comes after the configured rate, so argparse keeps it
    parser_lrs = [jobs["parser"][i + 1] for i, a in enumerate(jobs["parser"]) if a == "--lr"]
    assert parser_lrs[-1] == "0.0015"
    assert _value(jobs["tagger"], "--lr") == "0.001"


def test_a_stopped_continued_tagger_resumes_from_its_own_best_model(tmp_path):
    jobs = _jobs(tmp_path, "--continue-from", str(tmp_path / "shipped"), best_tagger=True)
    assert _value(jobs["tagger"], "--resume_from") == str(tmp_path / "work" / "tagger" / "tagger.pt")


def test_models_already_in_out_are_not_retrained(tmp_path):
    assert _jobs(tmp_path / "a", out_has=(train.TAGGER_FILE, train.PARSER_FILE)) == {}
    assert set(_jobs(tmp_path / "b", out_has=(train.TAGGER_FILE,))) == {"parser"}
    assert set(_jobs(tmp_path / "c", "--steps", "parser")) == {"parser"}
