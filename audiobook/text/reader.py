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

import importlib.util
import os
import re
from collections.abc import Sequence
from pathlib import Path

from audiobook.errors import InputError

from .decode import decode, decode_warned, display_name, open_input, read_bytes
from .document import Document
from .plain import open_plain
from .structure import SectionFilter, read_everything

#: Input suffixes a directory of chapter files is searched for.
TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".epub", ".pdf")

_HTML = (".html", ".htm", ".xhtml")
_MARKDOWN = (".md", ".markdown")


def _require(module: str, package: str, path: Path) -> None:
    """An InputError naming the missing package, rather than an ImportError traceback."""
    if importlib.util.find_spec(module) is None:
        raise InputError(f"{display_name(path)}: reading {path.suffix} files needs the '{package}' package "
                         f"(pip install {package})")


def open_document(path: Path, *, include_front_matter: bool = False, read: SectionFilter | None = None) -> Document:
    """Open one input file (.txt, .md, .html/.htm, .epub, .pdf; anything else is read as plain text).

    `read` says which skipped sections (notes, summary, licence...) are read aloud after all;
    include_front_matter reads them all (`structure.read_everything`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if include_front_matter:
        read = read_everything
    if suffix == ".epub":
        read_bytes(path)  # the one set of messages for a missing, unreadable or empty file
        _require("ebooklib", "ebooklib", path)
        _require("bs4", "beautifulsoup4", path)
        from .epub import open_epub

        doc = open_epub(path, read)
    elif suffix in _HTML:
        data = read_bytes(path)
        _require("bs4", "beautifulsoup4", path)
        from .html import open_html

        doc = open_html(path, data, read)
    elif suffix == ".pdf":
        data = read_bytes(path)
        _require("pdfminer", "pdfminer.six", path)
        from .pdf import open_pdf

        doc = open_pdf(path, data, read)
    elif suffix in _MARKDOWN:
        from .markdown import open_markdown

        doc = open_markdown(path, read_bytes(path), read)
    else:
        doc = _fanficfare_txt(path, read) or open_plain(path, read, path.stem)
    _check_story(doc)
    return doc


_WORD = re.compile(r"[^\W_]")  # a letter or digit, in any script


def _check_story(doc: Document) -> None:
    """An InputError unless some chapter has a paragraph with a letter or digit to read aloud.

    A file of only front matter, or of only quotation marks, emoji or zero-width characters, has
    nothing to say: it is refused rather than rendered as a few seconds of "quote".
    """
    paragraphs = False
    for ch in doc.layout.chapters:  # (a streamed file's chapters are laid out one by one)
        if not ch.paragraphs:
            continue
        paragraphs = True
        text = doc.read(ch)
        if any(_WORD.search(text, p.start - ch.start, p.end - ch.start) for p in ch.paragraphs):
            return
    why = "no letters or digits to read aloud" if paragraphs else "only front matter"
    raise InputError(f"{display_name(doc.path)}: no story text ({why})")


def _fanficfare_txt(path: Path, read: SectionFilter | None) -> Document | None:
    """FanFicFare's TXT output, read whole (its title page is metadata), or None for any other text file."""
    from .fanficfare import looks_like_fff_txt, read_fff_txt

    with open_input(path) as f:
        try:
            head = f.read(8192)
            f.seek(max(0, os.fstat(f.fileno()).st_size - 256))
            tail = f.read(256)
        except OSError:
            return None  # the plain reader gives the one message for an unreadable file
    if not looks_like_fff_txt(head.decode("utf-8", "replace"), tail.decode("utf-8", "replace")):
        return None
    text, warnings = decode_warned(read_bytes(path), display_name(path))
    return read_fff_txt(text, path, read, warnings)


def _natural_key(p: Path) -> list[object]:
    """Sort key putting ch2 before ch10."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def expand_inputs(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a directory becomes its chapter files (.txt .md .html .htm .epub .pdf) in natural order.

    (ch2 before ch10.) An empty directory, or one with no text files, is an InputError.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            try:
                entries = list(p.iterdir())
            except PermissionError:
                raise InputError(f"{display_name(p)}: cannot read the directory (permission denied)") from None
            files = sorted(
                (e for e in entries
                 if e.suffix.lower() in TEXT_SUFFIXES and e.is_file() and not e.name.startswith(".")),
                key=_natural_key,
            )
            if not files:
                what = "is empty" if not entries else "has no text files (.txt .md .html .htm .epub .pdf)"
                raise InputError(f"{display_name(p)}: the directory {what}")
            out.extend(files)
        else:
            out.append(p)
    return out


__all__ = ["Document", "TEXT_SUFFIXES", "decode", "expand_inputs", "open_document"]
