"""Attribution review: the least certain dialogue lines, with context and a ready-made override."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Book, Chapter, Override, Segment

# The same tokenisation as parser.apply_overrides: overrides match on words, case and punctuation ignored.
_WORDS = re.compile(r"[\w']+")

#: Fewest opening words an override snippet uses (fewer would too easily match other lines later).
MIN_WORDS = 4


@dataclass(frozen=True)
class ReviewItem:
    """One uncertain line (with any continuation of it in the same paragraph) and what surrounds it."""

    book: str
    chapter: str
    lines: tuple[Segment, ...]  # the line and same-speaker lines of its paragraph, in reading order
    paragraph: tuple[Segment, ...]  # every segment of the line's paragraph, narration included
    before: tuple[Segment, ...]  # every segment of the paragraph before (empty at a chapter start)
    after: tuple[Segment, ...]  # every segment of the paragraph after
    openings: tuple[str, ...]  # per line: the opening words an override needs to pick out that line
    unique: bool  # False if even nth:/chapter: cannot pick out each line alone (an override hits several)
    nearby: tuple[str, ...]  # other speakers heard near the line, nearest first: the likely alternatives
    # Per line, when its opening repeats: which of the chapter's lines starting so (nth:), and the chapter
    # (chapter:) when other chapters have such a line too; None where not needed.
    nths: tuple[int | None, ...] = ()
    chapters: tuple[str | None, ...] = ()

    @property
    def line(self) -> Segment:
        """The least certain of the item's lines."""
        return min(self.lines, key=lambda s: s.confidence)

    @property
    def confidence(self) -> float:
        """The lowest confidence among the item's lines."""
        return min(s.confidence for s in self.lines)

    def snippet(self, speaker: str | None = None) -> str:
        """The voices.yaml `overrides:` entries that give these lines to `speaker` (default: current)."""
        who = speaker or self.line.speaker or (self.nearby[0] if self.nearby else "Name")
        out = []
        for i, opening in enumerate(self.openings):
            out.append(f"  - line: {_yaml_str(opening)}")
            if i < len(self.nths) and self.nths[i] is not None:
                out.append(f"    nth: {self.nths[i]}")
            if i < len(self.chapters) and self.chapters[i] is not None:
                out.append(f"    chapter: {_yaml_str(self.chapters[i] or '')}")
            note = ""
            if i == len(self.openings) - 1 and not speaker:
                alternatives = [n for n in self.nearby if n != who]
                if self.line.speaker is None:
                    note = "  # a guess: nobody is credited now" + (f"; or: {', '.join(alternatives)}"
                                                                      if alternatives else "")
                elif alternatives:
                    note = f"  # or: {', '.join(alternatives)}"
            out.append(f"    speaker: {_yaml_name(who)}{note}")
        return "\n".join(out)


def _yaml_str(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar (same escapes), so json.dumps quotes it safely.
    return json.dumps(text, ensure_ascii=False)


def _yaml_name(name: str) -> str:
    # Plain scalars are friendlier to edit; quote only names YAML would misread (Yes, 1984, "a: b", #tag...).
    plain = re.fullmatch(r"[A-Za-z][\w .'-]*", name) and name.strip() == name
    reserved = name.casefold() in {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"}
    return name if plain and not reserved and ": " not in name and " #" not in name else _yaml_str(name)


def words(text: str) -> list[str]:
    """The words override matching compares (same rule as parser.apply_overrides)."""
    return _WORDS.findall(text.casefold())


def opening_text(text: str, n: int) -> str:
    """The line's own text up to the end of its n-th word (readable; matches the same n words)."""
    ms = list(_WORDS.finditer(text))
    if not ms:
        return " ".join(text.split())
    end = ms[min(n, len(ms)) - 1].end()
    return " ".join(text[ms[0].start():end].split())


def _opening_for(seg: Segment, others: Sequence[list[str]]) -> tuple[str, bool]:
    """The shortest opening (at least MIN_WORDS words) that no other dialogue line starts with."""
    mine = words(seg.text)
    for n in range(min(MIN_WORDS, len(mine)), len(mine) + 1):
        prefix = mine[:n]
        # apply_overrides matches a line whose words equal the prefix or start with it (word boundary).
        if not any(o[:n] == prefix for o in others):
            return opening_text(seg.text, n), True
    return opening_text(seg.text, len(mine)), False


def _pick(line: Segment, opening: str, chapter: Chapter,
          chapters: Sequence[Chapter]) -> tuple[int | None, str | None]:
    """nth: (and chapter: when needed) that make an override starting with `opening` pick exactly `line`.

    (None, None) when no such pair exists (a twin chapter title, say): the snippet then hits several lines.
    """
    from .book import select_lines  # book imports the attribution passes; review stays light without them

    probe = Override(opening, "?")
    mine = select_lines(chapter.segments, probe)
    at = next((k for k, i in enumerate(mine) if chapter.segments[i] is line
               or (chapter.segments[i].start, chapter.segments[i].end) == (line.start, line.end)), None)
    if at is None:
        return None, None
    nth = at + 1
    probe = Override(opening, "?", nth=nth)
    elsewhere = [ch for ch in chapters if ch is not chapter and select_lines(ch.segments, probe, title=ch.title)]
    if not elsewhere:
        return nth, None
    probe = Override(opening, "?", nth=nth, chapter=chapter.title)
    twins = [ch for ch in chapters if ch is not chapter and select_lines(ch.segments, probe, title=ch.title)]
    return (nth, chapter.title) if not twins else (None, None)


def override_for(line: Segment, chapter: Chapter, books: Sequence[Book], speaker: str) -> Override:
    """The override that gives exactly `line` to `speaker`: its shortest unique opening, else nth:/chapter:."""
    everyone = [words(s.text) for b in books for ch in b.chapters for s in ch.segments if s.kind == "dialogue"]
    with_line = list(everyone)
    if words(line.text) in with_line:
        with_line.remove(words(line.text))
    text, ok = _opening_for(line, with_line)
    nth, where = (None, None) if ok else _pick(line, text, chapter, [c for b in books for c in b.chapters])
    return Override(text, speaker, nth, where)


def _by_paragraph(chapter: Chapter) -> dict[int, list[Segment]]:
    paras: dict[int, list[Segment]] = {}
    for seg in chapter.segments:
        paras.setdefault(seg.paragraph, []).append(seg)
    return paras


def _nearby(chapter: Chapter, line: Segment, span: int = 4) -> tuple[str, ...]:
    """Speakers of dialogue within `span` paragraphs, nearest first, then the rest of the chapter's cast."""
    scored: dict[str, int] = {}
    for seg in chapter.segments:
        if seg.kind == "dialogue" and seg.speaker and seg.speaker != line.speaker:
            d = abs(seg.paragraph - line.paragraph)
            if d <= span:
                scored[seg.speaker] = min(d, scored.get(seg.speaker, d))
    near = sorted(scored, key=lambda n: scored[n])
    rest = [c.name for c in sorted(chapter.characters, key=lambda c: -c.lines)
            if c.name not in scored and c.name != line.speaker]
    return tuple(near + rest)[:4]


def review_items(books: Sequence[Book], limit: int | None = 10) -> list[ReviewItem]:
    """The least certain dialogue lines across the books, lowest confidence first (overridden lines excluded)."""
    groups: list[tuple[str, Chapter, dict[int, list[Segment]], list[Segment]]] = []
    for book in books:
        title = book.title or (book.source.stem if book.source else "")
        for chapter in book.chapters:
            paras = _by_paragraph(chapter)
            grouped: set[tuple[int, int]] = set()
            candidates = sorted((s for s in chapter.segments if s.kind == "dialogue" and s.reason != "override"),
                                key=lambda s: (s.confidence, s.speaker is not None, s.start))
            for seg in candidates:
                if (seg.start, seg.end) in grouped:
                    continue
                # A continuation in the same paragraph inherits the line's speaker: review (and fix) them together.
                lines = [seg] + [s for s in paras[seg.paragraph] if s.kind == "dialogue" and s is not seg
                                 and s.speaker == seg.speaker and s.reason != "override"]
                grouped.update((s.start, s.end) for s in lines)
                groups.append((title, chapter, paras, sorted(lines, key=lambda s: s.start)))
    groups.sort(key=lambda g: (min(s.confidence for s in g[3]), g[3][0].speaker is not None))  # stable: in order
    if limit is not None:
        groups = groups[:limit]
    # Openings are computed only for the lines shown: each one is checked against every dialogue line.
    all_dialogue = [words(s.text) for b in books for ch in b.chapters for s in ch.segments if s.kind == "dialogue"]
    chapters = [ch for b in books for ch in b.chapters]
    items = []
    for title, chapter, paras, lines in groups:
        seg = lines[0]
        openings, nths, where, unique = [], [], [], True
        for ln in lines:
            others = list(all_dialogue)
            others.remove(words(ln.text))  # the line itself (one copy; an identical twin stays and is reported)
            text, ok = _opening_for(ln, others)
            nth, chapter_key = (None, None) if ok else _pick(ln, text, chapter, chapters)
            openings.append(text)
            nths.append(nth)
            where.append(chapter_key)
            unique = unique and (ok or nth is not None)
        keys = sorted(paras)
        k = keys.index(seg.paragraph)
        items.append(ReviewItem(
            book=title,
            chapter=chapter.title,
            lines=tuple(lines),
            paragraph=tuple(paras[seg.paragraph]),
            before=tuple(paras[keys[k - 1]]) if k > 0 else (),
            after=tuple(paras[keys[k + 1]]) if k + 1 < len(keys) else (),
            openings=tuple(openings),
            unique=unique,
            nearby=_nearby(chapter, seg),
            nths=tuple(nths),
            chapters=tuple(where),
        ))
    return items


def _shorten(text: str, limit: int, keep: str = "middle") -> str:
    """Long context cut to `limit` characters at word boundaries: the review is read in a terminal."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if keep == "end":
        return "… " + text[-limit:].split(" ", 1)[-1]
    if keep == "start":
        return text[:limit].rsplit(" ", 1)[0] + " …"
    half = limit // 2
    return text[:half].rsplit(" ", 1)[0] + " … " + text[-half:].split(" ", 1)[-1]


def _plain(segments: Sequence[Segment], mark: Sequence[Segment] = (), limit: int = 240) -> str:
    parts = []
    for s in segments:
        text = _shorten(s.text, limit)
        if s.kind == "narration":
            parts.append(text)
        elif any(s is m for m in mark):
            parts.append(f">>“{text}”<<")
        else:
            parts.append(f"[{s.speaker or '?'}] “{text}”")
    return " ".join(parts)


def _wrap(text: str, indent: str, width: int = 100) -> str:
    return textwrap.fill(text, width=width, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False)


def format_item(item: ReviewItem, number: int) -> str:
    """A review item as plain text for the terminal: context, the line, and the snippet to paste."""
    line = item.line
    out = [f"{number}. {item.chapter} — {line.speaker or '(unknown speaker)'}, "
           f"confidence {line.confidence:.2f} ({line.reason or 'no reason given'})"]
    if item.before:
        out.append(_wrap("before: " + _shorten(_plain(item.before, limit=10**6), 300, keep="end"), "   "))
    out.append(_wrap(_plain(item.paragraph, mark=item.lines), "   "))
    if item.after:
        out.append(_wrap("after: " + _shorten(_plain(item.after, limit=10**6), 300, keep="start"), "   "))
    if not item.unique:
        out.append("   note: another line starts with the same words; this override changes both.")
    elif any(n is not None for n in item.nths):
        out.append("   note: other lines start with the same words; `nth:` picks this one.")
    out.append(item.snippet())
    return "\n".join(out)


def format_review(items: Sequence[ReviewItem], voices_name: str = "voices.yaml") -> str:
    """The whole review for the terminal: how to use it, then each item."""
    if not items:
        return "No dialogue lines to review: every line is either certain or already overridden."
    head = (f"The {len(items)} least certain dialogue line(s), lowest confidence first (>>“…”<< marks the line).\n"
            f"To fix one, paste its entries under `overrides:` in {voices_name} (replace `[]` if the list is "
            f"empty) and put the right speaker's name.\n")
    return head + "\n" + "\n\n".join(format_item(it, i) for i, it in enumerate(items, start=1))


__all__ = ["ReviewItem", "review_items", "override_for", "format_item", "format_review", "words", "opening_text",
           "MIN_WORDS"]
