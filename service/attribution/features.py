"""Features of a found quote, for the learned quote scorer (``service.attribution.scorer``).

Plain Python over a ``ParsedDocument`` and the ``Attribution`` the rules made: what each quote
is (its rule, type, cue and the cue's lexicon classes), how it looks (quote marks, clause shape,
length), where it stands (sentence and paragraph position, distances between cue, speaker and
span) and who says it (speaker mention kind and how the name was resolved). Nothing here knows of
models: a quote's features are a ``dict`` from name to number, and categorical values are
one-hot names (``rule=complement``), so a rule, cue or resolution the model never saw just adds
no feature it knows.

Keep features general (news writing, not the gold texts): no word of a quote's content is a
feature, only its shape; the cue lemma is (cue verbs are few and mean the same everywhere).
"""

from __future__ import annotations

from bisect import bisect_right

from service.attribution import cues as cue_lexicon
from service.attribution import lexicon
from service.document import FINITE_XPOS, ParsedDocument, Word
from service.attribution.quote_marks import QuotedRegion, find_quoted_regions
from service.attribution.spans import Attribution, Quote, Span

_MARKS = frozenset({lexicon.STRAIGHT_DOUBLE, *lexicon.OPENING_DOUBLE, *lexicon.CLOSING_DOUBLE,
                    "`", "'"})
_CUE_CLASSES = ("belief_verbs", "infinitive_verbs", "question_verbs", "inversion_lemmas",
                "attribution_verbs", "addressee_verbs", "bare_clause_lemmas")
_SUBJECT_RELS = ("nsubj", "csubj", "expl")


class DocumentContext:
    """What every quote of one document shares: quoted regions, paragraphs, sentence offsets."""

    def __init__(self, doc: ParsedDocument, attribution: Attribution) -> None:
        self.doc = doc
        self.regions: list[QuotedRegion] = find_quoted_regions(doc.text)
        self.quotes = attribution.quotes
        text = doc.text
        # paragraph starts (a line break starts one), for paragraph index and position
        self.paragraph_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.sentence_starts = [doc.words[s.start].start if len(s) else 0 for s in doc.sentences]
        self.cue_lemmas = [q.cue.lemma for q in attribution.quotes if q.cue is not None]

    def paragraph_of(self, offset: int) -> int:
        return bisect_right(self.paragraph_starts, offset) - 1


def quote_features(ctx: DocumentContext, quote: Quote) -> dict[str, float]:
    """The features of one quote of ``ctx``'s document."""
    doc = ctx.doc
    f: dict[str, float] = {}
    f["rule=" + (quote.rule or "none")] = 1.0
    f["type=" + quote.type.value] = 1.0
    f["rule_confidence"] = quote.confidence
    span = quote.span
    words = [w for w in doc.words_between(span.start, span.end)]
    content = [w for w in words if w.upos != "PUNCT"]
    _shape(f, doc, span, words, content)
    _marks(f, ctx, span)
    cue = _cue_word(doc, quote)
    _cue(f, doc, quote, cue, ctx)
    _speaker(f, doc, quote, cue)
    _position(f, ctx, quote, words)
    f["doc_quotes"] = float(len(ctx.quotes))
    f["doc_words"] = float(len(doc.words))
    f["overlapping_quotes"] = float(sum(1 for q in ctx.quotes if q is not quote and q.span.overlap(span) > 0))
    _neighbours(f, ctx, quote)
    return f


def document_features(doc: ParsedDocument, attribution: Attribution) -> list[dict[str, float]]:
    """Each quote's features, in the order of ``attribution.quotes``."""
    ctx = DocumentContext(doc, attribution)
    return [quote_features(ctx, quote) for quote in attribution.quotes]


def _shape(f: dict, doc: ParsedDocument, span: Span, words: list[Word], content: list[Word]) -> None:
    f["chars"] = float(len(span))
    f["words"] = float(len(content))
    f["has_verb"] = float(any(w.upos in ("VERB", "AUX") for w in content))
    f["has_finite_verb"] = float(any(w.xpos in FINITE_XPOS for w in content))
    inside = {w.index for w in words}
    f["has_subject"] = float(any(w.rel in _SUBJECT_RELS and w.head in inside for w in words))
    roots = [w for w in words if w.head not in inside]
    f["roots"] = float(len(roots))
    f["sentences"] = float(len({w.sentence for w in words}))
    if content:
        first, last = content[0], content[-1]
        f["first=that"] = float(first.text.lower() == "that")
        f["first_upos=" + first.upos] = 1.0
        f["first_capital"] = float(first.text[:1].isupper())
        f["last_upos=" + last.upos] = 1.0
        f["question"] = float("?" in doc.text[span.start:span.end])
        f["first_person"] = float(any(w.text.lower() in ("i", "we", "my", "our", "me", "us") for w in content))
        f["second_person"] = float(any(w.text.lower() in ("you", "your") for w in content))
        f["propn_share"] = sum(1 for w in content if w.upos == "PROPN") / len(content)
        f["title_case_share"] = sum(1 for w in content if w.text[:1].isupper()) / len(content)
        f["to_infinitive"] = float(first.text.lower() == "to" and len(content) > 1 and content[1].upos in ("VERB", "AUX"))
        f["nominal_root"] = float(any(r.upos in ("NOUN", "PROPN", "PRON", "NUM") for r in roots if r.upos != "PUNCT")
                                  and not f["has_verb"])
    end_text = doc.text[span.start:span.end].rstrip()
    f["ends_sentence"] = float(end_text[-1:] in (".", "!", "?") or end_text[-2:-1] in (".", "!", "?"))
    f["ends_comma"] = float(end_text[-1:] == ",")


def _marks(f: dict, ctx: DocumentContext, span: Span) -> None:
    text = ctx.doc.text
    inside = [r for r in ctx.regions if r.content.overlap(span) > 0]
    covered = sum(r.content.overlap(span) for r in inside)
    f["quoted_share"] = covered / max(1, len(span))
    f["regions"] = float(len(inside))
    f["unclosed_region"] = float(any(r.close_mark is None for r in inside))
    f["multi_paragraph_region"] = float(any(r.paragraphs > 1 for r in inside))
    before = text[max(0, span.start - 2):span.start].strip()
    after = text[span.end:span.end + 2].strip()
    f["mark_before"] = float(bool(before) and before[-1] in _MARKS)
    f["mark_after"] = float(bool(after) and after[0] in _MARKS)
    f["marks_inside"] = float(sum(1 for ch in text[span.start:span.end] if ch in _MARKS))
    f["colon_before"] = float(text[:span.start].rstrip()[-2:].rstrip("\"\u201c\u201d`' ").endswith(":"))


def _cue_word(doc: ParsedDocument, quote: Quote) -> Word | None:
    if quote.cue is None:
        return None
    return doc.word_at(quote.cue.span.start)


def _cue(f: dict, doc: ParsedDocument, quote: Quote, cue: Word | None, ctx: DocumentContext) -> None:
    if quote.cue is None:
        f["no_cue"] = 1.0
        return
    lemma = quote.cue.lemma.lower()
    f["cue=" + lemma] = 1.0
    lex = cue_lexicon.default_lexicon()
    head_lemma = lemma.split()[0]
    f["cue_manner"] = float(head_lemma in lex.manner or any(p[0] == head_lemma for p in lex.phrasal_manner))
    f["cue_phrasal"] = float(" " in lemma and lemma != "according to")
    f["cue_according"] = float(lemma == "according to")
    for name in _CUE_CLASSES:
        f["cue_class=" + name] = float(head_lemma in lexicon.words(name))
    f["cue_lemma_count"] = float(sum(1 for x in ctx.cue_lemmas if x == quote.cue.lemma))
    span, cue_span = quote.span, quote.cue.span
    if cue_span.end <= span.start:
        gap = span.start - cue_span.end
        f["cue_before"] = 1.0
    elif cue_span.start >= span.end:
        gap = cue_span.start - span.end
        f["cue_after"] = 1.0
    else:
        gap = 0
        f["cue_inside"] = 1.0
    f["cue_gap_chars"] = float(gap)
    lo, hi = sorted((span.start, cue_span.start)) if cue_span.start < span.start else sorted((span.end, cue_span.start))
    f["cue_gap_words"] = float(len(doc.words_between(lo, hi)))
    if cue is None:
        return
    f["cue_upos=" + cue.upos] = 1.0
    f["cue_xpos=" + (cue.xpos or "none")] = 1.0
    f["cue_rel=" + cue.rel] = 1.0
    f["cue_negated"] = float(any(c.lemma.lower() in ("not", "never", "n't") for c in doc.children(cue, "advmod")))
    f["cue_has_modal"] = float(any(c.xpos == "MD" for c in doc.children(cue, "aux")))
    f["cue_passive"] = float(any(c.deprel in ("aux:pass", "nsubj:pass") for c in doc.children(cue)))
    f["cue_sentence_is_quote_sentence"] = float(cue.sentence == quote.sentence_index)
    words_in_sentence = doc.sentences[cue.sentence]
    f["cue_sentence_position"] = (cue.index - words_in_sentence.start) / max(1, len(words_in_sentence))


def _speaker(f: dict, doc: ParsedDocument, quote: Quote, cue: Word | None) -> None:
    speaker = quote.speaker
    if speaker is None:
        f["no_speaker"] = 1.0
        return
    mention = speaker.mention.lower()
    f["resolution=" + (speaker.resolution.value if speaker.resolution else "none")] = 1.0
    f["speaker_kind=" + speaker.kind.value] = 1.0
    f["speaker_mention_words"] = float(len(speaker.mention.split()))
    f["speaker_name_words"] = float(len(speaker.name.split()))
    if mention in lexicon.PRONOUNS or mention in ("who", "which", "that"):
        f["mention=pronoun"] = 1.0
        f["pronoun=" + mention] = 1.0
    span = speaker.mention_span
    head = None
    if span is not None:
        mwords = doc.words_between(span.start, span.end)
        heads = [w for w in mwords if w.head < 0 or not span.start <= doc.words[w.head].start < span.end]
        head = heads[-1] if heads else (mwords[-1] if mwords else None)
        f["speaker_in_span"] = float(quote.span.start <= span.start < quote.span.end)
        f["speaker_before_span"] = float(span.end <= quote.span.start)
        if cue is not None:
            f["speaker_cue_gap_words"] = float(len(doc.words_between(min(span.end, cue.start), max(span.start, cue.end))))
            f["speaker_after_cue"] = float(span.start >= cue.end)
            f["speaker_sentence_is_cue_sentence"] = float(head is not None and head.sentence == cue.sentence)
    if head is not None and "mention=pronoun" not in f:
        f["mention=name" if head.upos == "PROPN" else "mention=noun_phrase"] = 1.0
        f["speaker_head_rel=" + head.rel] = 1.0
        f["speaker_head_plural"] = float(head.has_feat("Number=Plur"))
        f["speaker_person_noun"] = float(head.lemma.lower() in lexicon.words("person_nouns"))
        f["speaker_group_word"] = float(head.lemma.lower() in lexicon.words("group_words"))
    if speaker.antecedent_span is not None:
        f["antecedent_distance_chars"] = float(max(0, (span.start if span else quote.span.start)
                                                   - speaker.antecedent_span.end))


def _neighbours(f: dict, ctx: DocumentContext, quote: Quote) -> None:
    """The quotes around this one: a quotation given by context to the speaker of the quote
    before is likelier right when that quote is near and shares its cue or speaker."""
    before = [q for q in ctx.quotes if q.span.end <= quote.span.start]
    after = [q for q in ctx.quotes if q.span.start >= quote.span.end]
    if before:
        prev = max(before, key=lambda q: q.span.end)
        f["previous_quote_gap_chars"] = float(quote.span.start - prev.span.end)
        f["previous_quote_same_speaker"] = float(
            prev.speaker is not None and quote.speaker is not None and prev.speaker.speaker_id == quote.speaker.speaker_id)
        f["previous_quote_direct"] = float(prev.type.value == "direct")
    else:
        f["first_quote"] = 1.0
    if after:
        f["next_quote_gap_chars"] = float(min(q.span.start for q in after) - quote.span.end)
    if quote.cue is not None:
        f["cue_shared"] = float(sum(1 for q in ctx.quotes if q.cue is not None and q.cue.span == quote.cue.span) - 1)


def _position(f: dict, ctx: DocumentContext, quote: Quote, words: list[Word]) -> None:
    doc = ctx.doc
    n_sentences = max(1, len(doc.sentences))
    sentence = quote.sentence_index
    f["sentence_index"] = float(sentence)
    f["sentence_share"] = sentence / n_sentences
    f["first_sentence"] = float(sentence == 0)
    paragraph = ctx.paragraph_of(quote.span.start)
    f["paragraph_index"] = float(paragraph)
    p_start = ctx.paragraph_starts[paragraph]
    p_end = ctx.paragraph_starts[paragraph + 1] - 1 if paragraph + 1 < len(ctx.paragraph_starts) else len(doc.text)
    # sentences of the paragraph, and the quote's place among them
    lo = bisect_right(ctx.sentence_starts, p_start - 1)
    hi = bisect_right(ctx.sentence_starts, max(p_start, p_end - 1))
    f["paragraph_sentences"] = float(max(1, hi - lo))
    f["sentence_in_paragraph"] = float(max(0, sentence - lo))
    f["paragraph_share"] = len(quote.span) / max(1, len(doc.text[p_start:p_end].strip()))
    f["paragraph_chars"] = float(p_end - p_start)
    if 0 <= sentence < len(doc.sentences) and len(doc.sentences[sentence]):
        sent = doc.sentences[sentence]
        s_start, s_end = doc.words[sent.start].start, doc.words[sent.stop - 1].end
        f["sentence_share_covered"] = min(1.0, len(quote.span) / max(1, s_end - s_start))
        f["sentence_words"] = float(len(sent))
        f["span_starts_sentence"] = float(quote.span.start <= s_start + 2)
