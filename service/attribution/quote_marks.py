"""Pairing quote marks into quoted regions, following news conventions.

- Curly marks say which way they face; straight ones alternate within a paragraph.
- A paragraph ends at a line break, except a single one inside a hard-wrapped sentence (the next
  word lower-case, no . ! ? : before it), as the segmenter reads it too: '"It is a\nlong road,"
  she said' is one quotation.
- A quotation that runs over several paragraphs leaves each paragraph but the last unclosed and
  opens every following one again: those pieces form one region.
- An opening mark never closed ends its region at the end of its paragraph; a stray closing mark
  is ignored. Nothing here raises on unbalanced text.
- Single quotes are nested quotations (or apostrophes) and never open a region of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.attribution import lexicon
from service.attribution.spans import Span

_OPENING = {lexicon.ASCII_OPENING, *lexicon.OPENING_DOUBLE}
_CLOSING = set(lexicon.CLOSING_DOUBLE)  # '' alternates like a straight mark (NYT style)
# Two-character marks first so `` and '' are not read as two separate marks.
_MARK = re.compile("|".join(
    [re.escape(lexicon.ASCII_OPENING), re.escape(lexicon.ASCII_CLOSING)]
    + ["[" + re.escape("".join(sorted({lexicon.STRAIGHT_DOUBLE, *lexicon.OPENING_DOUBLE,
                                       *lexicon.CLOSING_DOUBLE}))) + "]"]))
_PARAGRAPH_BREAK = re.compile(r"\n")


@dataclass(frozen=True)
class QuotedRegion:
    open_mark: Span
    close_mark: Span | None  # None when the quotation was never closed
    content: Span  # between the marks, surrounding whitespace trimmed
    paragraphs: int  # how many paragraphs it spans

    @property
    def outer(self) -> Span:
        end = self.close_mark.end if self.close_mark else self.content.end
        return Span(self.open_mark.start, end)


def _paragraph_end(text: str, offset: int) -> int:
    found = _PARAGRAPH_BREAK.search(text, offset)
    while found and _wrapped_line(text, found.start()):
        found = _PARAGRAPH_BREAK.search(text, found.end())
    return found.start() if found else len(text)


def _wrapped_line(text: str, offset: int) -> bool:
    """Whether the line break at ``offset`` wraps a sentence rather than ending a paragraph."""
    following = text[offset + 1:offset + 80].lstrip(" \t")
    before = text[max(0, offset - 80):offset].rstrip(" \t")
    return (bool(following) and following[0].islower()
            and bool(before) and before[-1] not in ".!?:\u2026\n")


def _at_paragraph_start(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    return text[line_start:offset].strip() == ""


def _trimmed(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def find_quoted_regions(text: str) -> list[QuotedRegion]:
    regions: list[QuotedRegion] = []
    open_mark: Span | None = None
    paragraphs = 0
    region_para_end = 0  # end of the paragraph the open region currently runs in

    def close_unfinished() -> None:
        nonlocal open_mark
        if open_mark is not None:
            content = _trimmed(text, open_mark.end, region_para_end)
            if len(content) > 0:
                regions.append(QuotedRegion(open_mark, None, content, paragraphs))
            open_mark = None

    for match in _MARK.finditer(text):
        mark = Span(match.start(), match.end())
        symbol = match.group()
        if open_mark is not None and mark.start > region_para_end:
            # The open quotation's paragraph ended without a closing mark.
            continuing = _at_paragraph_start(text, mark.start) and symbol not in _CLOSING
            if continuing:
                paragraphs += 1
                region_para_end = _paragraph_end(text, mark.end)
                continue
            close_unfinished()
        if symbol in _OPENING:
            opens = True
        elif symbol in _CLOSING:
            opens = False
        else:  # straight mark: alternates
            opens = open_mark is None
        if opens:
            if open_mark is None:
                open_mark = mark
                paragraphs = 1
                region_para_end = _paragraph_end(text, mark.end)
            else:
                # Two openings in one paragraph: the first was stray; restart here.
                open_mark = mark
                paragraphs = 1
        elif open_mark is not None:
            content = _trimmed(text, open_mark.end, mark.start)
            if len(content) > 0:
                regions.append(QuotedRegion(open_mark, mark, content, paragraphs))
            open_mark = None
    if open_mark is not None:
        close_unfinished()
    return regions
