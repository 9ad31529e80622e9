"""Quotations no reported clause took, in text order (rules ADJACENT, SPLIT, COLON, CONTEXT):

a) a cue next to the quotation in its sentence (after the closing mark or before the opening
   one), with only the attribution between (ADJACENT);
b) "Cohen said:" ending the sentence or paragraph before (COLON);
c) the other half of a quotation split by its attribution: '"X," he said. "Y"' (SPLIT);
d) the next sentence of a quotation attributed just before it, in the same paragraph;
e) a quotation standing alone, given the speaker of the quote before it (CONTEXT).
Short phrases in marks with no cue are scare quotes or titles, dropped.
"""

from __future__ import annotations

from service.attribution import cues as cue_lexicon
from service.attribution import lexicon
from service.attribution.found import Found, Work, quote_test
from service.document import ParsedDocument, Word
from service.attribution.quote_marks import QuotedRegion
from service.attribution.rules import Rule
from service.attribution.spans import QuoteType, Span
from service.attribution.speakers.heads import speaker_head


SCARE_QUOTE_MAX_WORDS = 4  # a cue-less phrase in marks this short is a scare quote


SPLIT_GAP_MAX_WORDS = 10  # words between the halves of a split quote ("X," he said. "Y")


CONTEXT_SPEAKER_CHARS = 1200  # a cue-less quotation takes the speaker of a quote this near


def _cue_near(doc: ParsedDocument, sentence: range, outside: Span, quoted,
              cues: dict[int, cue_lexicon.CueMatch | None]):
    """Speech cues in ``sentence`` outside any quotation (``quoted``: ``found.quote_test``),
    nearest to ``outside`` first."""
    out = []
    for i in sentence:
        w = doc.words[i]
        if outside.start <= w.start < outside.end or quoted(w):
            continue
        match = cues[w.index]
        if match is not None:
            distance = outside.start - w.end if w.end <= outside.start else w.start - outside.end
            out.append((distance, match))
    out.sort(key=lambda pair: pair[0])
    return [m for _, m in out]


class QuotationPass:
    """Quoted regions no clause took, in text order. Each step looks at region ``k`` and says
    how many regions it used (two when it joins the halves of a split quote)."""

    def __init__(self, work: Work) -> None:
        self.doc, self.regions, self.cues = work.doc, work.regions, work.cues
        self.claimed, self.found = work.claimed_regions, work.found
        self.quoted = quote_test(work.regions)
        self.by_start = sorted(work.found, key=lambda f: f.span.start)
        self.out: list[Found] = []

    def run(self) -> list[Found]:
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
        match, rule, speaker = self._cue_for(region, words)
        if match is not None:
            return self._attributed(k, region, match, rule, speaker)
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
                 ) -> tuple[cue_lexicon.CueMatch | None, Rule, Word | None]:
        """The quotation's cue, the rule that found it, and its speaker where the shape names it."""
        doc, regions, cues = self.doc, self.regions, self.cues
        first_sentence = words[0].sentence
        last_sentence = words[-1].sentence
        # a) a cue in the sentence of the closing mark, after it; or of the opening mark, before it
        candidates = []
        if region.close_mark is not None:
            candidates += _cue_near(doc, doc.sentences[last_sentence], region.outer, self.quoted, cues)
        candidates += [m for m in _cue_near(doc, doc.sentences[first_sentence], region.outer, self.quoted, cues)
                       if m.word.end <= region.open_mark.start]
        candidates = [m for m in candidates if _attribution_adjacent(doc, region, m.word, regions)]
        if _embedded_phrase(doc, region, words) and not (candidates and _right_after_cue(doc, region, candidates[0].word)):
            candidates = []  # 'called her "third-rate"', 'told ABC's "Good Morning America"'
        if candidates:
            return candidates[0], Rule.ADJACENT, None
        said_by = _speech_noun_before(doc, region) or _summed_up_after(doc, region)
        if said_by is not None:
            # 'Her answer: "X"' / '"X" — that is how the coach put it': no speech verb, but the
            # phrase names the speaker
            cue, speaker = said_by
            return cue_lexicon.CueMatch(cue, cue.lemma.lower(), False), Rule.ADJACENT, speaker
        if first_sentence > 0:
            # b) "Cohen said:" ending the previous sentence or paragraph
            prev = doc.sentences[first_sentence - 1]
            last_word = doc.words[prev.stop - 1]
            if last_word.text == ":" or text_before_is_colon(doc.text, region.open_mark.start):
                prev_cues = _cue_near(doc, prev, Span(last_word.end, last_word.end), self.quoted, cues)
                if prev_cues:
                    return prev_cues[0], Rule.COLON, None
        return None, Rule.ADJACENT, None

    def _attributed(self, k: int, region: QuotedRegion, match: cue_lexicon.CueMatch,
                    rule: Rule, speaker: Word | None = None) -> int:
        doc, regions = self.doc, self.regions
        span = region.content
        keys: tuple[int, ...] = (k,)
        # c) the other half of a split quote: "X," he said. "Y"  /  "X," he said, "Y"
        if _split_continuation(doc, regions, k, match.word, self.claimed, self.cues):
            span = Span(region.content.start, regions[k + 1].content.end)
            keys = (k, k + 1)
            rule = Rule.SPLIT
        else:
            owner = _owner_of_next_half(doc, regions, k, match.word, self.found, self.cues)
            if owner is not None:
                # '"X," Bond said, "Y"' where the parse made "Y" the complement of "said": one
                # split quote, from the first half's mark to the second's
                owner.take_first_half(k, region.content.start, regions[k + 1].content.end)
                self.claimed.add(k)
                return 1
        self.out.append(Found(span, QuoteType.DIRECT, match.word, match.lemma,
                               Span(match.word.start, match.word.end),
                               speaker or speaker_head(doc, match.word, quoted=self.quoted), rule,
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
            self.out.append(Found(region.content, QuoteType.DIRECT, None, "", None,
                                   nearest.speaker_head, Rule.CONTEXT, words[0].sentence, (k,)))
        # else: a quotation with no cue and no speaker near it is not an attribution (a title, a
        # motto, a passage quoted without a source); not one such was a gold quote on PolNeAR.
        return 1


def _speech_noun_before(doc: ParsedDocument, region: QuotedRegion) -> tuple[Word, Word] | None:
    """'Her answer: "X"', 'The coach's verdict: "X"', 'His reply was brief: "X"': a possessed noun
    for what was said (lexicon SPEECH_NOUNS), then a colon, opening the quotation's sentence.
    Returns the noun (the cue) and the possessor (the speaker)."""
    if not text_before_is_colon(doc.text, region.open_mark.start):
        return None
    colon = doc.word_at(doc.text.rfind(":", 0, region.open_mark.start))
    if colon is None:
        return None
    sentence = doc.sentence_of(colon)
    lead = [w for w in doc.words[sentence.start:colon.index] if w.upos != "PUNCT" or w.xpos == "POS"]
    # 'His reply [was brief]': a copula and its adjective may follow the noun
    if len(lead) >= 3 and lead[-2].lemma.lower() == "be" and lead[-1].upos in ("ADJ", "ADV"):
        lead = lead[:-2]
    if not lead or lead[-1].upos != "NOUN" or lead[-1].lemma.lower() not in lexicon.SPEECH_NOUNS \
            or len(lead) > 6:
        return None
    noun = lead[-1]
    possessors = [w for w in doc.children(noun, "nmod:poss", "nmod") if w.index < noun.index]
    if not possessors or any(w.upos in ("VERB", "AUX") for w in lead):
        return None
    return noun, possessors[0]


# '"X" — that is how the coach put it': the demonstrative that sums up the quotation
_SUMMING_UP = ("that", "this", "which")


def _summed_up_after(doc: ParsedDocument, region: QuotedRegion) -> tuple[Word, Word] | None:
    """'"X" — that is how the coach put it', '"X," which is what the mayor told them': after the
    closing mark, a demonstrative, "is how/what", and a clause whose subject is the speaker.
    Returns the clause's verb (the cue) and its subject."""
    if region.close_mark is None:
        return None
    after = [w for w in doc.words_between(region.outer.end, region.outer.end + 80)
             if w.upos != "PUNCT" or w.text in (".", "!", "?", ";")]
    if len(after) < 5 or after[0].lemma.lower() not in _SUMMING_UP or after[1].lemma.lower() != "be" \
            or after[2].lemma.lower() not in ("how", "what"):
        return None
    gap = doc.text[region.outer.end:after[0].start].strip()
    if gap not in ("\u2014", "--", "-", ",", "\u2013", ".") or after[0].sentence != after[4].sentence:
        return None
    verb = next((w for w in after[3:8] if w.upos == "VERB"), None)
    if verb is None or not (cue_lexicon.match_cue(doc, verb) is not None or verb.lemma.lower() in ("put", "describe")):
        return None
    subjects = [w for w in doc.children(verb, "nsubj") if after[2].index < w.index < verb.index]
    if not subjects:
        return None
    return verb, subjects[0]


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
                        found: list[Found], cues) -> Found | None:
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
        own = [m for m in _cue_near(doc, doc.sentences[nxt_words[-1].sentence], nxt.outer,
                                     quote_test(regions), cues)
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
    speaker = speaker_head(doc, cue, quoted=quote_test(regions))
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


def _previous_attributed(found: list[Found], regions: list[QuotedRegion], k: int) -> Found | None:
    """The direct quote with a cue that took the region just before regions[k]."""
    if k == 0:
        return None
    return next((f for f in found if f.type in (QuoteType.DIRECT, QuoteType.MIXED) and f.cue is not None
                 and f.region_keys and f.region_keys[-1] == k - 1), None)


def _continues_in_paragraph(doc: ParsedDocument, before: QuotedRegion, region: QuotedRegion,
                            previous: Found) -> bool:
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
