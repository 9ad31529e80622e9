"""Tokens and sentences for news text: spaCy's English tokenizer rules plus news-aware splitting.

spaCy's rule tokenizer (no model) gives the tokens. Sentence breaks are ours, because quotes
decide them in news writing and the generic sentencizer gets these wrong:
- a line break ends a sentence (paragraphs, headlines, captions), except a single one inside a
  sentence wrapped mid-clause ("a hate\ncrime, he said": next word lower-case, no . ! ? before);
- closing quote marks and brackets after . ! ? stay with the sentence they close;
- an opening quote mark after . ! ? starts the next sentence;
- "...!" wrote Trump / "...?" he asked: no break when the next word is lower-case;
- "...?" Weaver said / "...!" Gen. Mark Milley told reporters: no break after ?/! and a closing
  quote mark when a few capitalised words and a speech verb follow (the attribution).

Tokens made only of symbols (emoji and other pictographs, skin-tone modifiers, variation
selectors, zero-width joiners, keycap marks) are left out: they are not words, and the parser,
trained on text without them, hangs them into the clause and breaks it ('😀 "Hi there," Maria
Lopez said.' lost its quote). The words around them keep their offsets into the caller's text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from service import document

TERMINATORS = {".", "!", "?", "...", "\u2026", "?!", "!?", "!!", "??"}
CLOSING_BRACKETS = {")", "]", "}"}
DOUBLE_QUOTES = {document.STRAIGHT_DOUBLE, document.ASCII_OPENING, document.ASCII_CLOSING,
                 *document.OPENING_DOUBLE, *document.CLOSING_DOUBLE}
SINGLE_QUOTES = {document.STRAIGHT_SINGLE, *document.OPENING_SINGLE, *document.CLOSING_SINGLE}
# Past and present forms of common speech verbs, as they follow a name in an attribution.
# Speech verb forms after a name ('"Why?" asked Smith'): no sentence break before them.
ATTRIBUTION_VERBS = document.read_word_list(Path(__file__).with_name("attribution_verbs.txt"))
NAME_JOINERS = {"the", "of", "'s", "\u2019s", "-", ".", "de", "van", "von", "al"}
OPENING_ONLY = {document.ASCII_OPENING, *document.OPENING_DOUBLE, *document.OPENING_SINGLE}
CLOSING_ONLY = {document.ASCII_CLOSING, *document.CLOSING_DOUBLE, *document.CLOSING_SINGLE}
# Unicode categories of characters that are never words: other and modifier symbols (emoji,
# pictographs, dingbats, skin tones), format characters (zero-width joiner, BOM), private use,
# surrogates, and marks standing alone (variation selectors, the keycap).
SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Cf", "Co", "Cs", "Mn", "Me"})
STANDALONE_SYMBOLS = frozenset({"So", "Sk", "Co", "Cs"})  # never part of a word


@lru_cache(maxsize=1)
def _symbol_run() -> re.Pattern:
    """A run of symbol characters: the categories as a regex class of code point ranges (built
    once, on first use: a pass over all of Unicode takes a fifth of a second)."""
    ranges, start = [], None
    for c in range(0x110001):
        inside = c < 0x110000 and unicodedata.category(chr(c)) in SYMBOL_CATEGORIES
        if inside and start is None:
            start = c
        elif not inside and start is not None:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(c - 1))}")
            start = None
    return re.compile("[" + "".join(ranges) + "]+")


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


def blank_symbols(text: str) -> str:
    """``text`` with each run of symbol characters ("😀", "👍🏽", "★", a ZWJ sequence, "™") as
    spaces. Marks and format characters that follow a letter or digit stay: they belong to it
    (a combining accent, a soft hyphen, a keycap "1️⃣")."""
    def blank(run: re.Match) -> str:
        chars = run.group()
        attached = run.start() > 0 and text[run.start() - 1].isalnum()
        if attached and not any(unicodedata.category(ch) in STANDALONE_SYMBOLS for ch in chars):
            return chars
        return " " * len(chars)
    return _symbol_run().sub(blank, text)


def is_quote_mark(token_text: str) -> bool:
    return token_text in DOUBLE_QUOTES or token_text in SINGLE_QUOTES


def quote_opens(text: str, start: int, end: int) -> bool:
    """Whether the quote mark at text[start:end] opens a quotation (by shape, else by spacing)."""
    mark = text[start:end]
    if mark in OPENING_ONLY:
        return True
    if mark in CLOSING_ONLY:
        return False
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isspace() or before in "([{\u2014\u2013-/":
        return not after.isspace()
    return False


class NewsSegmenter:
    """Tokenizes and sentence-splits documents; cheap (rules only), safe to share across threads."""

    def __init__(self) -> None:
        from spacy.lang.en import English

        self._nlp = English()  # tokenizer only: no model, no download

    def tokenize(self, text: str) -> list[Token]:
        return self._tokenize_blanked(blank_symbols(text))

    def _tokenize_blanked(self, text: str) -> list[Token]:
        from spacy.attrs import IDX, IS_SPACE, LENGTH

        # Offsets read as one array (spaCy's Token objects cost more than the tokenizing); a
        # token's text is its slice of the text, as spaCy's tokenizer never rewrites it.
        offsets = self._nlp.make_doc(text).to_array([IDX, LENGTH, IS_SPACE]).tolist()
        return [Token(text[start:start + length], start, start + length)
                for start, length, space in offsets if not space]

    def split(self, text: str) -> list[list[Token]]:
        """Sentences of ``text`` as token lists; every token carries its character offsets."""
        # Symbols read as blanks (same length, so offsets hold): glued to a word or a quote mark
        # ('"Hi,"😀', '😀"Hi') they would otherwise stay inside its token or turn an opening
        # mark into a closing one.
        text = blank_symbols(text)
        tokens = self._tokenize_blanked(text)
        sentences: list[list[Token]] = []
        current: list[Token] = []
        i = 0
        n = len(tokens)
        while i < n:
            token = tokens[i]
            if current and "\n" in text[current[-1].end:token.start] and not _wrapped_line(
                    text[current[-1].end:token.start], current[-1], token):
                sentences.append(current)
                current = []
            current.append(token)
            i += 1
            if token.text not in TERMINATORS and not token.text.endswith(("!", "?")):
                continue
            # Absorb closing quotes/brackets that belong to this sentence (no line break before them).
            while i < n and "\n" not in text[tokens[i - 1].end:tokens[i].start] and (
                    tokens[i].text in CLOSING_BRACKETS
                    or (is_quote_mark(tokens[i].text)
                        and not quote_opens(text, tokens[i].start, tokens[i].end))):
                current.append(tokens[i])
                i += 1
            if i >= n:
                break
            following = tokens[i]
            if "\n" in text[current[-1].end:following.start]:
                continue  # the line-break rule above ends the sentence
            first_char = following.text[0]
            if first_char.islower() or first_char.isdigit() or following.text in {",", ";", ":"}:
                continue  # '"...!" wrote Trump', 'U.S. officials' mid-sentence, '... 3 p.m. yesterday'
            if token.text == "." and len(current) >= 2 and _looks_like_initial(current[-2].text):
                continue
            if token.text != "." and current[-1] is not token and _attribution_follows(text, tokens, i):
                continue
            sentences.append(current)
            current = []
        if current:
            sentences.append(current)
        return [piece for sentence in sentences for piece in _cap_length(sentence)]


MAX_SENTENCE_TOKENS = 150  # parser memory and time grow with the square of sentence length


def _cap_length(sentence: list[Token]) -> list[list[Token]]:
    """Cut run-on "sentences" (lists, tables, unpunctuated text) into parseable pieces,
    preferring a break after a semicolon or comma."""
    pieces = []
    while len(sentence) > MAX_SENTENCE_TOKENS:
        window = sentence[MAX_SENTENCE_TOKENS // 2:MAX_SENTENCE_TOKENS]
        cut = next((MAX_SENTENCE_TOKENS // 2 + i + 1 for i in range(len(window) - 1, -1, -1)
                    if window[i].text in (";", ",", ":")), MAX_SENTENCE_TOKENS)
        pieces.append(sentence[:cut])
        sentence = sentence[cut:]
    pieces.append(sentence)
    return pieces


def _wrapped_line(gap: str, last: Token, following: Token) -> bool:
    """A single line break inside a sentence (hard-wrapped text), not a paragraph or headline."""
    return (gap.count("\n") == 1 and following.text[0].islower()
            and last.text not in TERMINATORS and not last.text.endswith(("!", "?", ":")))


def _attribution_follows(text: str, tokens: list[Token], i: int, max_name_tokens: int = 6) -> bool:
    """Whether tokens[i:] read 'Weaver said' / 'Sen. Tim Kaine told': a short run of capitalised
    words (a name, a title) and then a speech verb, on the same line."""
    for k in range(i, min(i + max_name_tokens + 1, len(tokens))):
        word = tokens[k].text
        if "\n" in text[tokens[k - 1].end:tokens[k].start]:
            return False
        if word in ATTRIBUTION_VERBS:
            return k > i
        if not (word[0].isupper() or word.lower() in NAME_JOINERS):
            return False
    return False


def _looks_like_initial(word: str) -> bool:
    # "John F. Kennedy" sometimes tokenises as F + "."; a single capital letter is never a sentence.
    return len(word) == 1 and word.isupper()
