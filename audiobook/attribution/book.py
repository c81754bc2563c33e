"""The parser: a book file becomes chapters of narration and attributed dialogue (the one book reader)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from ..model import Book, Chapter, ChapterLayout, Character, Override, Segment
from ..text.reader import Document, open_document
from ..text.sections import SKIPPABLE, reading
from .attribute import attribute, contradictions

_WORDS = re.compile(r"[\w']+")


def _opening(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def apply_overrides(segments: Sequence[Segment], overrides: Sequence[Override]) -> tuple[Segment, ...]:
    """Give each dialogue line that starts with an override's words the override's speaker.

    Matching is on words only (case, quotes and punctuation ignored), so an override written from
    `audiobook script` output keeps working after re-renders.
    """
    if not overrides:
        return tuple(segments)
    wanted = [(_opening(o.line), o.speaker) for o in overrides]
    out = []
    for seg in segments:
        if seg.kind == "dialogue":
            words = _opening(seg.text)
            for prefix, speaker in wanted:
                if prefix and (words == prefix or words.startswith(prefix + " ")):
                    seg = replace(seg, speaker=speaker, confidence=1.0, reason="override")
                    break
        out.append(seg)
    return tuple(out)


def _count(characters: Sequence[Character], segments: Sequence[Segment]) -> tuple[Character, ...]:
    """Line and word counts per speaker after overrides (which may add or move lines)."""
    lines: dict[str, int] = {}
    words: dict[str, int] = {}
    for seg in segments:
        if seg.kind == "dialogue" and seg.speaker:
            lines[seg.speaker] = lines.get(seg.speaker, 0) + 1
            words[seg.speaker] = words.get(seg.speaker, 0) + len(seg.text.split())
    known = {c.name: c for c in characters}
    out = [replace(known.get(n, Character(n)), lines=lines[n], words=words[n]) for n in lines]
    return tuple(out)


def parse_chapter(doc: Document, layout: ChapterLayout, *, known: Sequence[Character] = (),
                  exclude: Sequence[str] = (), overrides: Sequence[Override] = ()) -> Chapter:
    """Attribute one chapter of an open document."""
    text = doc.read(layout)
    segments, characters = attribute(text, layout.paragraphs, offset=layout.start, known=known, exclude=exclude)
    segments = apply_overrides(segments, overrides)
    # A user's override may knowingly disagree with a tag; everything else that does is reported.
    bad = tuple(s for s in contradictions(text, segments, offset=layout.start) if s.reason != "override")
    return Chapter(
        title=layout.title,
        segments=segments,
        characters=_count(characters, segments),
        number=layout.number,
        start=layout.start,
        end=layout.end,
        skipped=layout.skipped,
        contradictions=bad,
    )


def iter_chapters(doc: Document, *, author: str | None = None,
                  overrides: Sequence[Override] = ()) -> Iterator[Chapter]:
    """Chapters of a document one at a time (memory holds one chapter), sharing one character model."""
    known: dict[str, Character] = {}
    exclude = [a for a in (author, doc.layout.author) if a]
    for layout in doc.layout.chapters:
        chapter = parse_chapter(doc, layout, known=list(known.values()), exclude=exclude, overrides=overrides)
        for c in chapter.characters:
            known.setdefault(c.name, c)
        yield chapter


def read_book(path: Path, skip: Sequence[str] = SKIPPABLE, *, include_front_matter: bool = False,
              author: str | None = None, overrides: Sequence[Override] = ()) -> Book:
    """Parse one input file into a Book, reading aloud the sections `skip` does not name (all with include_front_matter)."""
    doc = open_document(path, read=reading(skip, include_front_matter=include_front_matter))
    chapters = tuple(iter_chapters(doc, author=author, overrides=overrides))
    return Book(chapters=chapters, title=doc.layout.title, author=author or doc.layout.author,
                summary=doc.layout.summary, source=path, front=doc.layout.front)


def stream_book(path: Path, skip: Sequence[str] = SKIPPABLE, *, include_front_matter: bool = False,
                author: str | None = None, overrides: Sequence[Override] = ()) -> Iterator[Chapter]:
    """`read_book`'s chapters one at a time: memory holds the file's outline and one chapter."""
    doc = open_document(path, read=reading(skip, include_front_matter=include_front_matter))
    yield from iter_chapters(doc, author=author, overrides=overrides)


__all__ = ["read_book", "stream_book", "iter_chapters", "parse_chapter", "apply_overrides"]
