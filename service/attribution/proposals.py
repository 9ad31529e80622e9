"""Learned proposals: reported clauses the rules miss, found by a model trained on annotated news.

The clause finders know the speech verbs of the cue lexicon and the shapes they take. Annotated
news (PolNeAR) marks more: 'dismissed [the threats]', 'questioned [whether X]', 'estimated [that
X]', 'declined [to say whether X]', 'the claim [that X]', reports behind verbs that are not
speech verbs in every use. Here every verb or noun whose lemma the model knows (the lemmas
that head such reports in the training documents) proposes each phrase hanging on it after it
(complement, object, oblique, adverbial or infinitive clause, a noun's clause) as a candidate,
unless a find of the rules already covers it; a tree ensemble (the quote scorer's format and
runtime) trained on PolNeAR train (``quotes-dev train-proposals``) gives each candidate the
probability that annotators mark it as a quote, and those above the model's threshold join the
rules' finds under the rule LEARNED, with the head word as cue and its subject as speaker. They
then pass, with every other find, through the learned quote scorer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from service.attribution import cues as cue_lexicon
from service.attribution import lexicon
from service.attribution.clauses.clause import ReportedClause, contiguous, trim
from service.attribution.found import Found, classify, quote_test
from service.document import FINITE_XPOS, ParsedDocument, Word
from service.attribution.quote_marks import QuotedRegion
from service.attribution.rules import Rule
from service.attribution.spans import Span
from service.attribution.speakers.heads import speaker_head

MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "attribution" / "proposal_model.json"
FORMAT = "proposal-model/1"
CLAUSE_RELS = ("ccomp", "xcomp", "advcl", "obj", "obl", "parataxis", "iobj", "nmod", "acl")
MIN_WORDS = 2
_MARKS = ('"', "''", "``", "\u201c", "\u201d")


@dataclass
class Candidate:
    head: Word  # the verb or noun that reports (the cue)
    phrase: Word  # the head of the reported phrase
    words: list[Word]  # the content, trimmed and contiguous

    @property
    def span(self) -> Span:
        return Span(self.words[0].start, self.words[-1].end)


def candidates(doc: ParsedDocument, regions: list[QuotedRegion], found: list[Found],
               lemmas: frozenset[str] | None) -> list[Candidate]:
    """Every phrase after a known head that no find covers (half of the shorter span, the
    scoring rule's overlap), unless the head already cues a find (its report is found: 'asked
    [the attorney] whether X' has no second one); ``lemmas`` None proposes after every verb and
    noun (what training looks at). ``regions``: the document's quotations (a head inside one is
    someone's words, not a cue)."""
    quoted = quote_test(regions)
    taken = [f.span for f in found]
    cues = {f.cue.index for f in found if f.cue is not None}
    out = []
    for head in doc.words:
        if head.upos not in ("VERB", "NOUN") or quoted(head) or head.index in cues:
            continue
        if lemmas is not None and head.lemma.lower() not in lemmas:
            continue
        for child in doc.children(head):
            if child.rel not in CLAUSE_RELS or child.index < head.index:
                continue
            words = trim(contiguous(doc.subtree(child), child))
            while words and (words[0].upos == "ADP" or words[0].lemma.lower() == "that" and words[0].rel == "mark"):
                words = trim(words[1:])
            if len(words) < MIN_WORDS or words[0].start < head.end:
                continue
            span = Span(words[0].start, words[-1].end)
            if any(span.overlap(t) > 0.5 * min(len(span), len(t)) for t in taken):
                continue
            out.append(Candidate(head, child, words))
    return out


def features(doc: ParsedDocument, c: Candidate) -> dict[str, float]:
    head, phrase, words = c.head, c.phrase, c.words
    lemma = head.lemma.lower()
    f: dict[str, float] = {"lemma=" + lemma: 1.0, "head_upos=" + head.upos: 1.0,
                           "head_rel=" + head.rel: 1.0, "phrase_rel=" + phrase.rel: 1.0,
                           "phrase_upos=" + phrase.upos: 1.0, "head_xpos=" + (head.xpos or "_"): 1.0}
    match = cue_lexicon.match_cue(doc, head)
    f["cue_lexicon"] = float(match is not None)
    f["belief_verb"] = float(lemma in lexicon.BELIEF_VERBS)
    f["infinitive_verb"] = float(lemma in lexicon.INFINITIVE_VERBS)
    for k in doc.children(phrase, "mark", "case"):
        if k.index < phrase.index:
            f[f"{k.rel}=" + k.lemma.lower()] = 1.0
    first = words[0]
    f["first=" + (first.lemma.lower() if first.upos in ("SCONJ", "ADP", "PART", "PRON", "DET") else first.upos)] = 1.0
    content = [w for w in words if w.upos != "PUNCT"]
    f["words"] = float(len(content))
    f["verbs"] = float(sum(1 for w in content if w.upos in ("VERB", "AUX")))
    f["finite"] = float(any(w.xpos in FINITE_XPOS for w in content))
    f["subject"] = float(any(w.rel in ("nsubj", "nsubj:pass", "expl") and doc.head_of(w) is phrase for w in content))
    f["marks"] = float(sum(1 for w in words if w.text in _MARKS))
    f["gap"] = float(first.index - head.index - 1)
    subjects = doc.children(head, "nsubj", "nsubj:pass")
    if subjects:
        s = subjects[0]
        f["head_subject=" + s.upos] = 1.0
        f["head_subject_person_pronoun"] = float(s.text.lower() in lexicon.PERSON_PRONOUNS)
        f["head_subject_passive"] = float(s.rel == "nsubj:pass")
    else:
        f["head_subject=none"] = 1.0
    f["head_negated"] = float(any(k.lemma.lower() in ("not", "never") for k in doc.children(head, "advmod")))
    f["head_vbg"] = float(head.xpos == "VBG")
    sentence = doc.sentences[head.sentence]
    f["head_position"] = float(head.index - sentence.start)
    f["to_sentence_end"] = float(sentence.stop - 1 - words[-1].index)
    return f


class ProposalModel:
    """A loaded proposal model: the lemmas that may head a report, the trees, a threshold."""

    def __init__(self, model: dict) -> None:
        from service.attribution.scorer import QuoteScorer

        if model.get("format") != FORMAT:
            raise ValueError(f"not a proposal model (format {model.get('format')!r}, expected {FORMAT!r})")
        self.lemmas = frozenset(model["lemmas"])
        self.trees = QuoteScorer({**model, "format": "quote-scorer/1"})
        self.threshold = float(model["threshold"])

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> "ProposalModel":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def propose(self, doc: ParsedDocument, found: list[Found], regions: list[QuotedRegion],
                claimed: set[int]) -> list[Found]:
        """Finds for the candidates the model keeps (typed by their quote marks, as the rules')."""
        cands = candidates(doc, regions, found, self.lemmas)
        if not cands:
            return []
        probabilities = self.trees.probabilities([features(doc, c) for c in cands])
        quoted = quote_test(regions)
        out: list[Found] = []
        for c, p in sorted(zip(cands, probabilities), key=lambda cp: -cp[1]):
            # one report per head, the likeliest; none overlapping another
            if p < self.threshold or any(c.span.overlap(o.span) > 0 or o.cue is c.head for o in out):
                continue
            clause = ReportedClause(c.words, Rule.LEARNED)
            out.append(classify(doc, clause, regions, c.head, c.head.lemma.lower(),
                                Span(c.head.start, c.head.end), speaker_head(doc, c.head, quoted=quoted),
                                Rule.LEARNED, claimed))
        return out
