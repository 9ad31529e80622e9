"""Sort the quote extractor's errors on gold JSONL files into categories; compare two versions.

    quotes-dev errors --gold /work/shared/eval/soleimani-gold.jsonl \\
        --gold /work/shared/eval/polnear-train-sample-gold.jsonl \\
        [--models DIR] [--baseline-commit SHA] [--limit N] [--markdown OUT.md] [--examples N]

Every document is parsed once (one torch thread); the current extractor
(``service.attribution.extractor``) and, with ``--baseline-commit``, the ``service/attribution``
package of that commit (checked out in a git worktree, run in its own process) on the same
parses. Scoring
(matching, speaker check, P/R/F1) is ``clients.evaluation``'s, as defined in
shared/eval/README.md.

Categories: each error goes to exactly one, the first rule that applies.

Missed gold quotes (no prediction matched):
1. headline/caption: the quote starts in the document's first line (its title), or in a line
   that does not end in sentence-final punctuation (. ! ? : ..., closing marks and brackets
   ignored) or is in Title Case (3/4 of its words of 4+ letters capitalised). PolNeAR titles
   carry an added period, hence the first-line and Title Case tests; a short line alone is not
   enough (one-sentence news paragraphs are common: "Maher also suggested ...");
2. according to: the gold cue contains "according";
3. quote-mark pairing: a direct quote whose span holds quote marks or sits right inside them
   (a mark within 3 characters of either end), and no prediction overlaps it at all;
4. split quotes: a direct quote whose span holds two or more quote marks (an attribution between
   quoted parts) and a prediction overlaps less than half of it;
5. clause boundary: some prediction overlaps the span, too little to match (or it matched an
   overlapping gold quote instead);
6. cue lexicon: the gold cue, found in the text nearest the span, has no word whose lemma (the
   parse's, or a crude suffix-stripped guess) is in the version's cue_lemmas.txt (only the cue's
   verbs are checked when the parse tags one);
7. sentence splitting: the parse starts a sentence inside the span where the text before it does
   not end in . ! ? (closing marks ignored): a split in mid-sentence;
8. non-clausal content: the span holds no finite verb (parse feature VerbForm=Fin): an object
   noun phrase, infinitive or question the annotators counted as reported content ("urged the
   crowd to focus on ...", "asked about his tax returns"); the extractor looks for clauses;
9. other (parse): none of the above: a finite reported clause next to a known cue that the
   dependency parse did not attach to it (or the extractor's rules did not take).

Wrong speaker (matched, the gold quote has a speaker, the predicted one is wrong):
1. no speaker: the prediction has no speaker name or mention;
2. speaker NP span: the predicted mention or name and the gold speaker are the same words in
   another extent or form: one inside the other (whole words) or a shared capitalised name word
   ("Steven M. Ekovich" for "Mr. Ekovich", "Peter Morency" for "Peter Morency, a Verizon
   customer,"); pronouns are never compared. This comes before the pronoun rule: a pronoun
   resolved to the right person is not a resolution error. (A predicted mention merely in the
   gold speaker's sentence is not enough: on PolNeAR those were mostly other people or objects
   of the same sentence, i.e. wrong entities.)
3. pronoun resolution: the predicted mention is a pronoun (resolved to someone else);
4. wrong entity: anything else. Note: PolNeAR speakers are mentions, sometimes pronouns ("she"),
   so a prediction that names the right person at another mention counts as wrong here and in
   the score alike.

False positives (predictions matching no gold quote): by predicted type and whether they have
a cue.

Timing: only the extract() calls are timed (per version), over the parsed words; parsing is
timed once for all versions, so throughput including parsing can be compared too.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from clients.evaluation import (
    GoldDocument, GoldQuote, PredictedQuote, Range, evaluate, load_gold, match, overlap,
    speaker_correct)
from devtools import worktrees

QUOTE_MARKS = "\"\u201c\u201d\u201e\u201f\u00ab\u00bb"
CLOSERS = QUOTE_MARKS + "'\u2019)]} "
FINAL_PUNCTUATION = (".", "!", "?", ":", "\u2026")
CUE_WINDOW = 300  # characters either side of the gold span searched for the gold cue
PRONOUNS = frozenset("""i me my we us our you your he him his she her hers it its they them their
theirs who whom whose which that this these those one someone""".split())
TITLES = frozenset("mr mrs ms dr sen rep gov president the".split())

MISSED = ("headline/caption", "according to", "quote-mark pairing", "split quotes",
          "clause boundary", "cue lexicon", "sentence splitting", "non-clausal content",
          "other (parse)")
WRONG_SPEAKER = ("no speaker", "speaker NP span", "pronoun resolution", "wrong entity")
FALSE_POSITIVE = tuple(f"{t}, {c}" for t in ("direct", "indirect", "mixed")
                       for c in ("with cue", "no cue"))


# --- what the categoriser needs from a parse ---------------------------------------------------

@dataclass(frozen=True)
class ParseWord:
    start: int
    end: int
    text: str
    lemma: str
    upos: str
    feats: str = ""


@dataclass
class ParseInfo:
    words: list[ParseWord] = field(default_factory=list)
    sentences: list[Range] = field(default_factory=list)  # character ranges

    @classmethod
    def from_stanza(cls, doc) -> "ParseInfo":
        info = cls()
        for sentence in doc.sentences:
            words = []
            for word in sentence.words:
                start = word.start_char if word.start_char is not None else word.parent.start_char
                end = word.end_char if word.end_char is not None else word.parent.end_char
                words.append(ParseWord(start, end, word.text, word.lemma or word.text,
                                       word.upos or "X", word.feats or ""))
            if words:
                info.words.extend(words)
                info.sentences.append((words[0].start, words[-1].end))
        return info


@dataclass(frozen=True)
class Lexicon:
    """A version's cue lemmas: single lemmas, and (lemma, particle) pairs."""

    lemmas: frozenset[str]
    phrasal: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, cues_module) -> "Lexicon":
        lexicon = cues_module.default_lexicon()
        return cls(lexicon.reporting | lexicon.manner, lexicon.phrasal | lexicon.phrasal_manner)


# --- categories --------------------------------------------------------------------------------

def _line_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start:end if end >= 0 else len(text)]


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(CLOSERS).endswith(FINAL_PUNCTUATION)


def _title_case(line: str) -> bool:
    long_words = [w for w in line.split() if len(w) >= 4 and w[0].isalpha()]
    return bool(long_words) and sum(w[0].isupper() for w in long_words) >= 0.75 * len(long_words)


def is_headline(text: str, span: Range) -> bool:
    first_line_end = text.find("\n")
    if first_line_end < 0 or span[0] < first_line_end:
        return True  # the document's title
    line = _line_of(text, span[0])
    return not _ends_sentence(line) or _title_case(line)


def _marks_around(text: str, span: Range) -> bool:
    inside = text[span[0]:span[1]]
    near = text[max(0, span[0] - 3):span[0]] + text[span[1]:span[1] + 3]
    return any(ch in QUOTE_MARKS for ch in inside + near)


def crude_lemmas(word: ParseWord) -> list[str]:
    """The parse's lemma, the word itself, and suffix-stripped guesses ("tweeted" -> "tweet")."""
    lower = word.text.lower()
    out = [word.lemma.lower(), lower]
    for suffix, replacement in (("ied", "y"), ("ies", "y"), ("ing", ""), ("ing", "e"),
                                ("ed", ""), ("ed", "e"), ("es", ""), ("s", "")):
        if lower.endswith(suffix) and len(lower) > len(suffix) + 2:
            stem = lower[:-len(suffix)] + replacement
            out.append(stem)
            if not replacement and stem[-1] == stem[-2]:
                out.append(stem[:-1])  # quipped -> quip
    return out


def find_cue(text: str, gold: GoldQuote, parse: ParseInfo) -> list[ParseWord] | None:
    """The parse's words of the gold cue's occurrence nearest the span; None if not found."""
    cue = gold.cue.strip().lower()
    if not cue:
        return None
    low, high = max(0, gold.span[0] - CUE_WINDOW), min(len(text), gold.span[1] + CUE_WINDOW)
    pattern = re.compile(r"(?<!\w)" + re.escape(cue) + r"(?!\w)")
    best = None
    for found in pattern.finditer(text.lower(), low, high):
        distance = max(gold.span[0] - found.end(), found.start() - gold.span[1], 0)
        if best is None or distance < best[0]:
            best = (distance, found.start(), found.end())
    if best is None:
        return None
    words = [w for w in parse.words if w.start < best[2] and w.end > best[1]]
    return words or None


def cue_in_lexicon(words: list[ParseWord], lexicon: Lexicon) -> bool:
    heads = [i for i, w in enumerate(words) if w.upos in ("VERB", "AUX")] or range(len(words))
    for i in heads:
        following = words[i + 1].text.lower() if i + 1 < len(words) else ""
        for lemma in crude_lemmas(words[i]):
            if lemma in lexicon.lemmas or (lemma, following) in lexicon.phrasal:
                return True
    return False


def split_mid_sentence(text: str, span: Range, parse: ParseInfo) -> bool:
    return any(span[0] < start < span[1] and not _ends_sentence(text[span[0]:start])
               for start, _end in parse.sentences)


def missed_category(text: str, gold: GoldQuote, predicted: list[Range], parse: ParseInfo,
                    lexicon: Lexicon) -> str:
    """The category of a gold quote no prediction matched (rules in the module docstring)."""
    length = gold.span[1] - gold.span[0]
    overlaps = [overlap(gold.span, p) for p in predicted if overlap(gold.span, p) > 0]
    if is_headline(text, gold.span):
        return "headline/caption"
    if "according" in gold.cue.lower():
        return "according to"
    if gold.type == "direct" and _marks_around(text, gold.span) and not overlaps:
        return "quote-mark pairing"
    inner_marks = sum(ch in QUOTE_MARKS for ch in text[gold.span[0]:gold.span[1]])
    if gold.type == "direct" and inner_marks >= 2 and any(2 * o < length for o in overlaps):
        return "split quotes"
    if overlaps:
        return "clause boundary"
    cue_words = find_cue(text, gold, parse)
    if cue_words is not None and not cue_in_lexicon(cue_words, lexicon):
        return "cue lexicon"
    if split_mid_sentence(text, gold.span, parse):
        return "sentence splitting"
    if not any("VerbForm=Fin" in w.feats for w in parse.words
               if gold.span[0] <= w.start and w.end <= gold.span[1]):
        return "non-clausal content"
    return "other (parse)"


def _name_words(phrase: str) -> set[str]:
    """Capitalised words of 3+ letters, possessives and punctuation stripped, titles left out."""
    words = set()
    for raw in phrase.split():
        word = re.sub(r"['\u2019]s?$", "", raw.strip(".,;:()[]\"'\u2018\u2019\u201c\u201d"))
        if len(word) >= 3 and word[0].isupper() and word.lower() not in TITLES:
            words.add(word.lower())
    return words


def _contains_phrase(outer: str, inner: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(inner.lower()) + r"(?!\w)", outer.lower()) is not None


def same_entity_other_words(expected: str, found: PredictedQuote) -> bool:
    """The predicted speaker names the gold one with other words ("Steven M. Ekovich" for
    "Mr. Ekovich"): a shared name word, or one phrase inside the other (pronouns left out)."""
    expected = expected.strip()
    if not expected:
        return False
    for said in (found.speaker_mention.strip(), found.speaker_name.strip()):
        if not said or said.lower() in PRONOUNS or expected.lower() in PRONOUNS:
            continue
        if (_contains_phrase(expected, said) or _contains_phrase(said, expected)
                or _name_words(said) & _name_words(expected)):
            return True
    return False


def speaker_category(text: str, gold: GoldQuote, found: PredictedQuote) -> str:
    """The category of a matched quote whose speaker is wrong (rules in the module docstring)."""
    mention = found.speaker_mention.strip()
    if not (mention or found.speaker_name.strip()):
        return "no speaker"
    expected = gold.speaker or (text[gold.speaker_span[0]:gold.speaker_span[1]]
                                if gold.speaker_span else "")
    if same_entity_other_words(expected, found):
        return "speaker NP span"
    if mention.lower() in PRONOUNS:
        return "pronoun resolution"
    return "wrong entity"


def false_positive_category(quote: PredictedQuote) -> str:
    return f"{quote.type}, {'with cue' if quote.cue else 'no cue'}"


@dataclass(frozen=True)
class Categorised:
    group: str  # "missed", "wrong speaker", "false positive"
    category: str
    span: Range  # the gold quote's (missed, wrong speaker) or the prediction's (false positive)
    type: str
    note: str = ""  # the speakers, for a wrong speaker


def categorise(document: GoldDocument, predicted: list[PredictedQuote], parse: ParseInfo,
               lexicon: Lexicon) -> list[Categorised]:
    """Every error in one document, with its category."""
    text = document.text
    spans = [p.span for p in predicted]
    by_gold = dict(match([g.span for g in document.quotes], spans))
    errors = []
    for g, gold in enumerate(document.quotes):
        if g not in by_gold:
            errors.append(Categorised("missed", missed_category(text, gold, spans, parse, lexicon),
                                      gold.span, gold.type, f"cue {gold.cue!r}"))
        elif gold.has_speaker and not speaker_correct(gold, predicted[by_gold[g]]):
            found = predicted[by_gold[g]]
            expected = gold.speaker or text[gold.speaker_span[0]:gold.speaker_span[1]]
            errors.append(Categorised(
                "wrong speaker", speaker_category(text, gold, found), gold.span, gold.type,
                f"expected {expected!r}, got {found.speaker_name!r} ({found.speaker_mention!r})"))
    matched = set(by_gold.values())
    for p, quote in enumerate(predicted):
        if p not in matched:
            errors.append(Categorised("false positive", false_positive_category(quote),
                                      quote.span, quote.type, f"cue {quote.cue!r}"))
    return errors


# --- versions of the extractor -----------------------------------------------------------------

@dataclass
class Version:
    name: str
    extract: object  # extract(stanza_doc, text) -> Attribution; None when ``predict`` is set
    lexicon: Lexicon
    seconds: float = 0.0
    failures: int = 0
    # All documents at once (a baseline in its own process); returns their predictions.
    predict: object = None


def current_version() -> Version:
    from service.attribution import cues
    from service.pipeline import QuotePipeline, load_attribution_models

    # the rules as served without the quote scorer: speakers ranked, boundaries redrawn
    rules = QuotePipeline(None, load_attribution_models("off"))
    return Version("current", _on_stanza_docs(rules.extract), Lexicon.of(cues))


def _required_parameters(function) -> int:
    """Parameters without a default: extract(doc) later took an optional quote scorer."""
    return sum(1 for p in inspect.signature(function).parameters.values() if p.default is p.empty)


def _on_stanza_docs(extract):
    """``extract`` as extract(stanza_doc, text): extractors from before the parser seam took
    Stanza Documents; later ones take a ParsedDocument."""
    if _required_parameters(extract) == 2:
        return extract
    from service.nlp.pipeline import to_parsed_document
    return lambda doc, text: extract(to_parsed_document([doc], text))


# Runs in a git worktree of the baseline commit (its own service package on sys.path): reads the
# shared parses as JSON on stdin, writes the cue lexicon and each document's predictions.
_BASELINE_RUNNER = r"""
import inspect, json, sys, time
import stanza
from service.attribution import cues, extractor

if sum(1 for p in inspect.signature(extractor.extract).parameters.values()
       if p.default is p.empty) == 1:  # after the parser seam (later: an optional scorer too)
    from service.nlp.pipeline import to_parsed_document
    def run(doc, text):
        return extractor.extract(to_parsed_document([doc], text))
else:
    run = extractor.extract
lexicon = cues.default_lexicon()
out = {"lemmas": sorted(lexicon.reporting | lexicon.manner),
       "phrasal": sorted(lexicon.phrasal | lexicon.phrasal_manner),
       "predictions": [], "seconds": 0.0, "failures": []}
for item in json.load(sys.stdin):
    doc = stanza.Document(item["sentences"], text=item["doc_text"])
    started = time.perf_counter()
    try:
        attribution = run(doc, item["text"])
    except Exception as exc:
        out["seconds"] += time.perf_counter() - started
        out["failures"].append(f"{item['id']}: {exc!r}")
        out["predictions"].append([])
        continue
    out["seconds"] += time.perf_counter() - started
    quotes = []
    for q in attribution.quotes:
        s = q.speaker
        span = s.mention_span if s is not None else None
        quotes.append({"type": q.type.value, "span": [q.span.start, q.span.end], "text": q.text,
                       "speaker_name": s.name if s else "", "speaker_mention": s.mention if s else "",
                       "mention_span": [span.start, span.end] if span else None,
                       "cue": q.cue.text if q.cue is not None else "",
                       "rule": getattr(q, "rule", "")})
    out["predictions"].append(quotes)
json.dump(out, sys.stdout)
"""


def baseline_version(commit: str, folder: Path) -> Version:
    """The extractor of ``commit``, run from a git worktree in a subprocess on the same parses
    (its own code, imported as it was; nothing rewritten)."""
    worktree = worktrees.add(commit, folder / "baseline")
    version = Version(f"baseline {commit}", None, Lexicon(frozenset(), frozenset()))

    def predict(documents: list[GoldDocument], parsed: list) -> list:
        payload = [{"id": d.id, "text": d.text, "doc_text": doc.text, "sentences": doc.to_dict()}
                   for d, doc in zip(documents, parsed)]
        result = subprocess.run([sys.executable, "-c", _BASELINE_RUNNER], cwd=worktree,
                                env=worktrees.python_env(worktree),
                                input=json.dumps(payload), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"baseline {commit} failed:\n{result.stderr[-3000:]}")
        out = json.loads(result.stdout)
        version.lexicon = Lexicon(frozenset(out["lemmas"]),
                                  frozenset(tuple(pair) for pair in out["phrasal"]))
        version.seconds += out["seconds"]
        version.failures += len(out["failures"])
        for failure in out["failures"]:
            print(f"{version.name}: extract failed on {failure}", file=sys.stderr)
        return [[PredictedQuote(type=q["type"], span=tuple(q["span"]), text=q["text"],
                                speaker_name=q["speaker_name"], speaker_mention=q["speaker_mention"],
                                mention_span=tuple(q["mention_span"]) if q["mention_span"] else None,
                                cue=q["cue"], rule=q["rule"]) for q in quotes]
                for quotes in out["predictions"]]

    version.predict = predict
    return version


def remove_worktrees(folder: Path) -> None:
    worktrees.remove(folder / "baseline")


def predicted_quotes(attribution) -> list[PredictedQuote]:
    out = []
    for quote in attribution.quotes:
        speaker = quote.speaker
        mention_span = speaker.mention_span if speaker is not None else None
        out.append(PredictedQuote(
            type=quote.type.value, span=(quote.span.start, quote.span.end), text=quote.text,
            speaker_name=speaker.name if speaker is not None else "",
            speaker_mention=speaker.mention if speaker is not None else "",
            mention_span=(mention_span.start, mention_span.end) if mention_span else None,
            cue=quote.cue.text if quote.cue is not None else "",
            rule=getattr(quote, "rule", "")))
    return out


def run_version(version: Version, documents: list[GoldDocument], parsed: list) -> list:
    """Predictions per document; only the extract() calls are timed."""
    if version.predict is not None:
        return version.predict(documents, parsed)
    predictions = []
    for document, doc in zip(documents, parsed):
        started = time.perf_counter()
        try:
            attribution = version.extract(doc, document.text)
        except Exception as exc:  # one bad document must not hide the rest of the comparison
            version.seconds += time.perf_counter() - started
            version.failures += 1
            print(f"{version.name}: extract failed on {document.id}: {exc!r}", file=sys.stderr)
            predictions.append([])
            continue
        version.seconds += time.perf_counter() - started
        predictions.append(predicted_quotes(attribution))
    return predictions


# --- report ------------------------------------------------------------------------------------

def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _found_by_rule(documents: list[GoldDocument], predictions: list) -> dict[str, tuple[int, int]]:
    """Per rule that found them: (quotes predicted, of those matched to a gold quote)."""
    table: dict[str, list[int]] = {}
    for document, predicted in zip(documents, predictions):
        matched = {p for _g, p in match([g.span for g in document.quotes],
                                         [p.span for p in predicted])}
        for index, quote in enumerate(predicted):
            counts = table.setdefault(quote.rule, [0, 0])
            counts[0] += 1
            counts[1] += index in matched
    return {rule: (n, m) for rule, (n, m) in table.items()}


def gold_file_report(path: str, documents: list[GoldDocument], parsed: list,
                     versions: list[Version], parse_seconds: float, examples: int) -> str:
    infos = [ParseInfo.from_stanza(doc) for doc in parsed]
    words = sum(len(info.words) for info in infos)
    counts, reports, samples, by_rule = [], [], [], []
    for version in versions:
        version.seconds, version.failures = 0.0, 0
        predictions = run_version(version, documents, parsed)
        reports.append(evaluate(zip(documents, predictions)))
        counter: Counter = Counter()
        sample: dict[tuple[str, str], list[str]] = {}
        for document, predicted, info in zip(documents, predictions, infos):
            for error in categorise(document, predicted, info, version.lexicon):
                counter[error.group, error.category] += 1
                start, end = error.span
                sample.setdefault((error.group, error.category), []).append(
                    f"{document.id} {start}-{end} {error.type}: "
                    f"{_short(document.text[start:end])!r}; {error.note}")
        counts.append(counter)
        samples.append(sample)
        by_rule.append(_found_by_rule(documents, predictions))

    names = [v.name for v in versions]
    lines = [f"### {Path(path).name}: {len(documents)} documents, "
             f"{sum(len(d.quotes) for d in documents)} gold quotes, {words} words", "",
             "| category | " + " | ".join(names) + " |",
             "|---|" + "---:|" * len(versions)]
    for group, categories in (("missed", MISSED), ("wrong speaker", WRONG_SPEAKER),
                              ("false positive", FALSE_POSITIVE)):
        totals = [sum(c[group, k] for k in categories) for c in counts]
        lines.append(f"| **{group}** | " + " | ".join(f"**{t}**" for t in totals) + " |")
        for category in categories:
            lines.append(f"| {group}: {category} | "
                         + " | ".join(str(c[group, category]) for c in counts) + " |")
    lines += ["", "| metric | " + " | ".join(names) + " |", "|---|" + "---:|" * len(versions)]
    rows = [("predicted / matched", lambda r, v: f"{r.counts.predicted} / {r.counts.matched}"),
            ("precision", lambda r, v: f"{r.precision:.3f}"),
            ("recall", lambda r, v: f"{r.recall:.3f}"),
            ("F1", lambda r, v: f"{r.f1:.3f}"),
            ("speaker accuracy", lambda r, v: f"{r.speaker_accuracy:.3f} ({r.counts.speaker_right}"
                                              f"/{r.counts.with_speaker})"),
            ("extract time (s)", lambda r, v: f"{v.seconds:.2f}"),
            ("extract words/s", lambda r, v: f"{words / max(v.seconds, 1e-9):,.0f}"),
            ("parse + extract words/s",
             lambda r, v: f"{words / max(parse_seconds + v.seconds, 1e-9):,.0f}")]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(r, v) for r, v in zip(reports, versions))
                     + " |")
    lines += ["", f"Parse time (once, shared by all versions, 1 torch thread): "
                  f"{parse_seconds:.1f} s, {words / max(parse_seconds, 1e-9):,.0f} words/s."]
    if len(versions) == 2:
        before, after = (parse_seconds + v.seconds for v in versions)
        lines.append(f"Throughput (parse + extract), {versions[1].name} / {versions[0].name}: "
                     f"{before / max(after, 1e-9):.3f}; extract alone: "
                     f"{versions[0].seconds / max(versions[1].seconds, 1e-9):.2f}.")
    rules = sorted({rule for table in by_rule for rule in table})
    if rules:
        lines += ["", "| rule: predicted / matched (precision) | " + " | ".join(names) + " |",
                  "|---|" + "---:|" * len(versions)]
        for rule in rules:
            cells = []
            for table in by_rule:
                predicted, matched = table.get(rule, (0, 0))
                cells.append(f"{predicted} / {matched} ({matched / predicted:.2f})" if predicted
                             else "-")
            lines.append(f"| {rule or '(not given)'} | " + " | ".join(cells) + " |")
    failed = [f"{v.name}: {v.failures}" for v in versions if v.failures]
    if failed:
        lines.append(f"Documents whose extract() raised (scored as no quotes): "
                     f"{', '.join(failed)}.")
    if examples:
        for version, sample in zip(versions, samples):
            lines += ["", f"Examples ({version.name}):"]
            for (group, category), items in sorted(sample.items()):
                lines.append(f"- {group}: {category} ({len(items)})")
                lines += [f"    - {item}" for item in items[:examples]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", action="append", required=True, help="gold JSONL (repeatable)")
    parser.add_argument("--models", help="models folder in the bundled layout "
                                          "(default: service/models/en)")
    parser.add_argument("--baseline-commit", help="compare with service/attribution of this commit")
    parser.add_argument("--limit", type=int, help="first N documents of each gold file")
    parser.add_argument("--markdown", help="write the report to this file too")
    parser.add_argument("--examples", type=int, default=0,
                        help="list up to N examples per category and version")
    args = parser.parse_args(argv)

    from service.pipeline import load_parser

    document_parser = load_parser(bundled_dir=args.models, parallel_batches=1)
    with tempfile.TemporaryDirectory(prefix="baseline-attribution-") as folder:
        try:
            return _report(args, document_parser, Path(folder))
        finally:
            remove_worktrees(Path(folder))


def _report(args, document_parser, folder: Path) -> int:
    versions = []
    if args.baseline_commit:
        versions.append(baseline_version(args.baseline_commit, folder))
    versions.append(current_version())
    spec = document_parser.spec
    sections = [f"## Error categories ({', '.join(v.name for v in versions)}; "
                f"models {spec.label} from {spec.resources_dir})"]
    for path in args.gold:
        documents = load_gold(path)[:args.limit]
        started = time.perf_counter()
        parsed = []
        for at in range(0, len(documents), 16):
            parsed += document_parser.parse_stanza([d.text for d in documents[at:at + 16]])
        parse_seconds = time.perf_counter() - started
        sections.append(gold_file_report(path, documents, parsed, versions, parse_seconds,
                                         args.examples))
        print(sections[-1] + "\n", flush=True)
    if args.markdown:
        Path(args.markdown).write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
