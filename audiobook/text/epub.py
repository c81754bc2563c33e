"""EPUB: the text of each spine document that has text, in reading order, one chapter per document.

The text is the documents' extracted text (see `html.extract_blocks`) separated by blank lines; a title
page (only the book's title and author), an info page (FanFicFare's: "Category:", "Status:"... lines,
which become the work's metadata), an update log and a table of contents are front matter. An AO3
download (converted from its HTML page) is read as that page is (`ao3`). A DRM-locked EPUB is refused.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import ebooklib
from bs4.element import Tag
from ebooklib import epub

from audiobook.errors import InputError
from audiobook.model import Layout, Paragraph, Section, WorkInfo

from . import ao3
from .decode import display_name
from .document import Document
from .html import extract_blocks, soup_of
from .items import Item, dom_items
from .structure import SectionFilter, give_sections, heading_number, lay_out_pieces, read_everything
from .workinfo import info_lines, known_label, work_info

_CONTENTS_TITLE = re.compile(r"^\s*(?:table of\s+)?contents\s*$", re.IGNORECASE)
_LOG_TITLE = re.compile(r"^\s*update log\s*$", re.IGNORECASE)
#: Encryption that is font obfuscation (IDPF, Adobe), not DRM: the text stays readable.
_FONT_OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")
#: An info page: at least this many "Label: value" lines with labels an info page uses.
_INFO_LINES = 3

#: A spine document's [start, end) in the text, its leading heading (if any) and that heading's text.
_Span = tuple[int, int, Paragraph | None, str | None]


def _check_drm(path: Path) -> None:
    """An InputError when the EPUB's text documents are encrypted (DRM), rather than unreadable noise."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "META-INF/encryption.xml" not in names:
                return
            xml = z.read("META-INF/encryption.xml")[:1_000_000].decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError):
        return  # ebooklib's own error says it better
    for data in re.findall(r"<(?:\w+:)?EncryptedData\b.*?</(?:\w+:)?EncryptedData>", xml, re.DOTALL):
        method = re.search(r'Algorithm="([^"]*)"', data)
        if method is None or method.group(1) not in _FONT_OBFUSCATION:
            raise InputError(f"{display_name(path)}: the EPUB is locked by DRM (its text is encrypted): "
                             "only a DRM-free copy can be read")


def _documents(book: epub.EpubBook) -> list[Tag]:
    """The body of every spine document, in reading order (navigation documents aside)."""
    bodies = []
    for idref, *_ in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        soup = soup_of(item.get_content())
        bodies.append(soup.body or soup)
    return bodies


def _spine_text(bodies: list[Tag]) -> tuple[str, list[_Span]]:
    """The text of every spine document that has text, joined by blank lines, and where each lies."""
    parts: list[str] = []
    spans: list[_Span] = []
    pos = 0
    for body in bodies:
        ex = extract_blocks(body)
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


def _info_page(text: str) -> list[tuple[str, list[str]]] | None:
    """The (label, values) of an info page (FanFicFare's title page), or None when the text is not one."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    labelled = [ln for ln in lines if ":" in ln and known_label(ln.split(":", 1)[0])]
    return info_lines(labelled) if len(labelled) >= _INFO_LINES else None


def _summary_of(text: str) -> str | None:
    """The "Summary:" of an info page (it may run over several lines, up to the next label)."""
    m = re.search(r"^Summary:\s*(.*?)(?=^\s*[A-Z][\w ]{0,30}:|\Z)", text, re.MULTILINE | re.DOTALL)
    return (" ".join(m.group(1).split()) or None) if m else None


def open_epub(path: Path, read: SectionFilter | None) -> Document:
    """An EPUB: one chapter per spine document with text; `read` as for `structure.layout`."""
    _check_drm(path)
    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as exc:  # ebooklib raises bare exceptions for bad zips / missing OPF
        raise InputError(
            f"{display_name(path)}: not a readable EPUB ({type(exc).__name__}: {exc})".splitlines()[0]) from None

    def meta(field: str) -> str | None:
        values = book.get_metadata("DC", field)
        return str(values[0][0]).strip() if values and values[0][0] else None

    bodies = _documents(book)
    creators = [str(v[0]).strip() for v in book.get_metadata("DC", "creator") if v and v[0]]
    if meta("publisher") == ao3.SITE or any(ao3.POSTED in " ".join(b.get_text(" ").split()) for b in bodies[:2]):
        items: list[Item] = []
        for body in bodies:
            items += [Item("doc"), *dom_items(body, ao3.REGIONS)]
        if ao3.looks_like_ao3(items):
            return ao3.read_ao3(items, path, read, title=meta("title"), authors=creators, summary=meta("description"))
    return _laid_out(path, bodies, read, meta("title"), ", ".join(creators) or None, meta("description"))


def _laid_out(path: Path, bodies: list[Tag], read: SectionFilter | None, book_title: str | None,
              author: str | None, summary: str | None) -> Document:
    """One chapter per spine document with text; title, info, log and contents pages as front matter."""
    include_front_matter = read is read_everything
    text, spans = _spine_text(bodies)
    if not text.strip():
        raise InputError(f"{display_name(path)}: no story text (the EPUB has no text documents)")
    # Words of a title page: the book's title and author and nothing else.
    title_words = {w.lower() for w in re.findall(r"\w+", f"{book_title or ''} {author or ''} by")}
    chapters: list[_Span] = []
    front: list[Section] = []
    info: WorkInfo | None = None
    for start, end, heading, title in spans:
        words = {w.lower() for w in re.findall(r"\w+", text[start:end])}
        pairs = _info_page(text[start:end]) if info is None and not chapters else None
        if pairs is not None:
            info = work_info(pairs, authors=tuple(author.split(", ")) if author else ())
            summary = summary or _summary_of(text[start:end])
            front.append(Section("notes", start, end, (Paragraph(start, end),)))
        elif not include_front_matter and title_words and words <= title_words:
            front.append(Section("title page", start, end, (Paragraph(start, end),)))
        elif not include_front_matter and title and _CONTENTS_TITLE.match(title):
            front.append(Section("contents", start, end, (Paragraph(start, end),)))
        elif title and _LOG_TITLE.match(title):
            front.append(Section("front matter", start, end, (Paragraph(start, end),)))
        else:
            chapters.append((start, end, heading, title))
    moved: list[tuple[Paragraph, ...]] = [() for _ in chapters]
    if read is not None and chapters:
        moved, front = give_sections(front, [heading.start if heading else start
                                             for start, _, heading, _ in chapters], read)
    laid = []
    for n, ((start, end, heading, title), extra) in enumerate(zip(chapters, moved), 1):
        number = heading_number(title) if title else None
        laid.append(lay_out_pieces(
            text, ((heading.end if heading else start, end),), title=title or f"Chapter {n}",
            number=number if number is not None else n, heading=heading, read=read, moved=extra,
        ))
    lay = Layout(chapters=tuple(laid), title=book_title, author=author, summary=summary,
                 front=tuple(front), info=info)
    return Document(path, lay, text=text)
