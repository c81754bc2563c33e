"""voices.yaml's `skip:` applied to the structure layer: which labelled sections are read aloud."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from pathlib import Path

from .model import Book, ChapterLayout, Layout, Section
from .parser import iter_chapters
from .reader import open_document
from .voices import SKIPPABLE, Override

#: Structure labels (structure.py) and the `skip:` entry that governs each; anything else
#: outside the story (notes such as "Warnings:", a table of contents, a licence) is "front matter".
LABEL_KEYS = {"summary": "summary", "author's note": "author's note", "disclaimer": "disclaimer", "rating": "rating"}
#: Metadata the pipeline announces itself (title tag, artist tag): never read as paragraphs.
NEVER_READ = frozenset({"title", "byline"})


def skip_key(label: str) -> str:
    """The `skip:` entry that decides whether a section with this structure label is read."""
    return LABEL_KEYS.get(label, "front matter")


def read_sections(layout: Layout, skip: Collection[str]) -> Layout:
    """The layout with every section not named in `skip` moved into the story as ordinary paragraphs.

    A section inside a chapter joins that chapter; front or back matter joins the chapter it
    stands before or after (the first chapter for leading matter), like --include-front-matter.
    """
    def read(section: Section) -> bool:
        return section.label not in NEVER_READ and skip_key(section.label) not in skip

    chapters = list(layout.chapters)
    if not chapters:
        return layout
    moved: list[list[Section]] = [[] for _ in chapters]
    front_kept = []
    for s in layout.front:
        if not read(s):
            front_kept.append(s)
            continue
        nearest = 0
        for k, ch in enumerate(chapters):
            if ch.start <= s.start:
                nearest = k
        moved[nearest].append(s)
    out: list[ChapterLayout] = []
    for ch, extra_sections in zip(chapters, moved):
        inside = [s for s in ch.skipped if read(s)]
        kept = tuple(s for s in ch.skipped if not read(s))
        extra = [p for s in inside + extra_sections for p in s.paragraphs]
        if not extra:
            out.append(ch)
            continue
        paras = tuple(sorted(ch.paragraphs + tuple(extra), key=lambda p: p.start))
        out.append(replace(ch, start=min(ch.start, paras[0].start), end=max(ch.end, paras[-1].end),
                           paragraphs=paras, skipped=kept))
    return replace(layout, chapters=tuple(out), front=tuple(front_kept))


def read_book(path: Path, skip: Sequence[str] = SKIPPABLE, *, include_front_matter: bool = False,
              author: str | None = None, overrides: Sequence[Override] = ()) -> Book:
    """Parse one input file, reading aloud the sections `skip` does not name (all with include_front_matter)."""
    everything = include_front_matter or not skip
    doc = open_document(path, include_front_matter=everything)
    if not everything and set(skip) != set(SKIPPABLE):
        doc.layout = read_sections(doc.layout, skip)
    chapters = tuple(iter_chapters(doc, author=author, overrides=overrides))
    return Book(chapters=chapters, title=doc.layout.title, author=author or doc.layout.author,
                summary=doc.layout.summary, source=path, front=doc.layout.front)


__all__ = ["read_book", "read_sections", "skip_key", "LABEL_KEYS"]
