"""Labelled sections ("Summary:", "A/N", "Disclaimer"...): front matter before the story, notes inside chapters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from audiobook.model import Paragraph, Section

from .lexer import TextSource, Unit
from .lines import (
    BYLINE,
    CREDIT,
    LABEL,
    LABEL_NAMES,
    STRONG_NOTE,
    clean_heading_text,
    display_case,
    heading_match,
    title_like,
)

#: A note at the end of a chapter runs to the end of the chapter, but never over more than this many
#: paragraphs: a longer run after a note is story text.
_MAX_TRAILING_NOTE = 8


def label_of(text: TextSource, unit: Unit) -> str | None:
    """The section label of a unit that starts with one ("Summary:", "A/N", ...)."""
    if unit.scene:
        return None
    head = text[unit.start:min(unit.end, unit.start + 60)]
    m = LABEL.match(head)
    if m is None:
        return None
    return LABEL_NAMES[m.lastgroup or "meta"]


def strip_label(s: str) -> str:
    m = LABEL.match(s)
    if m:
        s = s[m.end():]
    s = s.lstrip(" :-–—").strip().strip("*_").strip()
    return re.sub(r"\s+", " ", s)


@dataclass(slots=True)
class Front:
    sections: list[Section]
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    story_from: int = 0  # index of the first unit after the leading front matter


def section_of(label: str, units: Sequence[Unit], lo: int, hi: int) -> Section:
    paras = tuple(Paragraph(u.start, u.end) for u in units[lo:hi] if not u.scene)
    return Section(label, units[lo].start, units[hi - 1].end, paras)


def label_extent(text: TextSource, units: Sequence[Unit], i: int, hi: int, to_end: bool) -> int:
    """End (exclusive unit index) of the labelled section starting at unit i, within units[:hi].

    A note at the start runs over the following paragraphs only when something clearly ends it soon
    (a scene break, a title line, another label, the next heading); otherwise it is one paragraph.
    """
    if to_end:
        j = i + 1
        while j < hi and not units[j].scene:
            j += 1
        return j if j - i <= _MAX_TRAILING_NOTE else i + 1
    for j in range(i + 1, min(hi, i + 7)):
        u = units[j]
        if u.scene or label_of(text, u) or title_like(text[u.start:u.end]):
            return j
    if hi - i <= 6:
        return hi
    return i + 1


def leading_front(
    text: TextSource, units: Sequence[Unit], lo: int, hi: int, heading_after: bool, title_units: set[int]
) -> Front:
    """Leading labelled front matter, story title and byline among units[lo:hi].

    `title_units` are units known to be the title (an HTML <h1>), taken as such if reached.
    """
    front = Front([])
    i = lo
    while i < hi:
        u = units[i]
        s = text[u.start:u.end]
        if u.scene:
            i += 1
            continue
        if i in title_units and front.title is None:
            front.title = display_case(clean_heading_text(s))
            front.sections.append(section_of("title", units, i, i + 1))
            i += 1
            continue
        label = label_of(text, u)
        if label is not None:
            j = i + 1
            if label in ("author's note", "summary", "disclaimer"):
                j = label_extent(text, units, i, hi, False)
            if not heading_after and j == hi:
                j = i + 1  # never swallow a whole headless story
            if j == i + 1 and i + 1 < hi and not units[i + 1].scene and not strip_label(s):
                j = i + 2  # a bare "Notes:" line: the note is the paragraph under it
            sec = section_of(label, units, i, j)
            front.sections.append(sec)
            value = strip_label(s)
            if label == "summary" and front.summary is None:
                front.summary = " ".join(
                    [value] + [re.sub(r"\s+", " ", text[p.start:p.end]) for p in sec.paragraphs[1:]]
                ).strip() or None
            elif label == "byline" and front.author is None and value:
                front.author = value
            elif label == "title" and front.title is None and value:
                front.title = value
            i = j
            continue
        bm = BYLINE.match(s)
        if bm and (front.title is not None or i > lo) and front.author is None:
            front.author = bm.group("name").strip()
            front.sections.append(section_of("byline", units, i, i + 1))
            i += 1
            continue
        if front.title is None and title_like(s) and not CREDIT.match(s) and heading_match(s) is None:
            front.title = display_case(clean_heading_text(s))
            front.sections.append(section_of("title", units, i, i + 1))
            i += 1
            continue
        break
    front.story_from = i
    return front



def chapter_body(
    text: TextSource, units: Sequence[Unit], lo: int, hi: int
) -> tuple[tuple[Paragraph, ...], tuple[Section, ...]]:
    """Paragraphs (with scene numbers) and skipped notes of the units[lo:hi] of one chapter."""
    paras: list[Paragraph] = []
    skipped: list[Section] = []
    scene = 0
    pending_break = False
    i = lo
    while i < hi:
        u = units[i]
        if u.scene:
            pending_break = bool(paras)
            i += 1
            continue
        label = label_of(text, u)
        if label is not None and paras and not STRONG_NOTE.match(text[u.start:u.end]):
            label = None  # mid-chapter, only an unmistakable author's note stops the story
        if label is not None:
            if paras:
                j = label_extent(text, units, i, hi, True)
            elif label in ("author's note", "disclaimer", "summary"):
                j = label_extent(text, units, i, hi, False)
                if j == hi and hi - i > 1 and not any(units[k].scene for k in range(i, hi)):
                    j = i + 1  # a note at the top of a short chapter: keep the story
            else:
                j = i + 1
            if j == i + 1 and i + 1 < hi and not units[i + 1].scene and not strip_label(text[u.start:u.end]):
                j = i + 2  # a bare "Notes:" line: the note is the paragraph under it
            skipped.append(section_of(label, units, i, j))
            i = j
            continue
        if pending_break:
            scene += 1
            pending_break = False
        paras.append(Paragraph(u.start, u.end, scene))
        i += 1
    return tuple(paras), tuple(skipped)


def has_text(units: Sequence[Unit], lo: int, hi: int) -> bool:
    return any(not units[k].scene for k in range(lo, hi))


