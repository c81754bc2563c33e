"""voices.yaml's `skip:` applied to the structure layer: which labelled sections are read aloud."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from ..attribution.book import iter_chapters
from ..model import Book, Chapter, Section
from ..voices.config import SKIPPABLE, Override
from .reader import open_document
from .structure import NEVER_READ, SectionFilter, read_everything

#: Structure labels (structure.py) and the `skip:` entry that governs each; anything else
#: outside the story (notes such as "Warnings:", a table of contents, a licence) is "front matter".
LABEL_KEYS = {"summary": "summary", "author's note": "author's note", "disclaimer": "disclaimer", "rating": "rating"}


def skip_key(label: str) -> str:
    """The `skip:` entry that decides whether a section with this structure label is read."""
    return LABEL_KEYS.get(label, "front matter")


def reading(skip: Collection[str], *, include_front_matter: bool = False) -> SectionFilter | None:
    """The section filter for a `skip:` list: None when it skips everything skippable (the default)."""
    if include_front_matter or not skip:
        return read_everything
    if set(skip) >= set(SKIPPABLE):
        return None
    skipped = frozenset(skip)

    def read(section: Section, inside_chapter: bool) -> bool:
        return section.label not in NEVER_READ and skip_key(section.label) not in skipped

    return read


def read_book(path: Path, skip: Sequence[str] = SKIPPABLE, *, include_front_matter: bool = False,
              author: str | None = None, overrides: Sequence[Override] = ()) -> Book:
    """Parse one input file, reading aloud the sections `skip` does not name (all with include_front_matter)."""
    doc = open_document(path, read=reading(skip, include_front_matter=include_front_matter))
    chapters = tuple(iter_chapters(doc, author=author, overrides=overrides))
    return Book(chapters=chapters, title=doc.layout.title, author=author or doc.layout.author,
                summary=doc.layout.summary, source=path, front=doc.layout.front)


def stream_book(path: Path, skip: Sequence[str] = SKIPPABLE, *, include_front_matter: bool = False,
                author: str | None = None, overrides: Sequence[Override] = ()) -> Iterator[Chapter]:
    """`read_book`'s chapters one at a time: memory holds the file's outline and one chapter."""
    doc = open_document(path, read=reading(skip, include_front_matter=include_front_matter))
    yield from iter_chapters(doc, author=author, overrides=overrides)


__all__ = ["read_book", "stream_book", "reading", "skip_key", "LABEL_KEYS"]
