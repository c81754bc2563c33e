"""Open an input file (.txt, .md, .html/.htm, .epub) as decoded text plus its structure.

Offsets everywhere (chapters, paragraphs, segments) index `Document.text`, which is:

- for .txt: the file decoded (see `decode`) with CRLF and CR line endings normalised to "\\n" (and stray
  C1 controls mapped to the Windows-1252 characters they stand for, one character for one);
- for .md: the same, with markdown markup (``#``, ``*``, ``_``, link targets...) replaced by spaces of the
  same length, so offsets are still offsets into the file text while the markup is never read aloud;
- for .html/.htm: the story text extracted from the page (paragraphs separated by blank lines, ``<br>``
  as a newline, ``<hr>`` as a ``* * *`` scene-break line);
- for .epub: the text extracted from each spine document that has text, in reading order, separated by
  blank lines.
"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import importlib.util
import os
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from audiobook.errors import InputError
from audiobook.model import ChapterLayout, Layout, Paragraph, Section
from audiobook.text.structure import (
    Lexer,
    Outline,
    SectionFilter,
    Shape,
    ShapeScan,
    _Unit,
    apply_reading,
    heading_number,
    is_plain,
    lay_out_chapter,
    layout_chapter,
    outline,
    read_everything,
)
from audiobook.text.structure import layout as _layout

#: Input suffixes a directory of chapter files is searched for.
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".epub")

# Bytes that never occur in text: C0 controls other than tab, newline, vertical tab, form feed and
# carriage return, plus DEL. (0x1A, the DOS end-of-file mark, is allowed only as the last byte.)
_BINARY_BYTE = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_BINARY_CHAR = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class _Source:
    """Where a plain-text document's chapters lie in the file, so they can be re-read on demand."""

    plain: _Plain
    byte_offsets: dict[int, int]  # text offset of every chapter start/end -> byte offset in the file


class Document:
    """An opened input: its layout, and the text its offsets index. `read(chapter)` gives one chapter's text.

    For a plain-text file the Document keeps neither the text nor the chapters' paragraphs: the file was
    read in chunks to find its structure, each chapter is laid out when `layout.chapters[i]` is asked
    for and `read` re-reads the chapter's bytes, so memory holds the outline and the current chapter
    only. Other formats keep their (extracted) text and layout.
    """

    def __init__(self, path: Path, layout: Layout, text: str | None = None,
                 source: _Source | None = None) -> None:
        self.path = path
        self.layout = layout
        self._text = text
        self._source = source

    @property
    def text(self) -> str:
        """The whole decoded, newline-normalised (or extracted) text (re-decoded from the file if not kept)."""
        if self._text is not None:
            return self._text
        return decode(_read_bytes(self.path), _name(self.path))

    def read(self, chapter: ChapterLayout) -> str:
        """The decoded text of text[chapter.start:chapter.end] (so chapter offsets minus chapter.start index into it)."""
        if self._text is not None:
            return self._text[chapter.start:chapter.end]
        src = self._source
        assert src is not None
        b0, b1 = src.byte_offsets.get(chapter.start), src.byte_offsets.get(chapter.end)
        if b0 is None or b1 is None:  # a span the layout did not produce: decode everything
            return self.text[chapter.start:chapter.end]
        return src.plain.read(b0, b1, chapter.end - chapter.start)

    def __repr__(self) -> str:
        return f"Document({str(self.path)!r}, {len(self.layout.chapters)} chapters)"


# C1 control characters in decoded text are Windows-1252 punctuation that was mis-converted on its way
# to UTF-8 ("\x93" for a curly quote): map them back (one character for one, so offsets hold).
_C1 = re.compile("[\x80-\x9f]")
_C1_TABLE = {c: bytes([c]).decode("cp1252", errors="replace").replace("\ufffd", " ") for c in range(0x80, 0xA0)}


def _normalise_newlines(text: str) -> str:
    """CRLF and CR become LF."""
    # str.replace returns the very same object when there is nothing to replace: no copy for LF files.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _fix_c1(text: str) -> str:
    """Stray C1 controls become the Windows-1252 characters they stand for."""
    return text.translate(_C1_TABLE) if _C1.search(text) else text


def _name(path: Path) -> str:
    return str(path)


# ----------------------------------------------------------------------------------------------
# Bytes -> text


def _binary_byte(name: str, byte: int, offset: int) -> InputError:
    return InputError(f"{name}: not a text file (binary byte 0x{byte:02x} at offset {offset})")


def _binary_char(name: str, char: int, offset: int) -> InputError:
    return InputError(f"{name}: not a text file (binary character 0x{char:02x} at offset {offset})")


def _not_valid(name: str, codec: str, byte: int, offset: int) -> InputError:
    return InputError(f"{name}: not valid {codec.upper()} (byte 0x{byte:02x} at offset {offset})")


def _neither(name: str, byte: int, offset: int, first_non_utf8: int) -> InputError:
    return InputError(f"{name}: not a text file (byte 0x{byte:02x} at offset {offset} is neither UTF-8 "
                      f"nor Windows-1252; first non-UTF-8 byte at offset {first_non_utf8})")


def _detect(head: bytes) -> tuple[str, int]:
    """(codec, BOM length) the first bytes name: a BOM, or NUL-interleaved UTF-16; else ("utf-8", 0)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    return _bomless_utf16(head) or "utf-8", 0


def _decode_raw(data: bytes, name: str) -> tuple[str, str, int]:
    """Decode file bytes to text: BOM, else strict UTF-8, else Windows-1252 if the bytes look like text.

    Returns (text with its original line endings, codec, BOM length in bytes). Raises InputError
    (naming the file and byte offset) for binary data or bytes that are neither UTF-8 nor Windows-1252.
    """
    text = ""
    codec, bom_len = _detect(data)
    if bom_len or codec != "utf-8":
        # A BOM (or NUL-interleaved bytes) names the encoding: decode strictly, then look for controls.
        try:
            text = data[bom_len:].decode(codec)
        except UnicodeDecodeError as exc:
            raise _not_valid(name, codec, data[bom_len + exc.start], bom_len + exc.start) from None
        m = _BINARY_CHAR.search(text)
        if m:
            raise _binary_char(name, ord(m.group()), bom_len + len(text[:m.start()].encode(codec)))
    else:
        body = data[:-1] if data.endswith(b"\x1a") else data
        m = _BINARY_BYTE.search(body)
        if m:
            raise _binary_byte(name, m.group()[0], m.start())
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Not UTF-8: Windows-1252 (a superset of Latin-1's printable characters) is the one
            # other encoding text editors commonly write. Its five undefined bytes mean "not text".
            try:
                text = body.decode("cp1252")
                codec = "cp1252"
            except UnicodeDecodeError as exc2:
                raise _neither(name, body[exc2.start], exc2.start, exc.start) from None
    return text, codec, bom_len


def decode(data: bytes, name: str) -> str:
    """Decode file bytes to text: BOM, else strict UTF-8, else Windows-1252 if the bytes look like text.

    Line endings are normalised to "\\n" and stray C1 controls (Windows-1252 punctuation mis-converted to
    UTF-8) mapped back. Raises InputError (naming the file and byte offset) for binary
    data or bytes that are neither UTF-8 nor Windows-1252.
    """
    return _fix_c1(_normalise_newlines(_decode_raw(data, name)[0]))


def _bomless_utf16(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes are plainly BOM-less UTF-16 (every other byte NUL)."""
    sample = data[:2000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _reading(path: Path):  # -> BinaryIO
    """The file opened for reading, or an InputError saying in one line why it cannot be."""
    name = _name(path)
    if not path.exists():
        raise InputError(f"{name}: no such file")
    if path.is_dir():
        raise InputError(f"{name}: is a directory, not a file")
    try:
        return path.open("rb")
    except PermissionError:
        raise InputError(f"{name}: cannot read the file (permission denied)") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, or an InputError saying in one line why they cannot be read."""
    with _reading(path) as f:
        try:
            data = f.read()
        except OSError as exc:
            raise InputError(f"{_name(path)}: cannot read the file ({exc.strerror or exc})") from None
    if not data:
        raise InputError(f"{_name(path)}: the file is empty")
    return data


# ----------------------------------------------------------------------------------------------
# Markdown


_MD_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)(.*?)([ \t]#+)?[ \t]*$", re.MULTILINE)
_MD_SETEXT = re.compile(r"^ {0,3}=+[ \t]*$", re.MULTILINE)
_MD_QUOTE = re.compile(r"^ {0,3}>[ >]*", re.MULTILINE)
_MD_BULLET = re.compile(r"^ {0,3}[*+-](?= )", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\n]*)\)")
_MD_EMPHASIS = re.compile(r"(?<![\w*_~])([*_~]{1,3})(?=[^\s*_~])|(?<=[^\s*_~])([*_~]{1,3})(?![\w*_~])")
_MD_CODE = re.compile(r"`+")
_MD_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_MD_ESCAPE = re.compile(r"\\(?=[\\`*_{}\[\]()#+\-.!])")


def _blank(m: re.Match[str]) -> str:
    return " " * len(m.group())


def blank_markdown(text: str) -> str:
    """The markdown text with its markup replaced by spaces (same length: offsets are unchanged)."""
    from audiobook.text.structure import is_scene_break

    text = _MD_SETEXT.sub(_blank, text)
    text = _MD_HEADING.sub(
        lambda m: (m.group(1) + " " * len(m.group(2)) + m.group(3)).ljust(len(m.group())), text
    )
    text = _MD_QUOTE.sub(_blank, text)
    text = _MD_IMAGE.sub(_blank, text)
    text = _MD_LINK.sub(lambda m: " " + m.group(1) + " " * (len(m.group(2)) + 3), text)
    text = _MD_TAG.sub(_blank, text)
    text = _MD_CODE.sub(_blank, text)
    text = _MD_ESCAPE.sub(" ", text)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if is_scene_break(line):
            continue  # `***`, `---`, `* * *` are scene breaks, not emphasis
        line = _MD_BULLET.sub(_blank, line)
        lines[i] = _MD_EMPHASIS.sub(_blank, line)
    return "\n".join(lines)


def _markdown_heading_spans(raw: str) -> list[tuple[int, int]]:
    """[start, end) of the words of every #, ## and ### heading line (the same in the blanked text)."""
    spans = []
    for m in _MD_HEADING.finditer(raw):
        words = m.group(3)
        if len(m.group(2)) <= 3 and words.strip():
            start = m.start(3) + len(words) - len(words.lstrip())
            spans.append((start, m.start(3) + len(words.rstrip())))
    return spans


# ----------------------------------------------------------------------------------------------
# HTML and EPUB


_DROP_TAGS = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "iframe", "button",
              "select", "svg", "head")
_STORY_SELECTORS = ("#storytext", "#chapters", ".userstuff", ".storytext", "#story", ".chapter-content",
                    ".entry-content", "article", "main")
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "section",
               "article", "tr", "dd", "dt", "figcaption", "center", "body", "main", "ul", "ol", "table"}


@dataclass
class _Extracted:
    """Text extracted from HTML: blocks joined by blank lines, and where the heading blocks stand."""

    text: str
    headings: list[tuple[int, int]]  # [start, end) of each h1-h3 block, in order


def _require(module: str, package: str, path: Path) -> None:
    """An InputError naming the missing package, rather than an ImportError traceback."""
    if importlib.util.find_spec(module) is None:
        raise InputError(f"{_name(path)}: reading {path.suffix} files needs the '{package}' package "
                         f"(pip install {package})")


def _soup(markup: bytes | str):  # -> bs4.BeautifulSoup
    from bs4 import BeautifulSoup

    try:
        return BeautifulSoup(markup, "lxml")
    except Exception:  # lxml missing or unhappy: the stdlib parser always works
        return BeautifulSoup(markup, "html.parser")


def _extract_blocks(root) -> _Extracted:  # root: bs4 Tag
    """Walk the tree: each block element becomes a paragraph, <br> a newline, <hr> a scene break."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Doctype, ProcessingInstruction

    blocks: list[tuple[str, bool]] = []  # (text, is_heading)
    cur: list[str] = []

    def flush(heading: bool = False) -> None:
        # Text separated by <br><br> (an empty line) is separate paragraphs, as on old fan-fiction pages.
        for part in re.split(r"\n[ \t\r\f\v\xa0]*\n", "".join(cur)):
            lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", ln).strip() for ln in part.split("\n")]
            s = "\n".join(ln for ln in lines if ln)
            if s:
                blocks.append((s, heading))
        cur.clear()

    def walk(node) -> None:
        for child in node.children:
            if isinstance(child, (Comment, Doctype, ProcessingInstruction)):
                continue
            if isinstance(child, NavigableString):
                cur.append(re.sub(r"\s+", " ", str(child)))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name.lower() if child.name else ""
            if name in _DROP_TAGS:
                continue
            if name == "br":
                cur.append("\n")
            elif name == "hr":
                flush()
                blocks.append(("* * *", False))
            elif name in ("h1", "h2", "h3", "h4", "h5", "h6"):
                flush()
                walk(child)
                flush(heading=name in ("h1", "h2", "h3"))
            elif name in _BLOCK_TAGS:
                flush()
                walk(child)
                flush()
            else:
                walk(child)

    walk(root)
    flush()
    parts: list[str] = []
    headings: list[tuple[int, int]] = []
    pos = 0
    for s, heading in blocks:
        if parts:
            parts.append("\n\n")
            pos += 2
        if heading:
            headings.append((pos, pos + len(s)))
        parts.append(s)
        pos += len(s)
    return _Extracted("".join(parts), headings)


def _story_root(soup):  # -> bs4 Tag
    """The element holding the story on a saved fan-fiction page (or the body)."""
    for sel in _STORY_SELECTORS:
        found = soup.select(sel)
        if found:
            best = max(found, key=lambda t: len(t.get_text()))
            if len(best.get_text(strip=True)) > 200:
                return best
    body = soup.body or soup
    # Otherwise: the element whose own <p> children hold the most text.
    best, best_len = body, 0
    for tag in body.find_all(True):
        n = sum(len(p.get_text()) for p in tag.find_all("p", recursive=False))
        if n > best_len:
            best, best_len = tag, n
    total = len(body.get_text())
    return best if best_len > 0.5 * total else body


_FANFIC_TITLE_NOISE = (
    re.compile(r",\s+an?\s+.*?fan\s?fic(?:tion)?\s*$", re.IGNORECASE),  # "..., a Naruto fanfic"
    re.compile(r"\s+(?:Chapter|Ch\.)\s*\d+.*$", re.IGNORECASE),
)


def _html_title(soup) -> str | None:
    """The story title of a saved page: the site's title element, an <h1>, or a cleaned <title>."""
    for sel in ("#profile_top b.xcontrast_txt", "h2.title.heading", "h1"):
        found = soup.select_one(sel)
        if found and found.get_text(strip=True):
            return re.sub(r"\s+", " ", found.get_text(" ", strip=True))
    if soup.title and soup.title.get_text(strip=True):
        t = re.sub(r"\s+", " ", soup.title.get_text(" ", strip=True))
        t = re.split(r"\s+[|–—]\s+|\s+-\s+", t)[0].strip()
        for noise in _FANFIC_TITLE_NOISE:
            t = noise.sub("", t).strip()
        return t or None
    return None


def _html_author(soup) -> str | None:
    """The author of a saved page: <meta name=author>, a rel=author link, or a profile link."""
    meta = soup.find("meta", attrs={"name": "author"})
    if meta and meta.get("content", "").strip():
        return str(meta["content"]).strip()
    for sel in ("a[rel~=author]", "#profile_top a[href*='/u/']"):
        found = soup.select_one(sel)
        if found and found.get_text(strip=True):
            return found.get_text(" ", strip=True)
    return None


def _open_html(path: Path, data: bytes, read: SectionFilter | None) -> Document:
    _require("bs4", "beautifulsoup4", path)
    soup = _soup(data)
    title = _html_title(soup)
    author = _html_author(soup)
    story = _story_root(soup)
    # Screen-reader landmarks ("Chapter Text" on AO3) are not part of the story.
    for tag in story.find_all(_DROP_TAGS) + story.select(".landmark"):
        tag.decompose()
    ex = _extract_blocks(story)
    if not ex.text.strip():
        raise InputError(f"{_name(path)}: no story text in the page")
    lay = _layout(ex.text, read=read, default_title=title or path.stem, heading_spans=ex.headings)
    if lay.title is None and title:
        lay = dataclasses.replace(lay, title=title)
    if lay.author is None and author:
        lay = dataclasses.replace(lay, author=author)
    return Document(path, lay, text=ex.text)


_CONTENTS_TITLE = re.compile(r"^\s*(?:table of\s+)?contents\s*$", re.IGNORECASE)


def _open_epub(path: Path, include_front_matter: bool) -> Document:
    _require("ebooklib", "ebooklib", path)
    _require("bs4", "beautifulsoup4", path)
    import ebooklib
    from ebooklib import epub

    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as exc:  # ebooklib raises bare exceptions for bad zips / missing OPF
        raise InputError(f"{_name(path)}: not a readable EPUB ({type(exc).__name__}: {exc})".splitlines()[0]) from None

    def meta(field: str) -> str | None:
        values = book.get_metadata("DC", field)
        return str(values[0][0]).strip() if values and values[0][0] else None

    parts: list[str] = []
    spans: list[tuple[int, int, Paragraph | None, str | None]] = []
    pos = 0
    for idref, *_ in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or isinstance(item, epub.EpubNav):
            continue
        soup = _soup(item.get_content())
        ex = _extract_blocks(soup.body or soup)
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
    text = "".join(parts)
    if not text.strip():
        raise InputError(f"{_name(path)}: no story text (the EPUB has no text documents)")
    book_title, author = meta("title"), meta("creator")
    # Words of a title page: the book's title and author and nothing else.
    title_words = {w.lower() for w in re.findall(r"\w+", f"{book_title or ''} {author or ''} by")}
    laid: list[ChapterLayout] = []
    front: list[Section] = []
    for start, end, heading, title in spans:
        words = {w.lower() for w in re.findall(r"\w+", text[start:end])}
        if not include_front_matter and title_words and words <= title_words:
            front.append(Section("title page", start, end, (Paragraph(start, end),)))
            continue
        if not include_front_matter and title and _CONTENTS_TITLE.match(title):
            front.append(Section("contents", start, end, (Paragraph(start, end),)))
            continue
        n = len(laid) + 1
        number = heading_number(title) if title else None
        laid.append(layout_chapter(
            text, heading.end if heading else start, end, title=title or f"Chapter {n}",
            number=number if number is not None else n,
            heading=heading, include_front_matter=include_front_matter,
        ))
    lay = Layout(chapters=tuple(laid), title=book_title, author=author, summary=meta("description"),
                 front=tuple(front))
    return Document(path, lay, text=text)


# ----------------------------------------------------------------------------------------------
# Plain text, streamed: the file is read in chunks, twice (shape, then units), never whole


_CHUNK = 1 << 18  # 256 KB of bytes (up to 1 MB decoded) in memory at a time
_EOL = re.compile(r"\r\n|\r|\n")


class _Plain:
    """How a plain-text file is decoded: its codec, BOM length and how many bytes of it are text."""

    def __init__(self, path: Path) -> None:
        name = _name(path)
        with _reading(path) as f:
            try:
                st = os.fstat(f.fileno())
                head = f.read(4096)
                f.seek(max(0, st.st_size - 1))
                last = f.read(1)
            except OSError as exc:
                raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
        if st.st_size == 0:
            raise InputError(f"{name}: the file is empty")
        self.path, self.name = path, name
        self.stamp = (st.st_size, st.st_mtime_ns)
        self.codec, self.bom = _detect(head)
        # A BOM (or NUL-interleaved bytes) names the encoding; otherwise UTF-8, else Windows-1252,
        # decided by a first pass. The DOS end-of-file mark (0x1A) may end a file that has neither.
        self.named = self.bom > 0 or self.codec != "utf-8"
        self.size = st.st_size - (1 if not self.named and last == b"\x1a" else 0)
        self.single = codecs.lookup(self.codec).name in _SINGLE_BYTE

    def lines(self) -> Iterator[tuple[int, int, str]]:
        """(text offset, byte offset, raw line) of every line, decoded chunk by chunk (see `decode`).

        Offsets index the newline-normalised text; the raw line is as decoded (before C1 controls are
        mapped), so its encoded length is its length in the file. Raises InputError as `decode` does.
        """
        codec, single = self.codec, self.single
        nl_bytes = len("\n".encode(codec))
        decoder = codecs.getincrementaldecoder(codec)("strict")
        binary_char: tuple[int, int] | None = None  # (byte offset, char) of the first control character
        text_pos, byte_pos = 0, self.bom
        buf = ""
        with self._open() as f:
            f.seek(self.bom)
            pos = self.bom
            while True:
                chunk = f.read(min(_CHUNK, self.size - pos)) if pos < self.size else b""
                final = not chunk
                if not self.named:
                    m = _BINARY_BYTE.search(chunk)
                    if m:
                        raise _binary_byte(self.name, m.group()[0], pos + m.start())
                pending = len(decoder.getstate()[0])
                try:
                    piece = decoder.decode(chunk, final)
                except UnicodeDecodeError as exc:
                    raise _BadBytes(pos - pending + exc.start, exc.object[exc.start]) from None
                pos += len(chunk)
                buf += piece
                cut = len(buf) if final else (len(buf) - 1 if buf.endswith("\r") else len(buf))
                start = 0
                for m in _EOL.finditer(buf, 0, cut):
                    raw = buf[start:m.start()]
                    if self.named and binary_char is None:
                        c = _BINARY_CHAR.search(raw)
                        if c:
                            binary_char = (byte_pos + len(raw[:c.start()].encode(codec)), ord(c.group()))
                    yield text_pos, byte_pos, raw
                    text_pos += len(raw) + 1
                    byte_pos += (len(raw) if single else len(raw.encode(codec))) + nl_bytes * len(m.group())
                    start = m.end()
                buf = buf[start:]
                if final:
                    break
        if self.named and binary_char is None and _BINARY_CHAR.search(buf):
            c = _BINARY_CHAR.search(buf)
            binary_char = (byte_pos + len(buf[:c.start()].encode(codec)), ord(c.group()))
        if binary_char is not None:
            raise _binary_char(self.name, binary_char[1], binary_char[0])
        yield text_pos, byte_pos, buf

    def checked_lines(self) -> Iterator[tuple[int, int, str]]:
        """`lines`, falling back to Windows-1252 when the file is not UTF-8 (decided on the first pass)."""
        try:
            yield from self.lines()
        except _BadBytes as bad:
            if self.named:
                raise _not_valid(self.name, self.codec, bad.byte, bad.offset) from None
            if self.codec != "utf-8":
                self._scan_binary(bad.offset)  # a binary byte anywhere is the better message
                raise _neither(self.name, bad.byte, bad.offset, self.first_non_utf8) from None
            # Not UTF-8: Windows-1252 (a superset of Latin-1's printable characters) is the one other
            # encoding text editors commonly write. Binary bytes anywhere still mean "not text".
            self._scan_binary(bad.offset)
            self.first_non_utf8 = bad.offset
            self.codec, self.single = "cp1252", True
            raise _Restart from None

    def _scan_binary(self, start: int) -> None:
        """Raise the binary-byte error for the first control byte from `start` on, if any."""
        with self._open() as f:
            f.seek(start)
            pos = start
            while pos < self.size:
                chunk = f.read(min(_CHUNK, self.size - pos))
                if not chunk:
                    break
                m = _BINARY_BYTE.search(chunk)
                if m:
                    raise _binary_byte(self.name, m.group()[0], pos + m.start())
                pos += len(chunk)

    def _open(self):
        try:
            st = self.path.stat()
            if (st.st_size, st.st_mtime_ns) != self.stamp:
                raise InputError(f"{self.name}: the file changed while it was being read")
            return self.path.open("rb")
        except OSError as exc:
            raise InputError(f"{self.name}: cannot read the file ({exc.strerror or exc})") from None

    def read(self, b0: int, b1: int, length: int) -> str:
        """The normalised text of bytes [b0, b1), which must be `length` characters long."""
        text = _fix_c1(_normalise_newlines(self.raw(b0, b1)))
        if len(text) != length:
            raise InputError(f"{self.name}: the file changed while it was being read")
        return text

    def raw(self, b0: int, b1: int) -> str:
        """Bytes [b0, b1) decoded, line endings as they are (b0 and b1 must fall between characters)."""
        with self._open() as f:
            f.seek(b0)
            data = f.read(b1 - b0)
        try:
            return data.decode(self.codec)
        except UnicodeDecodeError:
            raise InputError(f"{self.name}: the file changed while it was being read") from None

    def byte_len(self, s: str) -> int:
        return len(s) if self.single else len(s.encode(self.codec))


class _BadBytes(Exception):
    """Bytes the codec cannot decode, at a file offset."""

    def __init__(self, offset: int, byte: int) -> None:
        super().__init__(offset, byte)
        self.offset, self.byte = offset, byte


class _Restart(Exception):
    """The first pass found the file is not UTF-8: start again as Windows-1252."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SINGLE_BYTE = ("cp1252", "latin-1", "iso8859-1", "ascii")


class _UnitIndex(Sequence[_Unit]):
    """Every unit of a streamed file in compact arrays (13 bytes a paragraph), held while the outline is built.

    The text of the units `outline` looks at (those not plain) is kept; any other span is read back
    from the file when asked for (see `_FileText`), its byte offsets found from a checkpoint (the
    byte offset of every 64th unit's line) by decoding forward.
    """

    _EVERY = 64

    def __init__(self, plain: _Plain) -> None:
        code = "q" if plain.size >= 2**31 - 1 else "i"
        self._plain = plain
        self.starts, self.ends, self.leads = array(code), array(code), array(code)
        self.flags = bytearray()  # 1: scene break, 2: plain
        self.kept: dict[int, str] = {}
        self._cp_text, self._cp_byte = array("q", [0]), array("q", [plain.bom])

    def add(self, unit: _Unit, text: str, line_byte: int, first_line_heading: bool) -> None:
        """Record a unit; `line_byte` is the byte offset of its first line."""
        if len(self.starts) % self._EVERY == 0 and unit.start - unit.lead > self._cp_text[-1]:
            self._cp_text.append(unit.start - unit.lead)
            self._cp_byte.append(line_byte)
        self.starts.append(unit.start)
        self.ends.append(unit.end)
        self.leads.append(unit.lead)
        plain = not unit.scene and is_plain(text, first_line_heading)
        self.flags.append(unit.scene | (plain << 1))
        if not plain:
            self.kept[unit.start] = text

    def finish(self, text_end: int, byte_end: int) -> None:
        """Record where the text ends (the last checkpoint)."""
        self._cp_text.append(text_end)
        self._cp_byte.append(byte_end)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        f = self.flags[i]
        return _Unit(self.starts[i], self.ends[i], bool(f & 1), bool(f & 2), self.leads[i])

    def byte_at(self, offset: int) -> int:
        """The byte offset in the file of a text offset."""
        k = bisect.bisect_right(self._cp_text, offset) - 1
        base_text, base_byte = self._cp_text[k], self._cp_byte[k]
        if offset == base_text:
            return base_byte
        end_byte = self._cp_byte[k + 1] if k + 1 < len(self._cp_byte) else self._plain.size
        raw = self._plain.raw(base_byte, end_byte)
        # Normalised text counts a CRLF as one character: find the raw index of the offset.
        i = done = 0
        want = offset - base_text
        while True:
            j = raw.find("\r\n", i)
            if j < 0 or done + (j - i) >= want:
                return base_byte + self._plain.byte_len(raw[:i + want - done])
            done += j - i + 1
            i = j + 2


class _FileText:
    """The text of a streamed file as `structure.outline` reads it: kept unit texts, other spans read back."""

    def __init__(self, plain: _Plain, index: _UnitIndex) -> None:
        self._plain, self._index = plain, index

    def __getitem__(self, span: slice) -> str:
        a, b = span.start, span.stop
        if b <= a:
            return ""
        idx = self._index
        kept = idx.kept.get(a)
        if kept is not None and b - a <= len(kept):
            return kept[:b - a]
        return self._plain.read(idx.byte_at(a), idx.byte_at(b), b - a)

    def count(self, sub: str, start: int, end: int) -> int:
        return self[start:end].count(sub)


def _index_units(plain: _Plain, shape: Shape) -> _UnitIndex:
    """The second pass: lex the streamed lines into units."""
    index = _UnitIndex(plain)
    lexer = Lexer(shape)
    offset = byte = 0
    raw = ""
    for offset, byte, raw in plain.lines():
        for unit, text, (_, line_byte), _, heading in lexer.feed(offset, _fix_c1(raw), (offset, byte)):
            index.add(unit, text, line_byte, heading)
    for unit, text, (_, line_byte), _, heading in lexer.close():
        index.add(unit, text, line_byte, heading)
    index.finish(offset + len(raw), byte + plain.byte_len(raw))
    return index


def _open_plain(path: Path, read: SectionFilter | None, default_title: str) -> Document:
    """Open a plain-text file without ever holding all of it: two streamed passes, then chapters on demand."""
    plain = _Plain(path)
    while True:
        try:
            scan = ShapeScan()
            nonblank = False
            for _, _, raw in plain.checked_lines():
                line = _fix_c1(raw)
                scan.add(line)
                nonblank = nonblank or bool(line.strip())
            break
        except _Restart:
            continue
    if not nonblank:
        raise InputError(f"{plain.name}: the file is empty")
    shape = scan.shape()
    index = _index_units(plain, shape)
    book = outline(_FileText(plain, index), index, shape, read=read, default_title=default_title)
    spans = {x for ch in book.chapters for x in (ch.start, ch.end) + (ch.body or ())}
    byte_offsets = {x: index.byte_at(x) for x in spans}
    del index  # the per-paragraph index is not needed once the outline is made
    return Document(path, Layout(chapters=_Chapters(book, plain, byte_offsets), title=book.title,
                                 author=book.author, summary=book.summary, front=book.front),
                    source=_Source(plain, byte_offsets))


class _Chapters(Sequence[ChapterLayout]):
    """A streamed file's chapters, each laid out from the file when asked for (nothing is kept)."""

    def __init__(self, book: Outline, plain: _Plain, byte_offsets: dict[int, int]) -> None:
        self._book, self._plain, self._bytes = book, plain, byte_offsets

    def __len__(self) -> int:
        return len(self._book.chapters)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return tuple(self[k] for k in range(*i.indices(len(self))))
        plan = self._book.chapters[i]
        body = ""
        if plan.body is not None:
            b0, b1 = plan.body
            body = self._plain.read(self._bytes[b0], self._bytes[b1], b1 - b0)
        return lay_out_chapter(self._book, plan, body)

    def __repr__(self) -> str:
        return f"<{len(self)} chapters of {self._plain.name}, laid out when read>"


# ----------------------------------------------------------------------------------------------
# Public entry points


def open_document(path: Path, *, include_front_matter: bool = False, read: SectionFilter | None = None) -> Document:
    """Open one input file (.txt, .md, .html/.htm, .epub; anything else is read as plain text).

    `read` says which skipped sections (notes, summary, licence...) are read aloud after all;
    include_front_matter reads them all (`structure.read_everything`).
    """
    path = Path(path)
    name = _name(path)
    suffix = path.suffix.lower()
    if include_front_matter:
        read = read_everything
    if suffix in (".epub", ".html", ".htm", ".xhtml", ".md", ".markdown"):
        data = _read_bytes(path)
        if suffix == ".epub":
            doc = _open_epub(path, read is read_everything)
            if read is not None and read is not read_everything:
                doc.layout = apply_reading(doc.layout, read)
        elif suffix in (".html", ".htm", ".xhtml"):
            if _detect(data) == ("utf-8", 0):  # no BOM or UTF-16 to decode first: the bytes must be text
                m = _BINARY_BYTE.search(data)
                if m:
                    raise _binary_byte(name, m.group()[0], m.start())
            doc = _open_html(path, data, read)
        else:
            text = decode(data, name)
            del data
            if not text.strip():
                raise InputError(f"{name}: the file is empty")
            headings = _markdown_heading_spans(text)
            text = blank_markdown(text)
            doc = Document(path, _layout(text, read=read, default_title=path.stem, heading_spans=headings), text=text)
    else:
        doc = _open_plain(path, read, path.stem)
    if not any(ch.paragraphs for ch in doc.layout.chapters):
        raise InputError(f"{name}: no story text (only front matter)")
    return doc


def _natural_key(p: Path) -> list[object]:
    """Sort key putting ch2 before ch10."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a directory becomes its chapter files (.txt .md .html .htm .epub) in natural order (ch2 before ch10). Empty dir / dir with no text files -> InputError."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            try:
                entries = list(p.iterdir())
            except PermissionError:
                raise InputError(f"{_name(p)}: cannot read the directory (permission denied)") from None
            files = sorted(
                (e for e in entries if e.suffix.lower() in TEXT_SUFFIXES and e.is_file() and not e.name.startswith(".")),
                key=_natural_key,
            )
            if not files:
                what = "is empty" if not entries else "has no text files (.txt .md .html .htm .epub)"
                raise InputError(f"{_name(p)}: the directory {what}")
            out.extend(files)
        else:
            out.append(p)
    return out
