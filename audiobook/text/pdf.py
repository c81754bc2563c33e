"""PDF: the text layer, in reading order, rebuilt into paragraphs (pdfminer.six reads it; pure Python).

A PDF has no paragraphs, only positioned lines. They are taken in pdfminer's reading order (its layout
analysis orders text boxes, columns included); running headers and footers (a line in the top or bottom
margin that repeats on most pages, digits aside) and page numbers are dropped; a word hyphenated at a line's
end is joined; lines become paragraphs where the gap above a line is wider than the text's line spacing,
where a line is indented as a paragraph's first line, or after a short line that ends a sentence; a line
in a larger type is a heading. The paragraphs are then items (`items.Item`): an AO3 PDF (converted from
its HTML page) is read as that page is, any other PDF laid out as plain text is. An encrypted PDF, and
one whose pages are only images (scanned), are clear errors.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from audiobook.errors import InputError

from . import ao3
from .decode import display_name
from .document import Document
from .items import Item
from .structure import SectionFilter, layout


@dataclass(frozen=True)
class Tuning:
    """The layout thresholds (heuristics as data); sizes in points, shares of the page or of the text size."""

    margin_band: float = 0.09  # top and bottom share of a page where running headers and footers stand
    repeat_share: float = 0.5  # a margin line on at least this share of the pages (and two of them) is running
    gap: float = 1.3  # a gap above a line wider than this many line spacings starts a paragraph
    indent: float = 0.8  # a first line indented this many text sizes starts a paragraph
    quote: float = 1.5  # a paragraph set in this many text sizes from the margin is a quotation (blockquote)
    short: float = 0.8  # a line ending a sentence before this share of the text width ends its paragraph
    heading: float = 1.18  # a line at least this many times the text size is a heading
    small: float = 0.9  # a margin line set smaller than this many times the text size is a running head


TUNING = Tuning()
_PAGE_NUMBER = re.compile(r"^[\s\-–—|]*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?[\s\-–—|]*$", re.IGNORECASE)
_HYPHEN_END = re.compile(r"(?<=[^\W\d_])[-\u00ad]$")
_SENTENCE_END = ".!?\"”’'…:)"


@dataclass(frozen=True)
class _Line:
    page: int
    x0: float
    x1: float
    top: float  # distance from the page's top
    bottom: float
    size: float
    text: str
    height: float  # the page's height


def _fail(path: Path, why: str) -> InputError:
    return InputError(f"{display_name(path)}: {why}")


def _lines(path: Path, data: bytes) -> tuple[list[_Line], int, int]:
    """Every text line in reading order, the number of pages, and how many pages hold an image."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTFigure, LTImage, LTPage, LTTextContainer, LTTextLine
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    def text_lines(box: object) -> Iterator[LTTextLine]:
        for item in box if isinstance(box, (LTTextContainer, LTFigure)) else ():
            if isinstance(item, LTTextLine):
                yield item
            elif isinstance(item, (LTTextContainer, LTFigure)):
                yield from text_lines(item)

    lines: list[_Line] = []
    pages = images = 0
    # pdfminer logs what it works around in a damaged file; library code never prints, so it is quiet here.
    log = logging.getLogger("pdfminer")
    level = log.level
    log.setLevel(logging.ERROR + 10)
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            assert isinstance(page, LTPage)
            pages += 1
            height = page.height
            if any(isinstance(o, (LTImage, LTFigure)) for o in page):
                images += 1
            for box in page:
                for line in text_lines(box):
                    text = line.get_text().strip()
                    chars = [c for c in line if isinstance(c, LTChar)]
                    if not text or not chars:
                        continue
                    size = statistics.median(c.size for c in chars)
                    lines.append(_Line(pages, line.x0, line.x1, height - line.y1, height - line.y0, size, text, height))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise _fail(path, "the PDF is encrypted (it needs a password): save an unlocked copy first") from None
    except Exception as exc:  # a damaged file makes pdfminer raise anything from its own errors to KeyError
        raise _fail(path, f"not a readable PDF ({type(exc).__name__}: {exc})".splitlines()[0][:300]) from None
    finally:
        log.setLevel(level)
    return lines, pages, images


def _running(lines: Sequence[_Line], pages: int, tune: Tuning) -> set[int]:
    """Indexes of running headers, footers and page numbers (in a page's top or bottom margin band)."""
    def band(line: _Line) -> bool:
        return line.top < tune.margin_band * line.height or line.bottom > (1 - tune.margin_band) * line.height

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", " ".join(line.text.lower().split()))

    seen = Counter(key(ln) for ln in {(ln.page, key(ln)): ln for ln in lines if band(ln)}.values())
    repeated = {k for k, n in seen.items() if n >= max(2, tune.repeat_share * pages)}
    size = _text_size([ln for ln in lines if not band(ln)] or lines)
    # A margin line that repeats, or is a page number, or is set smaller than the text (a one-page PDF's
    # running head cannot repeat).
    return {i for i, ln in enumerate(lines) if band(ln) and (
        key(ln) in repeated or _PAGE_NUMBER.match(ln.text) or ln.size < tune.small * size)}


def _text_size(lines: Sequence[_Line]) -> float:
    """The type size most of the text is set in."""
    return Counter(round(ln.size, 1) for ln in lines for _ in ln.text).most_common(1)[0][0]


def _same_case(before: str, word: str) -> bool:
    """Whether a word broken at a line's end goes on in the next line's first word (lower then lower, or CAPS)."""
    return word[:1].islower() or (before.isupper() and word[:2].isupper())


@dataclass
class _Para:
    lines: list[_Line]

    @property
    def text(self) -> str:
        out = ""
        for ln in self.lines:
            if out and _HYPHEN_END.search(out) and _same_case(out[-2:-1], ln.text.split(" ", 1)[0]):
                out = out[:-1] + ln.text  # a word hyphenated at the line's end
            else:
                out = f"{out} {ln.text}" if out else ln.text
        return " ".join(out.replace("\u00ad", "").split())


def _paragraphs(lines: Sequence[_Line], tune: Tuning) -> tuple[list[_Para], float, float, float]:
    """Lines joined into paragraphs; and the text's size, left margin and right margin."""
    size = _text_size(lines)
    body = [ln for ln in lines if abs(ln.size - size) < 0.1 * size]
    left = min((round(ln.x0) for ln in body), default=0)
    lefts = Counter(round(ln.x0) for ln in body)
    left = min((x for x, n in lefts.items() if n >= 0.2 * len(body)), default=left)  # the common margin
    right = max(ln.x1 for ln in (body or lines))
    spacings = sorted(b.top - a.top for a, b in zip(lines, lines[1:])
                      if a.page == b.page and abs(a.size - size) < 0.1 * size and abs(b.size - size) < 0.1 * size
                      and 0.8 * size < b.top - a.top < 3 * size)
    # The line spacing: the closest lines of the text that recur (wider gaps are between paragraphs).
    common = Counter(round(x * 2) / 2 for x in spacings)
    spacing = min((x for x, n in common.items() if n >= 2), default=spacings[0] if spacings else 1.2 * size)
    paras: list[_Para] = []
    for ln in lines:
        prev = paras[-1].lines[-1] if paras else None
        if prev is None or _starts(prev, ln, size, left, right, spacing, tune):
            paras.append(_Para([ln]))
        else:
            paras[-1].lines.append(ln)
    return paras, size, left, right


def _starts(prev: _Line, ln: _Line, size: float, left: float, right: float, spacing: float, tune: Tuning) -> bool:
    """Whether `ln` starts a paragraph after `prev`."""
    if abs(prev.size - ln.size) > 0.1 * size or max(prev.size, ln.size) >= tune.heading * size:
        return True  # a change of type size: a heading and the text around it
    indented = ln.x0 - left >= tune.indent * size
    if indented and not prev.x0 - left >= tune.indent * size:
        return True
    if indented and abs(ln.x0 - prev.x0) > 0.5 * size:
        return True
    if prev.text.rstrip()[-1:] in _SENTENCE_END and prev.x1 < left + tune.short * (right - left):
        return True
    if ln.page == prev.page:
        return ln.top - prev.top > tune.gap * spacing
    # A page break alone does not end a paragraph; but a short line that ends no sentence, alone at the top of
    # a page after a finished sentence, cannot be the paragraph going on: a label or heading set in the text's
    # size ("Chapter End Notes")
    return (prev.text.rstrip()[-1:] in _SENTENCE_END and ln.text.rstrip()[-1:] not in _SENTENCE_END
            and ln.x1 < left + tune.short * (right - left))


def _items(paras: Sequence[_Para], size: float, left: float, tune: Tuning) -> list[Item]:
    """The paragraphs as items: headings by type size, quotations by their margin (consecutive ones merged)."""
    out: list[Item] = []
    for para in paras:
        first = para.lines[0]
        text = para.text
        if first.size >= tune.heading * size:
            level = 1 if first.size >= 1.6 * size else 2
            out.append(Item("heading", [text], level))
        elif min(ln.x0 for ln in para.lines) - left >= tune.quote * size:
            if out and out[-1].kind == "quote":
                out[-1].blocks.append(text)
            else:
                out.append(Item("quote", [text]))
        else:
            out.append(Item("text", [text]))
    return out


def open_pdf(path: Path, data: bytes, read: SectionFilter | None) -> Document:
    """A PDF's text layer as a document (see the module doc)."""
    if not data.startswith(b"%PDF-"):
        raise _fail(path, "not a PDF (it does not start with %PDF-)")
    tune = TUNING
    lines, pages, images = _lines(path, data)
    if not any(re.search(r"[^\W_]", ln.text) for ln in lines):
        if images:
            raise _fail(path, "no text layer: this PDF is scanned pages (run it through OCR first)")
        raise _fail(path, "no text in the PDF")
    running = _running(lines, pages, tune)
    paras, size, left, _ = _paragraphs([ln for i, ln in enumerate(lines) if i not in running], tune)
    items = _items(paras, size, left, tune)
    if ao3.looks_like_ao3(items):
        return ao3.read_ao3(items, path, read)
    parts: list[str] = []
    headings: list[tuple[int, int]] = []
    pos = 0
    for it in items:
        for block in it.blocks:
            if parts:
                parts.append("\n\n")
                pos += 2
            if it.kind == "heading":
                headings.append((pos, pos + len(block)))
            parts.append(block)
            pos += len(block)
    text = "".join(parts)
    return Document(path, layout(text, read=read, default_title=path.stem, heading_spans=headings), text=text)
