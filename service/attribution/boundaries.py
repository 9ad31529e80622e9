"""Learned content boundaries: where a reported clause really ends and starts.

The clause finders cut a report where the parse's subtree ends: 'said [the lowest-paid workers
make $12 an hour in low-cost regions] and have salaries that touch $16.50 ...' loses its
coordinated predicate, 'said [it would cost $374 billion over 10 years] because ...' its reason,
'told the crowd [to welcome the governor]' the subject the parse hung on the cue. Annotated news
(PolNeAR) shows which way a reader draws them, so for each indirect or mixed quote this module
proposes the other boundaries a reader would weigh:

- end: the end of the sentence (``END_OPTION``), when nothing of another report, no cue and no
  speaker lies between;
- start: right after the cue (skipping a 'that'), when the cue comes before the content; or the
  start of the sentence, when the attribution follows the content ('X, officials said');

and a tree ensemble (the quote scorer's format and runtime, ``scorer.QuoteScorer``) trained on
PolNeAR train (``quotes-dev train-boundaries``) says for each option how likely it is to be the
annotators' boundary; an option is taken when that probability passes the model's threshold
(chosen by cross-validation on train). Quotes keep their cue, speaker and confidence; only
``span``, ``text``, ``parts`` and ``words`` move.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from service.attribution import cues as cue_lexicon
from service.attribution import lexicon
from service.document import FINITE_XPOS, ParsedDocument, Word
from service.attribution.spans import Attribution, Quote, QuoteType, Span

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "attribution" / "boundary_model.json"
END_OPTION = "end:sentence"
START_AFTER_CUE = "start:after_cue"
START_SENTENCE = "start:sentence"
OPTIONS = (END_OPTION, START_AFTER_CUE, START_SENTENCE)
MAX_EXTENSION_WORDS = 60  # a longer stretch is another sentence's worth, not a boundary slip

_MARKS = ('"', "''", "``", "\u201c", "\u201d")
_JOINERS = (",", ";", ":", "and", "but", "because", "as", "which", "who", "while", "after",
            "before", "when", "so", "or", "(", "-", "--", "\u2014", "\u2013", "if", "although",
            "though", "since", "until", "unless", "whether", "that", "where", "even", "including")
_RELS = ("conj", "advcl", "ccomp", "acl", "acl:relcl", "parataxis", "obl", "nmod", "punct", "cc",
         "obj", "xcomp", "advmod", "nsubj", "mark", "appos", "root", "dep", "case")
_RULES = ("complement", "split", "adjacent", "colon", "according", "surface", "parenthetical",
          "object", "topic", "context")


class Option:
    """One other boundary for one quote: the words it adds, and the span it would give."""

    def __init__(self, name: str, span: Span, added: list[Word]) -> None:
        self.name, self.span, self.added = name, span, added


def options(doc: ParsedDocument, quote: Quote, blocked: list[Span]) -> list[Option]:
    """The boundaries a reader might draw instead of the rules' for ``quote``; none may take in
    a span of ``blocked`` (cues, speaker mentions, other quotes)."""
    if quote.type is QuoteType.DIRECT or len(quote.span) == 0 or len(quote.parts) > 1:
        return []  # (a report around an inserted attribution keeps the parts its finder drew)
    first, last = doc.word_at(quote.span.start), doc.word_at(quote.span.end - 1)
    if first is None or last is None:
        return []
    out = []
    sentence = doc.sentences[last.sentence]
    tail = [w for w in doc.words[last.index + 1:sentence.stop]]
    while tail and tail[-1].upos == "PUNCT":
        tail.pop()
    if tail and len(tail) <= MAX_EXTENSION_WORDS and not _speaker_act(doc, tail, quote):
        span = Span(quote.span.start, tail[-1].end)
        if _free(Span(quote.span.end, tail[-1].end), blocked):
            out.append(Option(END_OPTION, span, tail))
    opening = doc.sentences[first.sentence]
    cue = quote.cue
    if cue is not None and cue.span.end <= quote.span.start:
        cue_last = doc.word_at(cue.span.end - 1)
        if cue_last is not None and cue_last.sentence == first.sentence:
            head = [w for w in doc.words[cue_last.index + 1:first.index]]
            while head and (head[0].upos == "PUNCT" or head[0].lemma.lower() == "that"
                            and head[0].upos in ("SCONJ", "PRON", "DET")):
                head.pop(0)
            if head and len(head) <= MAX_EXTENSION_WORDS and _free(Span(head[0].start, quote.span.start), blocked):
                out.append(Option(START_AFTER_CUE, Span(head[0].start, quote.span.end), head))
    elif cue is not None and cue.span.start >= quote.span.end:
        head = [w for w in doc.words[opening.start:first.index]]
        while head and head[0].upos == "PUNCT":
            head.pop(0)
        if head and len(head) <= MAX_EXTENSION_WORDS and _free(Span(head[0].start, quote.span.start), blocked):
            out.append(Option(START_SENTENCE, Span(head[0].start, quote.span.end), head))
    return out


def _speaker_act(doc: ParsedDocument, added: list[Word], quote: Quote) -> bool:
    """Whether the added words are the speaker's own next act rather than more of what was
    said: a verb hung on the cue (or before the quote) as a participle or as a coordinated
    predicate with no subject and no 'that' of its own ('said X, but did not provide details';
    not 'said X and that Y', 'said X, and people were still Y'), or a participle of blaming,
    citing, praising... wherever the parse hung it ('said X, blaming Y')."""
    indices = {w.index for w in added}
    cue = quote.cue.span if quote.cue is not None else None
    for w in added:
        head = doc.head_of(w)
        if head is None or head.index in indices or w.upos not in ("VERB", "AUX"):
            continue
        if w.xpos == "VBG" and (w.lemma.lower() in lexicon.SPEAKER_PARTICIPLES
                                or cue_lexicon.match_cue(doc, w) is not None):
            return True  # ', blaming the storm', ', adding that ...': the reporter's act
        if not (head.start < quote.span.start or cue is not None and cue.start <= head.start < cue.end):
            continue
        if w.xpos == "VBG":
            return True
        own_subject = doc.children(w, "nsubj", "nsubj:pass", "expl")
        own_mark = any(k.lemma.lower() in ("that", "whether", "if") for k in doc.children(w, "mark"))
        if w.rel == "conj" and not own_subject and not own_mark:
            return True
    return False


def _free(stretch: Span, blocked: list[Span]) -> bool:
    return all(stretch.overlap(b) == 0 for b in blocked)


def blocked_spans(attribution: Attribution, quote: Quote) -> list[Span]:
    """What no boundary of ``quote`` may take in: every cue and speaker mention of the
    document, and every other quote."""
    out = []
    for q in attribution.quotes:
        if q.cue is not None:
            out.append(q.cue.span)
        if q.speaker is not None and q.speaker.mention_span is not None:
            out.append(q.speaker.mention_span)
        if q is not quote:
            out.append(q.span)
    return out


def option_features(doc: ParsedDocument, quote: Quote, option: Option) -> dict[str, float]:
    """What the model weighs about one option: the words it adds, how they hang on the parse,
    and the quote it would change."""
    f: dict[str, float] = {"option=" + option.name: 1.0, "type=" + quote.type.value: 1.0}
    if quote.rule in _RULES:
        f["rule=" + quote.rule] = 1.0
    added = option.added
    content = [w for w in added if w.upos != "PUNCT"]
    f["added_words"] = float(len(content))
    f["added_tokens"] = float(len(added))
    f["quote_words"] = float(len(doc.words_between(quote.span.start, quote.span.end)))
    edge = added[0] if option.name == END_OPTION else added[-1]
    # the token where the option joins the quote, and the next one
    if option.name == END_OPTION:
        before = doc.words[edge.index - 1] if edge.index > 0 else None
        joint = [before, edge] + ([added[1]] if len(added) > 1 else [])
    else:
        after = doc.words[edge.index + 1] if edge.index + 1 < len(doc.words) else None
        joint = [edge, after]
    for k, w in enumerate(joint):
        if w is None:
            continue
        low = w.text.lower()
        f[f"joint{k}=" + (low if low in _JOINERS else w.upos)] = 1.0
        if w.rel in _RELS:
            f[f"joint{k}_rel=" + w.rel] = 1.0
    first = added[0]
    f["first_upos=" + first.upos] = 1.0
    if first.text.lower() in _JOINERS:
        f["first=" + first.text.lower()] = 1.0
    f["added_verbs"] = float(sum(1 for w in content if w.upos in ("VERB", "AUX")))
    f["added_finite"] = float(sum(1 for w in content if w.xpos in FINITE_XPOS))
    f["added_vbg"] = float(sum(1 for w in content if w.xpos == "VBG"))
    f["added_commas"] = float(sum(1 for w in added if w.text == ","))
    f["added_marks"] = float(sum(1 for w in added if w.text in _MARKS))
    f["added_cues"] = float(sum(1 for w in content if cue_lexicon.match_cue(doc, w) is not None))
    f["added_subject"] = float(any(w.rel in ("nsubj", "nsubj:pass", "expl") for w in content))
    # where the added words' heads are: inside the quote, on the cue, elsewhere
    inside = outside = on_cue = 0
    cue_word = doc.word_at(quote.cue.span.start) if quote.cue is not None else None
    for w in content:
        head = doc.head_of(w)
        if head is None:
            continue
        if cue_word is not None and head.index == cue_word.index:
            on_cue += 1
        elif quote.span.start <= head.start < quote.span.end:
            inside += 1
        elif not (option.span.start <= head.start < option.span.end):
            outside += 1
    f["heads_inside"] = float(inside)
    f["heads_on_cue"] = float(on_cue)
    f["heads_outside"] = float(outside)
    if cue_word is not None:
        f["cue_lemma_say"] = float(cue_word.lemma.lower() == "say")
        f["cue_vbg"] = float(cue_word.xpos == "VBG")
        f["cue_gap_words"] = float(abs(len(doc.words_between(min(cue_word.end, quote.span.start),
                                                              max(cue_word.start, quote.span.start)))))
    text = doc.text
    f["quote_ends_comma"] = float(text[quote.span.end:quote.span.end + 1] == ",")
    f["quote_in_marks_share"] = float(sum(1 for w in doc.words_between(quote.span.start, quote.span.end)
                                          if w.text in _MARKS))
    return f


def candidates(doc: ParsedDocument, attribution: Attribution) -> list[tuple[int, Option, dict[str, float]]]:
    """Every (quote index, option, features) of a document, in quote order."""
    out = []
    for i, quote in enumerate(attribution.quotes):
        for option in options(doc, quote, blocked_spans(attribution, quote)):
            out.append((i, option, option_features(doc, quote, option)))
    return out


class BoundaryModel:
    """A loaded boundary model: the quote scorer's tree format over ``option_features``, with
    one threshold for taking an option."""

    def __init__(self, model: dict) -> None:
        from service.attribution.scorer import QuoteScorer

        self.trees = QuoteScorer({**model, "format": "quote-scorer/1"})
        self.threshold = float(model["threshold"])
        self.version = str(model.get("version", ""))

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> "BoundaryModel":
        import json

        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def apply(self, doc: ParsedDocument, attribution: Attribution) -> Attribution:
        """``attribution`` with each quote's boundaries moved where an option passes the
        threshold (the likeliest end option and start option, each at most once)."""
        found = candidates(doc, attribution)
        if not found:
            return attribution
        probabilities = self.trees.probabilities([f for _, _, f in found])
        best: dict[tuple[int, str], tuple[float, Option]] = {}
        for (i, option, _), p in zip(found, probabilities):
            side = option.name.split(":")[0]
            if p >= self.threshold and p > best.get((i, side), (0.0, None))[0]:
                best[(i, side)] = (p, option)
        if not best:
            return attribution
        quotes = list(attribution.quotes)
        for i, quote in enumerate(quotes):
            start, end = quote.span.start, quote.span.end
            if (i, "start") in best:
                start = best[(i, "start")][1].span.start
            if (i, "end") in best:
                end = best[(i, "end")][1].span.end
            if (start, end) != (quote.span.start, quote.span.end):
                span = Span(start, end)
                text = doc.text[start:end]
                quotes[i] = replace(quote, span=span, text=text, parts=[span], words=text)
        return replace(attribution, quotes=quotes)
