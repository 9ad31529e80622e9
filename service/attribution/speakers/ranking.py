"""Speaker resolution as a ranking: candidate mentions for each quote, scored by a learned model.

The rules (``speakers.heads.speaker_head`` and the passes of ``extractor``) propose one speaker mention
per quote, the *chain's answer*. Here each quote also gets the other mentions a reader would weigh:
the parse subjects of its cue and of the verb it hangs on, the head its chain mention is in
apposition with (or the apposition of it), the nearest name before and after the cue in its
sentence, the nearest noun phrase before the cue, the speaker of the quote just before it (a
quotation run) and, for a quotation without a cue, the first name after it in its paragraph. Each
candidate gets features (where it came from, its form, relation to the cue, distances, person- or
organisation-like words, how often the document names it and quotes it, the quote's rule and type,
how the chain's answer resolved and what it is like), and gradient-boosted trees trained on
PolNeAR's train split (``quotes-dev train-speaker-ranker``) score them; the best one becomes the
quote's speaker mention, which ``SpeakerResolver`` then resolves to a name as before. The winner's
Platt-scaled score is ``Speaker.confidence``: the probability that the speaker is right given
that the quote is.

Without the model file the chain's answer stands and the confidence comes from a small table by
how the name was resolved (``FALLBACK_CONFIDENCE``).

Pure Python at serving time: the model is a JSON file of trees (``service/models/attribution``),
read once by ``load_ranker``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from service.attribution import lexicon
from service.attribution.trees import TreeEnsemble, feature_matrix, sigmoid
from service.document import ParsedDocument, Word
from service.attribution.spans import QuoteType, Resolution, Span
from service.attribution.speakers.heads import antecedent_of_relative
from service.attribution.speakers.mentions import noun_phrase
from service.attribution.syntax import is_relative_word, is_time_word

MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "attribution" / "speaker_ranker.json"
MODEL_FORMAT = "speaker-ranker-trees/1"
PREVIOUS_SPEAKER_CHARS = 1200  # how far back a quotation run's previous speaker is a candidate

# Confidence without a model: the share of the rules' speakers that were right on the PolNeAR
# train split, by how the name was resolved (measured by hand with ranker=None, rounded).
FALLBACK_CONFIDENCE = {
    Resolution.MENTION: 0.95, Resolution.EARLIER_MENTION: 0.98, Resolution.PRONOUN_ANTECEDENT: 0.98,
    Resolution.UNRESOLVED_PRONOUN: 0.8, Resolution.RELATIVE_ANTECEDENT: 0.79,
    Resolution.SAME_MENTION: 0.89, Resolution.PREVIOUS_SPEAKER: 0.59,
}

SOURCES = ("chain", "subject", "head_subject", "appos_head", "appos_child", "name_before",
           "name_after", "nominal_before", "previous", "name_after_quote")
_RELS = ("nsubj", "obj", "iobj", "obl", "nmod", "appos", "compound", "conj", "root", "nsubj:pass")
_RULES = ("complement", "split", "adjacent", "colon", "according", "surface", "parenthetical",
          "object", "topic", "context")


@dataclass
class Candidate:
    """One mention that may be a quote's speaker; ``sources`` says which proposals named it."""

    head: Word
    sources: set[str] = field(default_factory=set)
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


@dataclass(frozen=True)
class QuoteContext:
    """What the ranker needs to know of one quote (extractor's find, without its internals)."""

    span: Span
    type: QuoteType
    rule: str
    cue: Word | None
    chain_head: Word | None  # the rules' speaker mention head
    previous_head: Word | None  # the speaker head of the quote before, in a quotation run
    chain_resolution: str = ""  # how the rules' answer resolved (Resolution value), "" if none
    chain_kind: str = ""  # its speaker kind (SpeakerKind value)
    # How many of the document's quotes the rules gave to each speaker head word (lower-cased):
    # people quoted once tend to be quoted again.
    speaker_counts: dict[str, int] | None = None


def is_relative(word: Word) -> bool:
    return is_relative_word(word)


def _name_words(doc: ParsedDocument, head: Word) -> list[Word]:
    """The run of capitalised proper nouns ending at (or around) ``head``."""
    lo = hi = head.index
    while lo - 1 >= 0 and doc.words[lo - 1].upos == "PROPN" and doc.words[lo - 1].sentence == head.sentence:
        lo -= 1
    while hi + 1 < len(doc.words) and doc.words[hi + 1].upos == "PROPN" and doc.words[hi + 1].sentence == head.sentence:
        hi += 1
    return doc.words[lo:hi + 1]


def person_like(doc: ParsedDocument, head: Word) -> bool:
    """Words that name a person: a title or person noun in the phrase, he/she/I, or a name of two
    or more capitalised words with no organisation word."""
    text = head.text.lower()
    if head.upos == "PRON":
        return text in lexicon.PERSON_PRONOUNS
    lemma = head.lemma.lower()
    if lemma in lexicon.words("person_nouns") or lemma in lexicon.words("titles"):
        return True
    phrase = [w.text.lower().strip(".") for w in doc.subtree(head) if w.index < head.index]
    if any(t in lexicon.words("titles") for t in phrase[-3:]):
        return True
    if head.upos == "PROPN":
        name = _name_words(doc, head)
        return len(name) >= 2 and all(w.text[:1].isupper() for w in name) and not org_like(doc, head)
    return False


def org_like(doc: ParsedDocument, head: Word) -> bool:
    """An organisation's name or head noun: 'Meridian Capital', 'the ministry', 'St. Luke's
    Hospital', an acronym; or a name inside 'the Ministry of [Health]'."""
    groups = lexicon.words("group_words")
    if head.lemma.lower() in groups or head.text.lower() in groups:
        return True
    if head.upos == "PROPN":
        name = _name_words(doc, head)
        if any(w.text.lower().strip(".") in groups for w in name):
            return True
        if len(name) == 1 and head.text.isupper() and len(head.text) >= 2:
            return True
        parent = doc.head_of(head)
        if parent is not None and head.rel == "nmod" and doc.children(head, "case") and (
                parent.lemma.lower() in groups or parent.text.lower() in groups):
            return True
    return False


def _in_span(word: Word, span: Span) -> bool:
    return span.start <= word.start < span.end


def _nominal_candidates(doc: ParsedDocument, cue: Word, quote: Span, quoted) -> dict[str, Word]:
    """Nearest name before and after the cue, and nearest noun or pronoun before it, in its
    sentence, outside the quote and outside quote marks."""
    out: dict[str, Word] = {}
    sentence = doc.sentences[cue.sentence]

    def usable(w: Word) -> bool:
        # a name modifying a noun ('the Iowa caucuses', 'Trump's campaign') names no speaker
        return not _in_span(w, quote) and not quoted(w) and not is_time_word(doc, w) \
            and w.deprel not in ("compound", "nmod:poss")

    for i in range(cue.index - 1, sentence.start - 1, -1):
        w = doc.words[i]
        if not usable(w):
            continue
        if "name_before" not in out and w.upos == "PROPN" and (
                i + 1 >= len(doc.words) or doc.words[i + 1].upos != "PROPN"):
            out["name_before"] = w
        if "nominal_before" not in out and w.upos in ("NOUN", "PRON") and not is_relative(w) \
                and w.rel not in ("compound", "obl", "nmod:poss") and w.text.lower() not in ("it",):
            out["nominal_before"] = w
    for i in range(cue.index + 1, sentence.stop):
        w = doc.words[i]
        if usable(w) and w.upos == "PROPN" and (i + 1 >= len(doc.words) or doc.words[i + 1].upos != "PROPN"
                                                 or doc.words[i + 1].sentence != w.sentence):
            out["name_after"] = w
            break
    return out


def candidates(doc: ParsedDocument, quote: QuoteContext, quoted, name_counts: dict[str, int]) -> list[Candidate]:
    """Every candidate speaker mention of one quote, with its features."""
    found: dict[int, Candidate] = {}
    # Words of the chain's own mention ('Campaign manager Corey [Lewandowski]') are that mention,
    # and so is the description in apposition to a name ('Robert Lang, [an analyst at the firm],'):
    # it names the same person, and the name is the better speaker.
    chain_words: set[int] = set()
    if quote.chain_head is not None:
        chain_words = {w.index for w in noun_phrase(doc, quote.chain_head)}
        if quote.chain_head.upos == "PROPN":
            for child in doc.children(quote.chain_head, "appos"):
                chain_words |= {w.index for w in doc.subtree(child)}
            chain_words |= _aside_after(doc, quote.chain_head, max(chain_words))

    def add(word: Word | None, source: str) -> None:
        if word is None or word.upos == "PUNCT":
            return
        if word.index in chain_words:
            word = quote.chain_head
        found.setdefault(word.index, Candidate(word)).sources.add(source)

    add(quote.chain_head, "chain")
    cue = quote.cue
    if cue is not None:
        for s in doc.children(cue, "nsubj", "nsubj:pass", "nsubj:outer"):
            if not quoted(s) and not _in_span(s, quote.span):
                add(s, "subject")
        parent = doc.head_of(cue)
        if parent is not None and cue.rel in ("conj", "xcomp", "advcl", "ccomp", "parataxis", "acl"):
            for s in doc.children(parent, "nsubj", "nsubj:pass"):
                if not quoted(s) and not _in_span(s, quote.span):
                    add(s, "head_subject")
        for source, word in _nominal_candidates(doc, cue, quote.span, quoted).items():
            add(word, source)
    head = quote.chain_head
    if head is not None:
        if head.rel == "appos" and doc.head_of(head) is not None:
            add(doc.head_of(head), "appos_head")
        for child in doc.children(head, "appos"):
            add(child, "appos_child")  # 'the official, John Smith,': the name may be better
    if quote.previous_head is not None and quote.previous_head.start < quote.span.start \
            and quote.span.start - quote.previous_head.start <= PREVIOUS_SPEAKER_CHARS:
        add(quote.previous_head, "previous")
    if cue is None:
        # a quotation with no cue of its own: the attribution may follow it ('"X." / Y said')
        add(_name_after_quote(doc, quote.span, quoted), "name_after_quote")
    out = list(found.values())
    chain = found.get(quote.chain_head.index) if quote.chain_head is not None else None
    for c in out:
        c.features = _features(doc, quote, c, len(out), name_counts)
    if chain is not None:
        own = dict(chain.features)
        for c in out:
            # what the rules' answer is like, beside each rival
            for key in ("person_like", "org_like", "inanimate_noun", "form_pronoun", "form_relative",
                        "in_pp", "plural", "word_distance", "speaker_count"):
                c.features["chain_" + key] = own.get(key, 0.0)
            c.features["closer_than_chain"] = float(
                abs(c.head.index - (cue or quote.chain_head).index) < abs(quote.chain_head.index - (cue or quote.chain_head).index))
    return out


def _aside_after(doc: ParsedDocument, head: Word, end: int) -> set[int]:
    """'Daniel Okafor, [an economist with ...], warned' parsed as two subjects: the noun phrase
    right after the name and a comma is its apposition, however the parse hung it."""
    if end + 2 >= len(doc.words) or doc.words[end + 1].text != ",":
        return set()
    for w in doc.words[end + 2:end + 6]:
        if w.upos == "NOUN" and w.rel in ("nsubj", "appos", "conj") and w.head in (head.index, head.head):
            words = [x for x in doc.subtree(w) if x.upos != "PUNCT"]
            if words and words[0].index == end + 2:
                return {x.index for x in words}
    return set()


def _name_after_quote(doc: ParsedDocument, span: Span, quoted) -> Word | None:
    """The first proper name after a quotation, in its paragraph."""
    end = doc.text.find("\n", span.end)
    end = len(doc.text) if end < 0 else end
    for w in doc.words_between(span.end, end):
        if w.upos == "PROPN" and not quoted(w) and (w.index + 1 >= len(doc.words)
                                                    or doc.words[w.index + 1].upos != "PROPN"):
            return w
    return None


def name_counts_of(doc: ParsedDocument) -> dict[str, int]:
    """How often each proper-noun word occurs in the document (lower-cased)."""
    counts: dict[str, int] = {}
    for w in doc.words:
        if w.upos == "PROPN":
            counts[w.text.lower()] = counts.get(w.text.lower(), 0) + 1
    return counts


def _features(doc: ParsedDocument, quote: QuoteContext, c: Candidate, n: int,
              name_counts: dict[str, int]) -> dict[str, float]:
    w = c.head
    f: dict[str, float] = {f"src_{s}": 1.0 for s in c.sources}
    f["n_sources"] = float(len(c.sources))
    f["n_candidates"] = math.log1p(n)
    f["chain_missing"] = float(quote.chain_head is None)
    pronoun = w.upos == "PRON" or w.text.lower() in lexicon.PRONOUNS
    relative = is_relative(w)
    f["form_relative"] = float(relative)
    f["form_pronoun"] = float(pronoun and not relative)
    f["form_person_pronoun"] = float(w.text.lower() in lexicon.PERSON_PRONOUNS)
    f["form_it"] = float(w.text.lower() == "it")
    f["upos_" + (w.upos if w.upos in ("PROPN", "NOUN", "PRON", "DET", "NUM") else "other")] = 1.0
    rel = w.deprel if w.deprel in _RELS else w.rel if w.rel in _RELS else "other"
    f["rel_" + rel] = 1.0
    f["in_pp"] = float(bool(doc.children(w, "case")))
    f["person_like"] = float(person_like(doc, w))
    f["org_like"] = float(org_like(doc, w))
    lemma = w.lemma.lower()
    f["inanimate_noun"] = float(w.upos == "NOUN" and lemma not in lexicon.words("person_nouns")
                                and lemma not in lexicon.words("titles")
                                and lemma not in lexicon.words("group_words")
                                and not w.has_feat("Number=Plur"))
    f["plural"] = float(w.has_feat("Number=Plur") or w.xpos in ("NNS", "NNPS"))
    f["in_quote"] = float(_in_span(w, quote.span))
    f["speaker_count"] = math.log1p(quote.speaker_counts.get(w.text.lower(), 0)) if quote.speaker_counts else 0.0
    if w.upos == "PROPN":
        f["name_count"] = math.log1p(name_counts.get(w.text.lower(), 0))
        f["first_mention"] = float(not any(x.text == w.text for x in doc.words[:w.index]))
    f["np_words"] = math.log1p(len(doc.subtree(w)))
    cue = quote.cue
    if cue is None:
        f["no_cue"] = 1.0
    else:
        f["cue_child"] = float(w.head == cue.index)
        f["before_cue"] = float(w.index < cue.index)
        f["same_sentence"] = float(w.sentence == cue.sentence)
        f["sentence_distance"] = float(min(3, abs(w.sentence - cue.sentence)))
        f["word_distance"] = math.log1p(abs(w.index - cue.index))
        f["cue_participle"] = float(cue.xpos == "VBG")
    f["quote_after"] = float(w.start >= quote.span.end)
    f["char_distance"] = math.log1p(min(abs(w.start - quote.span.start), abs(w.start - quote.span.end)))
    rule = quote.rule if quote.rule in _RULES else "other"
    f["rule_" + rule] = 1.0
    f["type_" + quote.type.value] = 1.0
    # How the rules' own answer resolved ('we' with no antecedent, 'which' -> 'the law') tells
    # how far to trust it, for it and for its rivals alike.
    f["chain_res_" + (quote.chain_resolution or "none")] = 1.0
    f["chain_kind_" + (quote.chain_kind or "none")] = 1.0
    if relative:
        antecedent = antecedent_of_relative(doc, w)
        if antecedent is not None:
            f["antecedent_person_like"] = float(person_like(doc, antecedent))
            f["antecedent_org_like"] = float(org_like(doc, antecedent))
            f["antecedent_upos_" + antecedent.upos] = 1.0
    # The chain and the run's previous speaker are trusted differently by rule.
    for s in ("chain", "previous", "subject"):
        if s in c.sources:
            f[f"src_{s}*rule_{rule}"] = 1.0
            f[f"src_{s}*chain_res_{quote.chain_resolution or 'none'}"] = 1.0
    return f


@dataclass(frozen=True)
class Tree:
    """One regression tree: parallel node arrays; a leaf has ``left == -1``."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def __call__(self, x: list[float]) -> float:
        node = 0
        while self.left[node] >= 0:
            node = self.left[node] if x[self.feature[node]] <= self.threshold[node] else self.right[node]
        return self.value[node]


@dataclass(frozen=True)
class SpeakerRanker:
    """Gradient-boosted trees over candidate features (a logit), then Platt scaling of the
    winner's logit into a probability."""

    features: tuple[str, ...]
    trees: tuple[Tree, ...]
    baseline: float
    calibration: tuple[float, float]  # (a, b): confidence = sigmoid(a * logit + b)
    info: dict

    @classmethod
    def from_json(cls, data: dict) -> "SpeakerRanker":
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not a {MODEL_FORMAT} model: {data.get('format')!r}")
        trees = tuple(Tree(tuple(t["feature"]), tuple(t["threshold"]), tuple(t["left"]),
                           tuple(t["right"]), tuple(t["value"])) for t in data["trees"])
        return cls(tuple(data["features"]), trees, float(data["baseline"]),
                   (float(data["calibration"][0]), float(data["calibration"][1])),
                   dict(data.get("info", {})))

    def to_json(self) -> dict:
        return {"format": MODEL_FORMAT, "features": list(self.features), "baseline": self.baseline,
                "calibration": list(self.calibration), "info": self.info,
                "trees": [{"feature": list(t.feature), "threshold": list(t.threshold),
                           "left": list(t.left), "right": list(t.right), "value": list(t.value)}
                          for t in self.trees]}

    @property
    def _index(self) -> dict[str, int]:
        index = self.__dict__.get("_feature_index")
        if index is None:
            index = {name: k for k, name in enumerate(self.features)}
            object.__setattr__(self, "_feature_index", index)
        return index

    @property
    def _ensemble(self) -> TreeEnsemble:
        """The trees in the learned layers' one runtime (``service.attribution.trees``), built
        on first use and kept on this ranker."""
        ensemble = self.__dict__.get("_trees_runtime")
        if ensemble is None:
            ensemble = TreeEnsemble([{"feature": t.feature, "threshold": t.threshold, "left": t.left,
                                      "right": t.right, "value": t.value} for t in self.trees])
            object.__setattr__(self, "_trees_runtime", ensemble)
        return ensemble

    def logits(self, rows: list[dict[str, float]]) -> list[float]:
        """Each candidate's logit (rows of features), all candidates and trees at once."""
        return [self.baseline + s for s in self._ensemble.raw_scores(feature_matrix(rows, self._index))]

    def logit(self, features: dict[str, float]) -> float:
        return self.logits([features])[0]

    def confidence(self, logit: float) -> float:
        a, b = self.calibration
        return sigmoid(a * logit + b)

    def choose(self, options: list[Candidate]) -> Candidate | None:
        """The best candidate (ties: the chain's answer, then the earlier mention)."""
        if not options:
            return None
        for c, score in zip(options, self.logits([c.features for c in options])):
            c.score = score
        return max(options, key=lambda c: (round(c.score, 9), "chain" in c.sources, -c.head.index))


def load_ranker(path: Path = MODEL_PATH) -> SpeakerRanker | None:
    """The speaker ranker at ``path`` (the shipped one by default; read once by
    ``service.pipeline.load_attribution_models``); None when the file is absent."""
    if not path.exists():
        return None
    return SpeakerRanker.from_json(json.loads(path.read_text(encoding="utf-8")))
