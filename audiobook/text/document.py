"""An opened input file: its layout, and the text its offsets index."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from audiobook.model import ChapterLayout, Layout


class Spans(Protocol):
    """Where a document's text comes from when it is not kept in memory (a streamed plain-text file)."""

    def whole(self) -> str:
        """The whole text, decoded again."""
        ...

    def span(self, start: int, end: int) -> str:
        """text[start:end], read back from the file."""
        ...


class Document:
    """An opened input: its layout, and the text its offsets index. `read(chapter)` gives one chapter's text.

    For a plain-text file the Document keeps neither the text nor the chapters' paragraphs: the file was
    read in chunks to find its structure, each chapter is laid out when `layout.chapters[i]` is asked
    for and `read` re-reads the chapter's bytes, so memory holds the outline and the current chapter
    only. Other formats keep their (extracted) text and layout.
    """

    def __init__(self, path: Path, layout: Layout, text: str | None = None, source: Spans | None = None) -> None:
        self.path = path
        self.layout = layout
        self._text = text
        self._source = source

    @property
    def text(self) -> str:
        """The whole decoded, newline-normalised (or extracted) text (re-decoded from the file if not kept)."""
        if self._text is not None:
            return self._text
        assert self._source is not None
        return self._source.whole()

    def read(self, chapter: ChapterLayout) -> str:
        """text[chapter.start:chapter.end], decoded (chapter offsets minus chapter.start index into it)."""
        if self._text is not None:
            return self._text[chapter.start:chapter.end]
        assert self._source is not None
        return self._source.span(chapter.start, chapter.end)

    def __repr__(self) -> str:
        return f"Document({str(self.path)!r}, {len(self.layout.chapters)} chapters)"
