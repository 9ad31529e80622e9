"""One entry point: extract(parsed_doc) -> Attribution. Plain Python over parses.

The work is an ordered list of passes (``PASSES``) over shared state (``_Work``); each way a quote
is found is a named rule (``service.attribution.rules``) with its precedence and confidence.

Order of work:
1. cues: speech verbs from the lexicon, and "according to X";
2. reported clauses of those cues (complement, parenthetical, according-to), typed INDIRECT, or
   MIXED/DIRECT by how much of the clause lies inside quote marks;
3. quoted regions no clause took: attributed to the cue next to them in their sentence, joined
   with their other half when split by the attribution, or given the previous speaker when a
   quotation fills its paragraph; short phrases in marks with no cue are scare quotes, dropped;
4. speakers resolved in text order; confidence from how the attribution was found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from service.attribution import cues as cue_lexicon
from service.attribution import lexicon
from service.attribution import reported
from service.attribution.parsed import ParsedDocument, Word
from service.attribution.quote_marks import QuotedRegion, find_quoted_regions
from service.attribution.rules import Rule
from service.attribution.spans import (Attribution, Cue, Quote, QuoteType, Resolution, Span,
                                      Speaker)
from service.attribution.speaker_ranking import (FALLBACK_CONFIDENCE, Candidate, QuoteContext,
                                                 SpeakerRanker, candidates, load_ranker,
                                                 name_counts_of)
from service.attribution.speakers import Mention, SpeakerResolver, make_mention

if TYPE_CHECKING:
    from service.attribution.scorer import QuoteScorer

DIRECT_COVERAGE = 0.8  # share of a clause's letters inside quote marks that makes it DIRECT
SCARE_QUOTE_MAX_WORDS = 4  # a cue-less phrase in marks this short is a scare quote
SPLIT_GAP_MAX_WORDS = 10  # words between the halves of a split quote ("X," he said. "Y")

NO_SPEAKER_CONFIDENCE = 0.2  # a quote whose cue has no speaker in reach is seldom right
# A pronoun with no antecedent (the name is a guess), or before an object report ('he praised
# X': right a third of the time), costs this much confidence.
PRONOUN_PENALTY = 0.3
TRAILING_CUE_CHARS = 80  # how far after a quotation its own cue ('"X," he said') may be
CONTEXT_SPEAKER_CHARS = 1200  # a cue-less quotation takes the speaker of a quote this near


@dataclass
class _Found:
    """A quote before speaker resolution."""

    span: Span
    type: QuoteType
    cue: Word | None
    cue_lemma: str
    cue_span: Span | None
    speaker_head: Word | None
    how: Rule
    sentence: int
    region_keys: tuple[int, ...] = ()

    # Later passes change a find only through these steps.

    def continue_into(self, key: int, end: int) -> None:
        """The quotation goes on in region ``key``, up to ``end``."""
        self.span = Span(self.span.start, end)
        self.region_keys += (key,)

    def take_first_half(self, key: int, start: int, end: int) -> None:
        """Region ``key`` before this find is the first half of one split quotation."""
        self.span = Span(start, max(self.span.end, end))
        self.region_keys = (key,) + self.region_keys
        self.how = Rule.SPLIT

    def take_attribution(self, other: "_Found") -> None:
        """Speaker and cue from ``other``, a find of the same words that had them."""
        self.speaker_head, self.cue, self.cue_lemma, self.cue_span = (
            other.speaker_head, other.cue, other.cue_lemma, other.cue_span)

    def share_speaker(self, other: "_Found") -> None:
        self.speaker_head = other.speaker_head


@dataclass
class _Work:
    """What the passes share: the document, its quotation regions, each word's cue, the finds."""

    doc: ParsedDocument
    regions: list[QuotedRegion]
    cues: dict[int, cue_lexicon.CueMatch | None]
    found: list[_Found] = field(default_factory=list)
    claimed_regions: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, doc: ParsedDocument) -> "_Work":
        # Each word's cue, looked up once (the quotation pass asks again about the same words).
        return cls(doc, find_quoted_regions(doc.text),
                   {word.index: cue_lexicon.match_cue(doc, word) for word in doc.words})


_SHIPPED = object()  # the shipped speaker ranker, if its file is there


def extract(doc: ParsedDocument, scorer: "QuoteScorer | None" = None) -> Attribution:
    """Every quote in ``doc`` (a parsed document and its text), with its speaker (chosen among
    candidate mentions by the shipped speaker ranker, ``speaker_ranking``).

    With ``scorer`` (the learned quote scorer, ``service.attribution.scorer``) the rules' finds
    are candidates: it drops those it judges not to be quotes and gives the others their
    confidence. Without it, the rules decide alone and give their own confidence."""
    attribution = extract_with_candidates(doc)[0]
    return scorer.apply(doc, attribution) if scorer is not None else attribution


def extract_with_candidates(doc: ParsedDocument, ranker: SpeakerRanker | None = _SHIPPED  # type: ignore[assignment]
                            ) -> tuple[Attribution, list[list[Candidate]]]:
    """``extract``, plus each quote's speaker candidates (what the ranker is trained on).
    ``ranker``: by default the shipped model; None keeps the rules' own choice of speaker."""
    if ranker is _SHIPPED:
        ranker = load_ranker()
    work = _Work.of(doc)
    for _name, run in PASSES:
        run(work)
    # The rules' own answer first: how it resolved is part of what the ranker weighs.
    chain = _resolve(doc, work.found, work.regions, [None] * len(work.found))
    options, confidences, changed = _rank_speakers(doc, work.found, work.regions, chain, ranker)
    if ranker is None:
        return chain, options
    if not changed:
        for quote, confidence in zip(chain.quotes, confidences):
            if quote.speaker is not None and confidence is not None:
                quote.speaker.confidence = round(confidence, 3)
        return chain, options
    return _resolve(doc, work.found, work.regions, confidences), options


def _rank_speakers(doc: ParsedDocument, found: list[_Found], regions: list[QuotedRegion],
                   chain: Attribution, ranker: SpeakerRanker | None
                   ) -> tuple[list[list[Candidate]], list[float | None], bool]:
    """Each quote's speaker candidates, in text order; with a ranker, the best becomes the
    quote's speaker mention and its calibrated score the speaker's confidence. Says whether
    any quote's mention changed."""
    quoted = _quote_test(regions)
    counts = name_counts_of(doc)
    options: list[list[Candidate]] = []
    confidences: list[float | None] = []
    previous: Word | None = None
    changed = False
    speaker_counts: dict[str, int] = {}
    for f in found:
        if f.speaker_head is not None:
            key = f.speaker_head.text.lower()
            speaker_counts[key] = speaker_counts.get(key, 0) + 1
    for f, quote in zip(found, chain.quotes):
        context = QuoteContext(f.span, f.type, f.how.label, f.cue, f.speaker_head, previous,
                               quote.speaker.resolution.value if quote.speaker and quote.speaker.resolution else "",
                               quote.speaker.kind.value if quote.speaker else "", speaker_counts)
        these = candidates(doc, context, quoted, counts)
        options.append(these)
        confidence = None
        if ranker is not None and these:
            best = ranker.choose(these)
            changed |= best.head is not f.speaker_head
            f.speaker_head = best.head
            confidence = ranker.confidence(best.score)
        confidences.append(confidence)
        if f.speaker_head is not None:
            previous = f.speaker_head
    return options, confidences, changed


def _reported_clauses(work: _Work) -> None:
    """Clauses reported by cues: complements, parentheticals, 'according to', objects."""
    doc, regions, cues, found, claimed_regions = (work.doc, work.regions, work.cues, work.found,
                                                  work.claimed_regions)
    quoted = _quote_test(regions)

    def is_cue(w: Word) -> bool:
        return cues[w.index] is not None

    cut_at_naming: set[int] = set()  # naming verbs cut out of an earlier cue's report

    for word in doc.words:
        according_source = cue_lexicon.according_to(doc, word)
        if according_source is not None:
            clause = reported.according_to_clause(doc, word, according_source)
            if clause is not None:
                span = Span(word.start, doc.words[word.index + 1].end)
                found.append(_classify(doc, clause, regions, word, "according to", span,
                                       according_source, Rule.ACCORDING, claimed_regions))
            continue
        match = cues[word.index]
        if match is None and word.index in cut_at_naming:
            # 'said X and called Y "Z"' (cut from X's report below): the naming act is the
            # speaker's own quote, cue "called". Not otherwise: PolNeAR leaves 'called Y "Z"'
            # unmarked, a label more often than a report.
            clause = reported.naming_content(doc, word, is_cue, quoted)
            if clause is not None:
                found.append(_classify(doc, clause, regions, word, word.lemma.lower(), Span(word.start, word.end),
                                       reported.speaker_head(doc, word, quoted=quoted), Rule.OBJECT, claimed_regions))
            continue
        if match is None or _inside_any(word.start, regions):
            continue
        closing = None if match.manner_only else reported.closing_inverted_attribution(doc, word)
        if closing is not None:
            clause, speaker = closing
            found.append(_classify(doc, clause, regions, word, match.lemma,
                                   Span(word.start, word.end), speaker, clause.shape, claimed_regions))
            continue
        clause = reported.answer_content(doc, word) or reported.complement_clause(doc, word, match.lemma)
        if clause is None and not match.manner_only:
            clause = reported.parenthetical_clause(doc, word)
        if clause is None and not match.manner_only:
            clause = (reported.surface_that_clause(doc, word)
                      or reported.trailing_attribution_clause(doc, word, reported.speaker_head(doc, word, quoted=quoted))
                      or reported.surface_bare_clause(doc, word, match.lemma))
        if clause is None:
            clause = reported.object_content(doc, word, match.lemma)
        if clause is None:
            continue
        namings = [w for w in clause.words if w.index > word.index and reported.naming_act(doc, w, is_cue)]
        clause = reported.cut_nested_reports(doc, clause, word, lambda w: is_cue(w) or reported.naming_act(doc, w, is_cue))
        cut_at_naming.update(w.index for w in namings if clause is None or w.start >= clause.end)
        if clause is None:
            continue
        # Manner verbs report quoted words, and the topic of talk ('spoke about [X]').
        if match.manner_only and clause.shape is not Rule.TOPIC and not _mostly_quoted(clause, regions):
            continue
        clause = _leave_self_attributed_quotations(doc, clause, word, regions, cues)
        if clause is None:  # what remains may be the cue's object: 'declared [the need for X]:'
            clause = reported.object_content(doc, word, match.lemma)
            if clause is None or _leave_self_attributed_quotations(doc, clause, word, regions, cues) is not clause:
                continue
        cue_span = Span(word.start, (match.particle or word).end if (match.particle or word).index >= word.index else word.end)
        speaker = reported.speaker_head(doc, word, quoted=quoted)
        if speaker is not None and clause.start <= speaker.start < clause.end:
            # a speaker inside what they said is a parse error: look before the cue instead
            speaker = reported.subject_by_surface(doc, word, quoted)
        found.append(_classify(doc, clause, regions, word, match.lemma, cue_span, speaker,
                               clause.shape, claimed_regions))


def _quotations(work: _Work) -> None:
    """Quoted regions no clause took: attributed to a cue next to them, joined with their other
    half, continued from the quote before, or given the previous speaker by context."""
    work.found.extend(_QuotationPass(work).run())


def _one_quote_per_stretch(work: _Work) -> None:
    work.found = _dedupe(work.found)
    work.found.sort(key=lambda f: f.span.start)


def _coordinated_cues(work: _Work) -> None:
    _coordinated_cues_share_the_speaker(work.found)


def _speaker_of_earlier_cue(work: _Work) -> None:
    _share_speaker_with_earlier_cue(work.doc, work.found)


# The extractor, in order: each pass reads and extends what the passes before it found; speakers
# are resolved after the last one (``_resolve``).
PASSES: tuple[tuple[str, Callable[[_Work], None]], ...] = (
    ("reported clauses", _reported_clauses),
    ("quotations", _quotations),
    ("one quote per stretch of text", _one_quote_per_stretch),
    ("coordinated cues share their speaker", _coordinated_cues),
    ("a cue without a subject takes the earlier cue's", _speaker_of_earlier_cue),
)


def _leave_self_attributed_quotations(doc: ParsedDocument, clause: reported.ReportedClause, cue: Word,
                                      regions: list[QuotedRegion], cues) -> reported.ReportedClause | None:
    """'Rhimes declared the need for X: "Change the world," she said.': a quotation followed by
    its own attribution is that attribution's, not part of what an earlier cue reports; the
    clause ends before it (and is dropped when nothing is left)."""
    for region in regions:
        if not (cue.end <= region.open_mark.start and clause.start <= region.content.start < clause.end):
            continue
        if _own_trailing_cue(doc, region, cues) is None:
            continue
        kept = [w for w in clause.words if w.end <= region.open_mark.start]
        while kept and kept[-1].upos in ("PUNCT", "CCONJ"):
            kept = kept[:-1]
        return reported.ReportedClause(kept, clause.shape) if len(kept) >= 2 else None
    return clause


def _own_trailing_cue(doc: ParsedDocument, region: QuotedRegion, cues) -> Word | None:
    """The cue of '"...," she said' / '"...," said Smith' right after a closing mark, if any."""
    if region.close_mark is None:
        return None
    after = [w for w in doc.words_between(region.outer.end, region.outer.end + TRAILING_CUE_CHARS)]
    after = [w for w in after if w.sentence == (after[0].sentence if after else -1)][:6]
    if not after or after[0].text != ",":
        words = after
    else:
        words = after[1:]
    for k, w in enumerate(words):
        if cues[w.index] is not None and w.upos == "VERB":
            # only a short subject before it ('she', 'the senator'), or none ('said Smith')
            return w if all(x.upos in ("PRON", "PROPN", "NOUN", "DET", "ADJ") for x in words[:k]) and k <= 4 else None
        if w.upos not in ("PRON", "PROPN", "NOUN", "DET", "ADJ"):
            return None
    return None


def _coordinated_cues_share_the_speaker(found: list[_Found]) -> None:
    """'Ginsburg said that X would be president and predicted Y', parsed with "predicted"
    coordinated inside X: a coordinated cue whose "speaker" lies inside an earlier report of the
    same sentence is that report's speaker's second act."""
    for f in found:
        if f.cue is None or f.cue.rel != "conj" or f.speaker_head is None:
            continue
        outer = next((g for g in found if g is not f and g.cue is not None and g.speaker_head is not None
                      and g.sentence == f.sentence and g.cue.index < f.cue.index
                      and g.span.start <= f.speaker_head.start < g.span.end), None)
        if outer is not None:
            f.share_speaker(outer)


def _share_speaker_with_earlier_cue(doc: ParsedDocument, found: list[_Found]) -> None:
    """'"X," wrote Trump, adding "Y"': a participle cue without a speaker of its own speaks for
    the speaker of the cue before it in the same sentence."""
    for f in found:
        if f.speaker_head is not None or f.cue is None or f.cue.xpos != "VBG":
            continue
        earlier = [g for g in found if g.cue is not None and g.speaker_head is not None
                   and g.cue.sentence == f.cue.sentence and g.cue.index < f.cue.index]
        if earlier:
            f.share_speaker(max(earlier, key=lambda g: g.cue.index))


def _inside_any(offset: int, regions: list[QuotedRegion]) -> bool:
    return any(r.content.start <= offset < r.content.end for r in regions)


def _quote_test(regions: list[QuotedRegion]):
    """A predicate: does a word lie inside quote marks (then it is never a speaker or a cue)?"""
    return lambda word: _inside_any(word.start, regions)


def _letters(text: str, span: Span) -> int:
    return sum(1 for ch in text[span.start:span.end] if ch.isalnum())


def _mostly_quoted(clause: reported.ReportedClause, regions: list[QuotedRegion]) -> bool:
    span = Span(clause.start, clause.end)
    covered = sum(span.overlap(r.outer) for r in regions)
    return covered >= DIRECT_COVERAGE * len(span)


def _classify(doc: ParsedDocument, clause: reported.ReportedClause, regions: list[QuotedRegion],
              cue: Word, lemma: str, cue_span: Span, speaker: Word | None, how: Rule,
              claimed: set[int]) -> _Found:
    span = Span(clause.start, clause.end)
    # '"X," Defense Secretary Mark Esper said': words between a closing mark and the cue after it
    # are the attribution, however the parse attached them.
    for r in regions:
        if r.close_mark is not None and span.start <= r.content.start and r.outer.end <= cue.start < span.end + 200 \
                and r.outer.end < span.end <= cue.start + len(cue.text) \
                and not any(w.upos in ("VERB", "AUX") for w in doc.words_between(r.outer.end, cue.start)):
            span = Span(span.start, r.content.end)
    inside = [k for k, r in enumerate(regions) if r.content.overlap(span) > 0]
    if not inside:
        return _Found(span, QuoteType.INDIRECT, cue, lemma, cue_span, speaker, how, cue.sentence)
    quoted_letters = sum(_letters(doc.text, Span(max(span.start, regions[k].content.start),
                                                 min(span.end, regions[k].content.end))) for k in inside)
    claimed.update(inside)
    if quoted_letters >= DIRECT_COVERAGE * max(1, _letters(doc.text, span)):
        # The whole report is a quotation: its span is the quotation's (which may run over
        # several sentences beyond the parsed clause).
        direct_span = Span(regions[inside[0]].content.start, regions[inside[-1]].content.end)
        return _Found(direct_span, QuoteType.DIRECT, cue, lemma, cue_span, speaker, how,
                      cue.sentence, tuple(inside))
    # A mixed quote ends where its quotation ends, even past where the parse closed the clause.
    end = max([span.end] + [regions[k].content.end for k in inside if regions[k].content.start >= span.start])
    return _Found(Span(span.start, end), QuoteType.MIXED, cue, lemma, cue_span, speaker, how, cue.sentence, tuple(inside))


def _cue_near(doc: ParsedDocument, sentence: range, outside: Span, regions: list[QuotedRegion],
              cues: dict[int, cue_lexicon.CueMatch | None]):
    """Speech cues in ``sentence`` outside any quotation, nearest to ``outside`` first."""
    out = []
    for i in sentence:
        w = doc.words[i]
        if outside.start <= w.start < outside.end or _inside_any(w.start, regions):
            continue
        match = cues[w.index]
        if match is not None:
            distance = outside.start - w.end if w.end <= outside.start else w.start - outside.end
            out.append((distance, match))
    out.sort(key=lambda pair: pair[0])
    return [m for _, m in out]


class _QuotationPass:
    """Quoted regions no clause took, in text order. Each step looks at region ``k`` and says
    how many regions it used (two when it joins the halves of a split quote)."""

    def __init__(self, work: _Work) -> None:
        self.doc, self.regions, self.cues = work.doc, work.regions, work.cues
        self.claimed, self.found = work.claimed_regions, work.found
        self.quoted = _quote_test(work.regions)
        self.by_start = sorted(work.found, key=lambda f: f.span.start)
        self.out: list[_Found] = []

    def run(self) -> list[_Found]:
        k = 0
        while k < len(self.regions):
            k += self._step(k)
        return self.out

    def _step(self, k: int) -> int:
        if k in self.claimed:
            return self._continue_claimed(k)
        region = self.regions[k]
        words = self.doc.words_between(region.content.start, region.content.end)
        if not words:
            return 1
        match, how = self._cue_for(region, words)
        if match is not None:
            return self._attributed(k, region, match, how)
        return self._without_cue(k, region, words)

    def _continue_claimed(self, k: int) -> int:
        """A region a clause took may be the first half of a split quote."""
        doc, regions = self.doc, self.regions
        owner = next((f for f in self.found if f.type is QuoteType.DIRECT and f.region_keys
                      and f.region_keys[-1] == k), None)
        if owner is not None and owner.cue is not None and _split_continuation(
                doc, regions, k, owner.cue, self.claimed, self.cues):
            owner.continue_into(k + 1, regions[k + 1].content.end)
            self.claimed.add(k + 1)
            return 2
        return 1

    def _cue_for(self, region: QuotedRegion, words: list[Word]
                 ) -> tuple[cue_lexicon.CueMatch | None, Rule]:
        doc, regions, cues = self.doc, self.regions, self.cues
        first_sentence = words[0].sentence
        last_sentence = words[-1].sentence
        # a) a cue in the sentence of the closing mark, after it; or of the opening mark, before it
        candidates = []
        if region.close_mark is not None:
            candidates += _cue_near(doc, doc.sentences[last_sentence], region.outer, regions, cues)
        candidates += [m for m in _cue_near(doc, doc.sentences[first_sentence], region.outer, regions, cues)
                       if m.word.end <= region.open_mark.start]
        candidates = [m for m in candidates if _attribution_adjacent(doc, region, m.word, regions)]
        if _embedded_phrase(doc, region, words) and not (candidates and _right_after_cue(doc, region, candidates[0].word)):
            candidates = []  # 'called her "third-rate"', 'told ABC's "Good Morning America"'
        if candidates:
            return candidates[0], Rule.ADJACENT
        if first_sentence > 0:
            # b) "Cohen said:" ending the previous sentence or paragraph
            prev = doc.sentences[first_sentence - 1]
            last_word = doc.words[prev.stop - 1]
            if last_word.text == ":" or text_before_is_colon(doc.text, region.open_mark.start):
                prev_cues = _cue_near(doc, prev, Span(last_word.end, last_word.end), regions, cues)
                if prev_cues:
                    return prev_cues[0], Rule.COLON
        return None, Rule.ADJACENT

    def _attributed(self, k: int, region: QuotedRegion, match: cue_lexicon.CueMatch,
                    how: Rule) -> int:
        doc, regions = self.doc, self.regions
        span = region.content
        keys = (k,)
        # c) the other half of a split quote: "X," he said. "Y"  /  "X," he said, "Y"
        if _split_continuation(doc, regions, k, match.word, self.claimed, self.cues):
            span = Span(region.content.start, regions[k + 1].content.end)
            keys = (k, k + 1)
            how = Rule.SPLIT
        else:
            owner = _owner_of_next_half(doc, regions, k, match.word, self.found, self.cues)
            if owner is not None:
                # '"X," Bond said, "Y"' where the parse made "Y" the complement of "said": one
                # split quote, from the first half's mark to the second's
                owner.take_first_half(k, region.content.start, regions[k + 1].content.end)
                self.claimed.add(k)
                return 1
        self.out.append(_Found(span, QuoteType.DIRECT, match.word, match.lemma,
                               Span(match.word.start, match.word.end),
                               reported.speaker_head(doc, match.word, quoted=self.quoted), how,
                               match.word.sentence, keys))
        return len(keys)

    def _without_cue(self, k: int, region: QuotedRegion, words: list[Word]) -> int:
        doc, regions = self.doc, self.regions
        n_words = sum(1 for w in words if w.upos != "PUNCT")
        fills_paragraph = _fills_paragraph(doc.text, region)
        # d) the next sentence of a quotation attributed just before, in the same paragraph:
        #    '"X," she said. "Y."' -> one quote, however short Y ('"Nobody wanted this strike."')
        if fills_paragraph or _is_sentence(words) or _whole_sentences(doc, region, words):
            previous = _previous_attributed(self.found + self.out, regions, k)
            if previous is not None and _continues_in_paragraph(doc, regions[k - 1], region, previous):
                previous.continue_into(k, region.content.end)
                return 1
        if n_words <= SCARE_QUOTE_MAX_WORDS and not fills_paragraph:
            return 1  # scare quotes / titles: not speech
        if not fills_paragraph and not _is_sentence(words):
            return 1
        # e) a quotation standing alone: the speaker of the quote before it, if near enough
        before = [f for f in self.by_start + self.out
                  if f.span.end <= region.open_mark.start and f.speaker_head is not None]
        nearest = max(before, key=lambda f: f.span.end) if before else None
        if nearest is not None and region.open_mark.start - nearest.span.end < CONTEXT_SPEAKER_CHARS:
            self.out.append(_Found(region.content, QuoteType.DIRECT, None, "", None,
                                   nearest.speaker_head, Rule.CONTEXT, words[0].sentence, (k,)))
        # else: a quotation with no cue and no speaker near it is not an attribution (a title, a
        # motto, a passage quoted without a source); not one such was a gold quote on PolNeAR.
        return 1


def _halves_around(doc: ParsedDocument, regions: list[QuotedRegion], k: int, cue: Word, cues) -> bool:
    """Whether regions[k] and regions[k+1] read as the two halves of one quotation around ``cue``:
    the first left open (',' '—' ':' ...), only a short attribution with that cue and no other
    between them, on one line ('"X," he said, "Y"' / '"X," he said. "Y"')."""
    if k + 1 >= len(regions) or regions[k].close_mark is None:
        return False
    region, nxt = regions[k], regions[k + 1]
    if "\n" in doc.text[region.outer.end:nxt.outer.start]:
        return False
    gap = doc.words_between(region.outer.end, nxt.outer.start)
    if len(gap) > SPLIT_GAP_MAX_WORDS or all(w.index != cue.index for w in gap):
        return False
    if any(w.index != cue.index and cues[w.index] for w in gap):
        return False  # '"X," she said, adding, "Y"': the second half has a cue of its own
    return doc.text[region.content.start:region.content.end].rstrip()[-1:] in (",", "\u2014", "-", "\u2026", ":")


def _owner_of_next_half(doc: ParsedDocument, regions: list[QuotedRegion], k: int, cue: Word,
                        found: list[_Found], cues) -> _Found | None:
    """The quote already found for regions[k+1] through the same cue, when regions[k] is the
    first half of a split quote around that cue: '"X," he said, "Y"'."""
    if not _halves_around(doc, regions, k, cue, cues):
        return None
    nxt = regions[k + 1]
    return next((f for f in found if f.cue is not None and f.cue.index == cue.index and f.region_keys
                 and f.region_keys[0] == k + 1 and f.span.start >= nxt.content.start), None)


def _split_continuation(doc: ParsedDocument, regions: list[QuotedRegion], k: int, cue: Word,
                        claimed: set[int], cues: dict[int, cue_lexicon.CueMatch | None]) -> bool:
    """Whether regions[k+1] continues regions[k] across its attribution: '"X," he said. "Y"'."""
    if k + 1 in claimed or not _halves_around(doc, regions, k, cue, cues):
        return False
    nxt = regions[k + 1]
    if not _attribution_adjacent(doc, nxt, cue, regions):
        return False
    # '"X," said A. "Y," said B.': the second quotation has an attribution of its own.
    nxt_words = doc.words_between(nxt.content.start, nxt.content.end)
    if nxt.close_mark is not None and nxt_words:
        own = [m for m in _cue_near(doc, doc.sentences[nxt_words[-1].sentence], nxt.outer, regions, cues)
               if m.word.start >= nxt.outer.end and _attribution_adjacent(doc, nxt, m.word, regions)]
        if own:
            return False
    return True


ATTRIBUTION_RELS = ("aux", "advmod", "obl", "obj", "iobj", "nsubj", "mark", "cc", "compound", "punct")


def _attribution_adjacent(doc: ParsedDocument, region: QuotedRegion, cue: Word,
                          regions: list[QuotedRegion]) -> bool:
    """Whether only the attribution ("he said", "Trump, the nominee, wrote in a statement")
    stands between the quotation and its cue; phrases in marks deep inside someone else's
    sentence are not direct quotes of that sentence's speaker."""
    if cue.end <= region.open_mark.start:
        gap = doc.words_between(cue.end, region.open_mark.start)
    else:
        gap = doc.words_between(region.outer.end, cue.start)
    allowed = {cue.index}
    speaker = reported.speaker_head(doc, cue, quoted=_quote_test(regions))
    if speaker is not None:
        allowed |= {w.index for w in doc.subtree(speaker)}
    for child in doc.children(cue, *ATTRIBUTION_RELS):
        allowed |= {w.index for w in doc.subtree(child)}
    if speaker is not None:
        # '"X," Clark County Sheriff Joe Lombardo said': the title and name words before the
        # speaker's head belong to it however the parse hung them.
        i = min(w.index for w in doc.subtree(speaker)) - 1
        while i >= 0 and doc.words[i].upos == "PROPN" and doc.words[i].sentence == speaker.sentence:
            allowed.add(i)
            i -= 1
        # ... and so does an apposition after it: 'Michele Bachmann, [Republican of Minnesota,] told'
        allowed |= {w.index for w in _apposition_after(doc, speaker)}
        head = doc.head_of(speaker)
        if speaker.rel == "appos" and head is not None and head.upos in ("NOUN", "PROPN"):
            # ... and the description a name is in apposition to: 'the union's general
            # secretary, [Mark Hughes], wrote'
            allowed |= {w.index for w in doc.subtree(head) if w.upos not in ("VERB", "AUX")}
    extra = [w for w in gap if w.index not in allowed and w.upos != "PUNCT"]
    return len(extra) <= 2


def _apposition_after(doc: ParsedDocument, speaker: Word, max_words: int = 8) -> list[Word]:
    """', a verbless phrase,' right after the speaker's noun phrase (its apposition)."""
    end = max(w.index for w in doc.subtree(speaker)) + 1
    if end >= len(doc.words) or doc.words[end].text != ",":
        return []
    phrase = []
    for w in doc.words[end + 1:end + 2 + max_words]:
        if w.text == "," or w.sentence != speaker.sentence:
            break
        if w.upos in ("VERB", "AUX"):
            return []
        phrase.append(w)
    return phrase


def _embedded_phrase(doc: ParsedDocument, region: QuotedRegion, words: list[Word]) -> bool:
    """A short verbless phrase in marks inside a sentence: a name, title or scare quote, not
    speech (speech in marks follows its cue and a comma or colon, or ends before one)."""
    content = [w for w in words if w.upos != "PUNCT"]
    if len(content) > SCARE_QUOTE_MAX_WORDS or any(w.upos in ("VERB", "AUX") for w in content):
        return False
    before = doc.text[:region.open_mark.start].rstrip()
    return not before.endswith((",", ":")) and not _at_sentence_start(doc, region)


def _right_after_cue(doc: ParsedDocument, region: QuotedRegion, cue: Word) -> bool:
    """'tweeted out about "Big news,"': only particles and prepositions between cue and quote."""
    if cue.end > region.open_mark.start:
        return False
    gap = doc.words_between(cue.end, region.open_mark.start)
    return all(w.upos in ("ADP", "PART", "ADV") for w in gap)


def _at_sentence_start(doc: ParsedDocument, region: QuotedRegion) -> bool:
    first = doc.word_at(region.content.start)
    if first is None:
        return True
    return first.index == doc.sentences[first.sentence].start or (
        first.index - 1 == doc.sentences[first.sentence].start and doc.words[first.index - 1].upos == "PUNCT")


def _previous_attributed(found: list[_Found], regions: list[QuotedRegion], k: int) -> _Found | None:
    """The direct quote with a cue that took the region just before regions[k]."""
    if k == 0:
        return None
    return next((f for f in found if f.type in (QuoteType.DIRECT, QuoteType.MIXED) and f.cue is not None
                 and f.region_keys and f.region_keys[-1] == k - 1), None)


def _continues_in_paragraph(doc: ParsedDocument, before: QuotedRegion, region: QuotedRegion,
                            previous: _Found) -> bool:
    gap_text = doc.text[before.outer.end:region.outer.start]
    if before.close_mark is None:
        return False
    # Across a line break only a quotation that fills its paragraph continues ('"X," she said.'
    # / '"Y"'): news runs long quotes over paragraphs, and PolNeAR marks them as one quote.
    if "\n" in gap_text and not _fills_paragraph(doc.text, region):
        return False
    gap = [w for w in doc.words_between(before.outer.end, region.outer.start) if w.upos != "PUNCT"]
    if not gap:
        return True
    if all(w.sentence == previous.cue.sentence for w in gap) and previous.cue.start < region.outer.start:
        # '"X," Weaver said in a statement on Friday. "Y"': only the rest of the attribution's
        # own sentence stands between
        return True
    # Only the attribution itself may stand between: the cue's own phrase, its speaker with any
    # apposition or relative clause ('said Steven Ekovich, a broker who represents sellers.').
    allowed = {w.index for w in doc.subtree(previous.cue)}
    if previous.speaker_head is not None:
        allowed |= {w.index for w in doc.subtree(previous.speaker_head)}
    return all(w.index in allowed for w in gap)


def text_before_is_colon(text: str, offset: int) -> bool:
    return text[:offset].rstrip().endswith(":")


def _fills_paragraph(text: str, region: QuotedRegion) -> bool:
    line_start = text.rfind("\n", 0, region.open_mark.start) + 1
    line_end = text.find("\n", region.outer.end)
    line_end = len(text) if line_end < 0 else line_end
    return text[line_start:region.open_mark.start].strip() == "" and len(text[region.outer.end:line_end].strip()) <= 2


def _whole_sentences(doc: ParsedDocument, region: QuotedRegion, words: list[Word]) -> bool:
    """A quotation that opens its sentence and ends it ('"Nobody wanted this strike."'): a
    sentence of speech however short, not a title or scare quote inside someone's sentence."""
    content = [w for w in words if w.upos != "PUNCT"]
    return (bool(content) and region.close_mark is not None and _at_sentence_start(doc, region)
            and doc.text[region.content.start:region.content.end].rstrip()[-1:] in (".", "!", "?", "\u2026")
            and any(w.upos in ("VERB", "AUX") for w in content))


def _is_sentence(words: list[Word]) -> bool:
    """A quotation that is a clause of its own (has a verb and ends like a sentence)."""
    has_verb = any(w.upos in ("VERB", "AUX") for w in words)
    return has_verb and len(words) >= 6


def _reports_report(outer: _Found, inner: _Found) -> bool:
    """Whether ``outer`` reports ``inner`` whole, cue included, from outside its own span ('X,
    saying Y, CNN reported' / 'According to pool reports, Obama said Y'). PolNeAR marks only
    the outer report there."""
    return (outer.how in (Rule.PARENTHETICAL, Rule.ACCORDING) and outer.cue_span is not None and inner.cue_span is not None
            and outer.span.start <= inner.cue_span.start and inner.cue_span.end <= outer.span.end
            and not (outer.span.start <= outer.cue_span.start < outer.span.end))


def _dedupe(found: list[_Found]) -> list[_Found]:
    """One quote per stretch of text: overlapping finds keep the longer, earlier-found one."""
    kept: list[_Found] = []
    # A clause reported by a verb with its own subject outranks the same clause found another way.
    for f in sorted(found, key=lambda f: (f.how.precedence, -(f.span.end - f.span.start))):
        clash = next((k for k in kept if k.span.overlap(f.span) > 0.5 * min(len(k.span), len(f.span))), None)
        if clash is None:
            kept.append(f)
        elif _reports_report(f, clash):
            # 'X, saying Y, CNN reported': the report that holds another report, its cue
            # included, is the one made ('Trump said Y' is what CNN reported)
            kept[kept.index(clash)] = f
        elif clash.speaker_head is None and f.speaker_head is not None:
            clash.take_attribution(f)
    return kept


def _resolve(doc: ParsedDocument, found: list[_Found], regions: list[QuotedRegion],
             confidences: list[float | None]) -> Attribution:
    resolver = SpeakerResolver(doc, quoted=_quote_test(regions))
    quotes: list[Quote] = []
    speakers_by_head: dict[int, Speaker] = {}
    # Resolve in the order speakers are mentioned, so antecedents come before pronouns.
    order = sorted(range(len(found)), key=lambda i: (found[i].speaker_head.start if found[i].speaker_head else found[i].span.start))
    resolved: dict[int, tuple[Speaker | None, bool]] = {}
    for i in order:
        f = found[i]
        if f.speaker_head is None:
            resolved[i] = (None, False)
            continue
        if f.speaker_head.index in speakers_by_head:
            # Attributed again through the same mention (a second quote of one cue, or a
            # quotation given by context to the speaker of the one before it).
            earlier = speakers_by_head[f.speaker_head.index]
            how = (Resolution.PREVIOUS_SPEAKER if f.how is Rule.CONTEXT
                   else Resolution.SAME_MENTION)
            resolved[i] = (resolver.inherit(earlier, how), True)
            resolved[i][0].mention, resolved[i][0].mention_span = earlier.mention, earlier.mention_span
            continue
        head = f.speaker_head
        antecedent = reported.antecedent_of_relative(doc, head) if reported.is_relative(head) else None
        if antecedent is not None:
            # 'the superdelegates who said': the mention is "who", the speaker its antecedent
            speaker, linked = resolver.resolve(make_mention(doc, antecedent))
            speaker.antecedent_span = speaker.mention_span
            speaker.mention, speaker.mention_span = head.text, Span(head.start, head.end)
            speaker.resolution = Resolution.RELATIVE_ANTECEDENT
        else:
            speaker, linked = resolver.resolve(_source_mention(doc, f, make_mention(doc, head)))
        speakers_by_head[f.speaker_head.index] = speaker
        resolved[i] = (speaker, linked)
    names = {e.speaker_id: (e.name, e.kind) for e in resolver.entities}
    for i, f in enumerate(found):
        speaker, linked = resolved[i]
        if speaker is not None:
            speaker.name, speaker.kind = names[speaker.speaker_id]
            speaker.confidence = round(confidences[i] if confidences[i] is not None
                                       else FALLBACK_CONFIDENCE.get(speaker.resolution, 0.5), 3)
        cue = Cue(text=doc.text[f.cue_span.start:f.cue_span.end], lemma=f.cue_lemma, span=f.cue_span) if f.cue_span else None
        parts = _parts(f, regions)
        quotes.append(Quote(
            text=doc.text[f.span.start:f.span.end], span=f.span, type=f.type, speaker=speaker, cue=cue,
            confidence=_confidence(f, speaker, linked), sentence_index=f.sentence,
            rule=f.how.label, parts=parts, words=" ".join(doc.text[p.start:p.end] for p in parts)))
    return Attribution(quotes=quotes, speakers=resolver.index())


def _parts(f: _Found, regions: list[QuotedRegion]) -> list[Span]:
    """The pieces of a quotation taken from several quoted regions (halves around the
    attribution, paragraphs run on); one part, the span, for everything else."""
    if f.type is not QuoteType.DIRECT or len(f.region_keys) < 2:
        return [f.span]
    parts = []
    for key in sorted(f.region_keys):
        content = regions[key].content
        start, end = max(content.start, f.span.start), min(content.end, f.span.end)
        if start < end:
            parts.append(Span(start, end))
    return parts or [f.span]


def _source_mention(doc: ParsedDocument, f: _Found, mention: Mention) -> Mention:
    """'according to [figures published by the agency]': a description's mention is the whole
    source phrase, as PolNeAR marks sources, not its head noun ("figures") alone."""
    if f.how is not Rule.ACCORDING or f.cue is None or mention.form != "nominal" \
            or f.cue.text.lower() != "according":
        return mention
    end = reported.according_to_phrase_end(doc, f.cue, f.speaker_head)
    words = [w for w in doc.words[f.cue.index + 2:end + 1]]
    if not words or not (words[0].index <= mention.head.index <= words[-1].index) \
            or f.span.start < words[-1].end and words[0].start < f.span.end:
        return mention
    text = doc.text[words[0].start:words[-1].end]
    return replace(mention, words=words, text=text, span=Span(words[0].start, words[-1].end), name=text)


def _confidence(f: _Found, speaker: Speaker | None, linked: bool) -> float:
    score = f.how.prior(f.type)
    if speaker is None:
        return min(score, NO_SPEAKER_CONFIDENCE)
    pronoun = speaker.mention.lower() in lexicon.SPEAKER_PRONOUNS
    if pronoun and not linked:
        score -= PRONOUN_PENALTY  # a pronoun with no antecedent: the name is a guess
    elif pronoun and f.how in (Rule.OBJECT, Rule.TOPIC):
        score -= PRONOUN_PENALTY  # 'he praised X': object reports after pronouns
    return round(max(0.05, min(0.99, score)), 3)
