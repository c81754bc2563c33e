"""EPUB: the text of each spine document that has text, in reading order, one chapter per document.

The text is the documents' extracted text (see `html.extract_blocks`) separated by blank lines; a title
page (only the book's title and author) and a table of contents are front matter.
"""

from __future__ import annotations

import re
from pathlib import Path

import ebooklib
from ebooklib import epub

from audiobook.errors import InputError
from audiobook.model import Layout, Paragraph, Section

from .decode import display_name
from .document import Document
from .html import extract_blocks, soup_of
from .structure import SectionFilter, give_sections, heading_number, layout_chapter, read_everything

_CONTENTS_TITLE = re.compile(r"^\s*(?:table of\s+)?contents\s*$", re.IGNORECASE)

#: A spine document's [start, end) in the text, its leading heading (if any) and that heading's text.
_Span = tuple[int, int, Paragraph | None, str | None]


def _spine_text(book: epub.EpubBook) -> tuple[str, list[_Span]]:
    """The text of every spine document that has text, joined by blank lines, and where each lies."""
    parts: list[str] = []
    spans: list[_Span] = []
    pos = 0
    for idref, *_ in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        soup = soup_of(item.get_content())
        ex = extract_blocks(soup.body or soup)
        if not ex.text.strip():
            continue  # cover image, blank page
        if parts:
            parts.append("\n\n")
            pos += 2
        base = pos
        parts.append(ex.text)
        pos += len(ex.text)
        heading = None
        title = None
        if ex.headings and ex.headings[0][0] == 0:
            h0, h1 = ex.headings[0]
            heading = Paragraph(base + h0, base + h1)
            title = re.sub(r"\s+", " ", ex.text[h0:h1]).strip()
        spans.append((base, pos, heading, title))
    return "".join(parts), spans


def open_epub(path: Path, read: SectionFilter | None) -> Document:
    """An EPUB: one chapter per spine document with text; `read` as for `structure.layout`."""
    include_front_matter = read is read_everything
    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as exc:  # ebooklib raises bare exceptions for bad zips / missing OPF
        raise InputError(
            f"{display_name(path)}: not a readable EPUB ({type(exc).__name__}: {exc})".splitlines()[0]) from None

    def meta(field: str) -> str | None:
        values = book.get_metadata("DC", field)
        return str(values[0][0]).strip() if values and values[0][0] else None

    text, spans = _spine_text(book)
    if not text.strip():
        raise InputError(f"{display_name(path)}: no story text (the EPUB has no text documents)")
    book_title, author = meta("title"), meta("creator")
    # Words of a title page: the book's title and author and nothing else.
    title_words = {w.lower() for w in re.findall(r"\w+", f"{book_title or ''} {author or ''} by")}
    chapters: list[_Span] = []
    front: list[Section] = []
    for start, end, heading, title in spans:
        words = {w.lower() for w in re.findall(r"\w+", text[start:end])}
        if not include_front_matter and title_words and words <= title_words:
            front.append(Section("title page", start, end, (Paragraph(start, end),)))
        elif not include_front_matter and title and _CONTENTS_TITLE.match(title):
            front.append(Section("contents", start, end, (Paragraph(start, end),)))
        else:
            chapters.append((start, end, heading, title))
    moved: list[tuple[Paragraph, ...]] = [() for _ in chapters]
    if read is not None and chapters:
        moved, front = give_sections(front, [heading.start if heading else start
                                             for start, _, heading, _ in chapters], read)
    laid = []
    for n, ((start, end, heading, title), extra) in enumerate(zip(chapters, moved), 1):
        number = heading_number(title) if title else None
        laid.append(layout_chapter(
            text, heading.end if heading else start, end, title=title or f"Chapter {n}",
            number=number if number is not None else n, heading=heading, read=read, moved=extra,
        ))
    lay = Layout(chapters=tuple(laid), title=book_title, author=author, summary=meta("description"),
                 front=tuple(front))
    return Document(path, lay, text=text)
