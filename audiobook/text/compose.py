"""A document composed piece by piece by a reader that knows its source's layout (AO3, FanFicFare, PDF...).

The reader says what each piece of text is: a chapter heading, story text, a note of a chapter, or front or
back matter outside the chapters; the composer joins the pieces' blocks with blank lines into the text
that offsets index, and lays the chapters out (their story text lexed as any chapter body is, so scene
breaks and labelled author's notes inside it are still found).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from audiobook.model import Layout, Paragraph, Section, WorkInfo

from .document import Document
from .structure import SectionFilter, give_sections, heading_number, lay_out_pieces


@dataclass
class _Draft:
    """A chapter as the pieces arrive: its heading, story spans and notes."""

    title: str | None
    heading: Paragraph | None
    bodies: list[tuple[int, int]] = field(default_factory=list)
    notes: list[Section] = field(default_factory=list)
    summary: str | None = None
    open: bool = True  # notes that come now belong to it


class Composer:
    """Text and layout built from labelled pieces, in reading order."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pos = 0
        self._front: list[Section] = []
        self._chapters: list[_Draft] = []
        self.warnings: list[str] = []

    def _add(self, blocks: Sequence[str]) -> tuple[Paragraph, ...]:
        """Append blocks (paragraphs) to the text; where each now stands."""
        paras = []
        for block in blocks:
            block = block.strip()
            if not block:
                continue
            if self._parts:
                self._parts.append("\n\n")
                self._pos += 2
            paras.append(Paragraph(self._pos, self._pos + len(block)))
            self._parts.append(block)
            self._pos += len(block)
        return tuple(paras)

    @property
    def chapters(self) -> int:
        """How many chapters have been started."""
        return len(self._chapters)

    def chapter(self, title: str | None, heading: Sequence[str] = ()) -> None:
        """Start a chapter; `heading` is its heading as the source prints it (never read as story)."""
        paras = self._add(heading)
        self._chapters.append(_Draft(title, Paragraph(paras[0].start, paras[-1].end) if paras else None))

    def story(self, blocks: Sequence[str]) -> None:
        """Story text of the current chapter (one is started, untitled, if there is none)."""
        if not self._chapters:
            self.chapter(None)
        paras = self._add(blocks)
        if not paras:
            return
        draft = self._chapters[-1]
        draft.open = True
        last = draft.bodies[-1] if draft.bodies else None
        if last is not None and not any(last[1] <= n.start < paras[0].start for n in draft.notes):
            draft.bodies[-1] = (last[0], paras[-1].end)  # nothing between: the same span goes on
        else:
            draft.bodies.append((paras[0].start, paras[-1].end))

    def note(self, label: str, blocks: Sequence[str], *, summary: str | None = None) -> None:
        """A note of the current chapter (AO3's chapter notes), or front/back matter when no chapter is open.

        `summary`: the chapter's summary this note gives (kept as the chapter's description too).
        """
        if not self._chapters or not self._chapters[-1].open:
            self.front(label, blocks)
            return
        paras = self._add(blocks)
        if paras:
            draft = self._chapters[-1]
            draft.notes.append(Section(label, paras[0].start, paras[-1].end, paras))
            if summary and draft.summary is None:
                draft.summary = summary

    def end_chapter(self) -> None:
        """Notes that come from now on stand outside the chapters (back matter) until more story comes."""
        if self._chapters:
            self._chapters[-1].open = False

    def front(self, label: str, blocks: Sequence[str]) -> None:
        """Front or back matter outside the chapters (a preface, a title page, an afterword...)."""
        paras = self._add(blocks)
        if paras:
            self._front.append(Section(label, paras[0].start, paras[-1].end, paras))

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def document(self, path: Path, read: SectionFilter | None, *, title: str | None, author: str | None,
                 summary: str | None = None, info: WorkInfo | None = None) -> Document:
        """The composed document: chapters with story text laid out, `read` deciding which notes are read."""
        text = self.text
        drafts = [d for d in self._chapters if d.bodies]
        front = list(self._front)
        # A chapter with a heading but no story text (a "Chapter 3" page left empty) is front matter.
        for d in self._chapters:
            if not d.bodies and d.heading is not None:
                front.append(Section("empty heading", d.heading.start, d.heading.end, (d.heading,)))
                front.extend(d.notes)
        moved: list[tuple[Paragraph, ...]] = [() for _ in drafts]
        if read is not None and drafts:
            moved, front = give_sections(front, [_start(d) for d in drafts], read)
        chapters = []
        for n, (draft, extra) in enumerate(zip(drafts, moved), 1):
            name = draft.title or (title if len(drafts) == 1 and title else f"Chapter {n}")
            number = heading_number(draft.title) if draft.title else None
            chapters.append(lay_out_pieces(text, draft.bodies, title=name, number=number if number is not None else n,
                                           heading=draft.heading, read=read, moved=extra, notes=tuple(draft.notes),
                                           summary=draft.summary))
        lay = Layout(chapters=tuple(chapters), title=title, author=author, summary=summary,
                     front=tuple(sorted(front, key=lambda s: s.start)), warnings=tuple(self.warnings), info=info)
        return Document(path, lay, text=text)


def _start(draft: _Draft) -> int:
    """Where a chapter starts: its heading, else its first note or story text."""
    if draft.heading is not None:
        return draft.heading.start
    return min([b[0] for b in draft.bodies] + [n.start for n in draft.notes])
