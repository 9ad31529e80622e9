"""One entry point: extract(parsed_doc) -> Attribution. Plain Python over parses.

The work is an ordered list of passes (``PASSES``) over shared state (``found.Work``); each way a
quote is found is a named rule (``service.attribution.rules``) with its precedence and prior.

Order of work:
1. cues: speech verbs from the lexicon, and "according to X";
2. reported clauses of those cues, by the finders of ``clauses.registry`` in its order, typed
   INDIRECT, or MIXED/DIRECT by how much of the clause lies inside quote marks (``found.classify``);
3. quoted regions no clause took (``clauses.quotations``): attributed to the cue next to them in
   their sentence, joined with their other half when split by the attribution, or given the
   previous speaker when a quotation fills its paragraph;
4. one quote per stretch of text; speakers shared along coordinated and participle cues;
5. speaker candidates ranked (``speakers.ranking``), mentions resolved to names in text order
   (``speakers.resolution``); confidence from how the attribution was found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from service.attribution import cues as cue_lexicon
from service.attribution import lexicon
from service.attribution.boundaries import BoundaryModel
from service.attribution.proposals import ProposalModel
from service.attribution.scorer import QuoteScorer
from service.attribution.clauses.according_to import according_to_clause, according_to_phrase_end
from service.attribution.clauses.nested import cut_nested_reports, leave_self_attributed_quotations
from service.attribution.clauses.objects import naming_act, naming_content, object_content
from service.attribution.clauses.quotations import QuotationPass
from service.attribution.clauses.registry import CueSite, first_clause
from service.attribution.found import Found, Work, classify, mostly_quoted, quote_test
from service.document import ParsedDocument, Word
from service.attribution.quote_marks import QuotedRegion
from service.attribution.rules import Rule
from service.attribution.spans import Attribution, Cue, Quote, QuoteType, Resolution, Span, Speaker
from service.attribution.speakers.heads import antecedent_of_relative, speaker_head, subject_by_surface
from service.attribution.speakers.mentions import Mention, make_mention
from service.attribution.speakers.ranking import (FALLBACK_CONFIDENCE, Candidate, QuoteContext,
                                                  SpeakerRanker, candidates,
                                                  name_counts_of)
from service.attribution.speakers.resolution import SpeakerResolver
from service.attribution.syntax import is_relative_word



NO_SPEAKER_CONFIDENCE = 0.2  # a quote whose cue has no speaker in reach is seldom right


# A pronoun with no antecedent (the name is a guess), or before an object report ('he praised
# X': right a third of the time), costs this much confidence.
PRONOUN_PENALTY = 0.3


# Speaker confidence at most for a he/she linked to a person of unknown gender: such links named
# the right person 7 times in 14 (a hand check on polnear-train-sample), while the scorer, which
# counts the pronoun's own span as right, finds nearly all right; between the two.
UNKNOWN_AGREEMENT_CONFIDENCE = 0.7


def extract(doc: ParsedDocument, scorer: QuoteScorer | None = None,
            boundaries: BoundaryModel | None = None, proposer: ProposalModel | None = None,
            ranker: SpeakerRanker | None = None) -> Attribution:
    """Every quote in ``doc`` (a parsed document and its text), with its speaker.

    The learned layers are handed in (``service.pipeline`` loads them once); each left out is
    off. ``ranker`` (``speakers.ranking``) chooses each quote's speaker among candidate mentions
    (without it the rules' own choice stands); ``proposer`` (``proposals``) adds phrases the
    rules miss; ``scorer`` (``scorer``) drops the finds it judges not to be quotes and gives the
    others their confidence (without it the rules give theirs); ``boundaries``
    (``boundaries``) then redraws where the kept indirect and mixed contents start and end."""
    attribution = extract_with_candidates(doc, ranker=ranker, proposer=proposer)[0]
    if scorer is not None:
        attribution = scorer.apply(doc, attribution)
    return boundaries.apply(doc, attribution) if boundaries is not None else attribution


def extract_with_candidates(doc: ParsedDocument, ranker: SpeakerRanker | None = None,
                            proposer: ProposalModel | None = None,
                            ) -> tuple[Attribution, list[list[Candidate]]]:
    """``extract`` before the scorer and the boundaries, plus each quote's speaker candidates
    (what the ranker is trained on)."""
    work = Work.of(doc)
    work.proposer = proposer
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
                quote.speaker.confidence = _speaker_confidence(quote.speaker, confidence)
        return chain, options
    return _resolve(doc, work.found, work.regions, confidences), options


def _rank_speakers(doc: ParsedDocument, found: list[Found], regions: list[QuotedRegion],
                   chain: Attribution, ranker: SpeakerRanker | None
                   ) -> tuple[list[list[Candidate]], list[float | None], bool]:
    """Each quote's speaker candidates, in text order; with a ranker, the best becomes the
    quote's speaker mention and its calibrated score the speaker's confidence. Says whether
    any quote's mention changed."""
    quoted = quote_test(regions)
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
        context = QuoteContext(f.span, f.type, f.rule.label, f.cue, f.speaker_head, previous,
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


def _reported_clauses(work: Work) -> None:
    """Clauses reported by cues: complements, parentheticals, 'according to', objects."""
    doc, regions, cues, found, claimed_regions = (work.doc, work.regions, work.cues, work.found,
                                                  work.claimed_regions)
    quoted = quote_test(regions)

    def is_cue(w: Word) -> bool:
        return cues[w.index] is not None

    cut_at_naming: set[int] = set()  # naming verbs cut out of an earlier cue's report

    for word in doc.words:
        according_source = cue_lexicon.according_to(doc, word)
        if according_source is not None:
            clause = according_to_clause(doc, word, according_source)
            if clause is not None:
                span = Span(word.start, doc.words[word.index + 1].end)
                found.append(classify(doc, clause, regions, word, "according to", span,
                                       according_source, Rule.ACCORDING, claimed_regions))
            continue
        match = cues[word.index]
        if match is None and word.index in cut_at_naming:
            # 'said X and called Y "Z"' (cut from X's report below): the naming act is the
            # speaker's own quote, cue "called". Not otherwise: PolNeAR leaves 'called Y "Z"'
            # unmarked, a label more often than a report.
            clause = naming_content(doc, word, is_cue, quoted)
            if clause is not None:
                found.append(classify(doc, clause, regions, word, word.lemma.lower(), Span(word.start, word.end),
                                       speaker_head(doc, word, quoted=quoted), Rule.OBJECT, claimed_regions))
            continue
        if match is None or quoted(word):
            continue
        site = CueSite(doc, word, match.lemma, quoted, regions)
        first = first_clause(site, match.manner_only)
        if first is None:
            continue
        finder, clause = first
        if finder.final:
            found.append(classify(doc, clause, regions, word, match.lemma,
                                  Span(word.start, word.end), clause.speaker, clause.rule, claimed_regions))
            continue
        namings = [w for w in clause.words if w.index > word.index and naming_act(doc, w, is_cue)]
        clause = cut_nested_reports(doc, clause, word, lambda w: is_cue(w) or naming_act(doc, w, is_cue))
        cut_at_naming.update(w.index for w in namings if clause is None or w.start >= clause.end)
        if clause is None:
            continue
        # Manner verbs report quoted words, and the topic of talk ('spoke about [X]').
        if match.manner_only and clause.rule is not Rule.TOPIC and not mostly_quoted(clause, regions):
            continue
        clause = leave_self_attributed_quotations(doc, clause, word, regions, cues)
        if clause is None:  # what remains may be the cue's object: 'declared [the need for X]:'
            clause = object_content(doc, word, match.lemma)
            if clause is None or leave_self_attributed_quotations(doc, clause, word, regions, cues) is not clause:
                continue
        cue_span = Span(word.start, (match.particle or word).end if (match.particle or word).index >= word.index else word.end)
        speaker = site.speaker
        if speaker is not None and any(w.index == speaker.index for w in clause.words):
            # a speaker inside what they said is a parse error: look before the cue instead
            speaker = subject_by_surface(doc, word, quoted)
        found.append(classify(doc, clause, regions, word, match.lemma, cue_span, speaker,
                               clause.rule, claimed_regions))


def _quotations(work: Work) -> None:
    """Quoted regions no clause took: attributed to a cue next to them, joined with their other
    half, continued from the quote before, or given the previous speaker by context."""
    work.found.extend(QuotationPass(work).run())


def _learned_proposals(work: Work) -> None:
    """Reported phrases no rule found, proposed by the learned model (``proposals``)."""
    if work.proposer is not None:
        work.found.extend(work.proposer.propose(work.doc, work.found, work.regions, work.claimed_regions))


def _one_quote_per_stretch(work: Work) -> None:
    work.found = _dedupe(work.found)
    work.found.sort(key=lambda f: f.span.start)


def _coordinated_cues(work: Work) -> None:
    _coordinated_cues_share_the_speaker(work.found)


def _speaker_of_earlier_cue(work: Work) -> None:
    _share_speaker_with_earlier_cue(work.doc, work.found)


# The extractor, in order: each pass reads and extends what the passes before it found; speakers
# are resolved after the last one (``_resolve``).
PASSES: tuple[tuple[str, Callable[[Work], None]], ...] = (
    ("reported clauses", _reported_clauses),
    ("quotations", _quotations),
    ("learned proposals", _learned_proposals),
    ("one quote per stretch of text", _one_quote_per_stretch),
    ("coordinated cues share their speaker", _coordinated_cues),
    ("a cue without a subject takes the earlier cue's", _speaker_of_earlier_cue),
)


def _coordinated_cues_share_the_speaker(found: list[Found]) -> None:
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


def _share_speaker_with_earlier_cue(doc: ParsedDocument, found: list[Found]) -> None:
    """'"X," wrote Trump, adding "Y"': a participle cue without a speaker of its own speaks for
    the speaker of the cue before it in the same sentence."""
    for f in found:
        if f.speaker_head is not None or f.cue is None or f.cue.xpos != "VBG":
            continue
        earlier = [g for g in found if g.cue is not None and g.speaker_head is not None
                   and g.cue.sentence == f.cue.sentence and g.cue.index < f.cue.index]
        if earlier:
            f.share_speaker(max(earlier, key=lambda g: g.cue.index))


def _reports_report(outer: Found, inner: Found) -> bool:
    """Whether ``outer`` reports ``inner`` whole, cue included, from outside its own span ('X,
    saying Y, CNN reported' / 'According to pool reports, Obama said Y'). PolNeAR marks only
    the outer report there."""
    return (outer.rule in (Rule.PARENTHETICAL, Rule.ACCORDING) and outer.cue_span is not None and inner.cue_span is not None
            and outer.span.start <= inner.cue_span.start and inner.cue_span.end <= outer.span.end
            and not (outer.span.start <= outer.cue_span.start < outer.span.end))


def _dedupe(found: list[Found]) -> list[Found]:
    """One quote per stretch of text: overlapping finds keep the longer, earlier-found one."""
    kept: list[Found] = []
    # A clause reported by a verb with its own subject outranks the same clause found another way.
    for f in sorted(found, key=lambda f: (f.rule.precedence, -(f.span.end - f.span.start))):
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


def _resolve(doc: ParsedDocument, found: list[Found], regions: list[QuotedRegion],
             confidences: list[float | None]) -> Attribution:
    resolver = SpeakerResolver(doc, quoted=quote_test(regions))
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
            how = (Resolution.PREVIOUS_SPEAKER if f.rule is Rule.CONTEXT
                   else Resolution.SAME_MENTION)
            resolved[i] = (resolver.inherit(earlier, how), True)
            resolved[i][0].mention, resolved[i][0].mention_span = earlier.mention, earlier.mention_span
            continue
        head = f.speaker_head
        antecedent = antecedent_of_relative(doc, head) if is_relative_word(head) else None
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
    names = {e.speaker_id: (e.name, e.kind, e.title) for e in resolver.entities}
    for i, f in enumerate(found):
        speaker, linked = resolved[i]
        if speaker is not None:
            speaker.name, speaker.kind, speaker.title = names[speaker.speaker_id]
            speaker.confidence = _speaker_confidence(
                speaker, confidences[i] if confidences[i] is not None
                else FALLBACK_CONFIDENCE.get(speaker.resolution, 0.5))
        cue = Cue(text=doc.text[f.cue_span.start:f.cue_span.end], lemma=f.cue_lemma, span=f.cue_span) if f.cue_span else None
        parts = _parts(doc.text, f, regions)
        quotes.append(Quote(
            text=doc.text[f.span.start:f.span.end], span=f.span, type=f.type, speaker=speaker, cue=cue,
            confidence=_confidence(f, speaker, linked), sentence_index=f.sentence,
            rule=f.rule.label, parts=parts, words=" ".join(doc.text[p.start:p.end] for p in parts)))
    return Attribution(quotes=quotes, speakers=resolver.index())


def _speaker_confidence(speaker: Speaker, confidence: float) -> float:
    """The ranker's (or the table's) confidence, capped where a he/she was linked to a person
    of unknown gender (the ranker sees mentions, not what they resolve to)."""
    if speaker.agreement_unknown:
        confidence = min(confidence, UNKNOWN_AGREEMENT_CONFIDENCE)
    return round(confidence, 3)


def _parts(text: str, f: Found, regions: list[QuotedRegion]) -> list[Span]:
    """The pieces of a quotation taken from several quoted regions (halves around the
    attribution, paragraphs run on), and of one region that runs over paragraphs whose marks
    news style leaves open ('"X.' / '"Y," she said'); a report around an inserted attribution
    has the parts its finder gave; one part, the span, for everything else."""
    if f.parts:
        return list(f.parts)
    if f.type is not QuoteType.DIRECT:
        return [f.span]
    pieces = [regions[key].content for key in sorted(f.region_keys)] or [f.span]
    parts = []
    for content in pieces:
        start, end = max(content.start, f.span.start), min(content.end, f.span.end)
        for m in _PARAGRAPH_REOPENED.finditer(text, start, end):
            if start < m.start():
                parts.append(Span(start, m.start()))
            start = m.end()
        if start < end:
            parts.append(Span(start, end))
    return parts or [f.span]


# A line break and the opening mark of the quotation's next paragraph (a closing mark before
# it, where the writer closed the paragraph).
_PARAGRAPH_REOPENED = re.compile("[\u201d\"]?[ \t]*\n\\s*[\u201c\"]")


def _source_mention(doc: ParsedDocument, f: Found, mention: Mention) -> Mention:
    """'according to [figures published by the agency]': a description's mention is the whole
    source phrase, as PolNeAR marks sources, not its head noun ("figures") alone."""
    if f.rule is not Rule.ACCORDING or f.cue is None or mention.form != "nominal" \
            or f.cue.text.lower() != "according":
        return mention
    end = according_to_phrase_end(doc, f.cue, f.speaker_head)
    words = [w for w in doc.words[f.cue.index + 2:end + 1]]
    if not words or not (words[0].index <= mention.head.index <= words[-1].index) \
            or f.span.start < words[-1].end and words[0].start < f.span.end:
        return mention
    text = doc.text[words[0].start:words[-1].end]
    return replace(mention, words=words, text=text, span=Span(words[0].start, words[-1].end), name=text)


def _confidence(f: Found, speaker: Speaker | None, linked: bool) -> float:
    score = f.rule.prior(f.type)
    if speaker is None:
        return min(score, NO_SPEAKER_CONFIDENCE)
    pronoun = speaker.mention.lower() in lexicon.SPEAKER_PRONOUNS
    if pronoun and not linked:
        score -= PRONOUN_PENALTY  # a pronoun with no antecedent: the name is a guess
    elif pronoun and f.rule in (Rule.OBJECT, Rule.TOPIC):
        score -= PRONOUN_PENALTY  # 'he praised X': object reports after pronouns
    return round(max(0.05, min(0.99, score)), 3)
