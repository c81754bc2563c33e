"""Markdown: the markup blanked out (same length, so offsets still index the file text), # headings as hints."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from audiobook.errors import InputError

from .decode import decode_warned, display_name
from .document import Document
from .structure import SectionFilter, is_scene_break, layout

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


def heading_spans(raw: str) -> list[tuple[int, int]]:
    """[start, end) of the words of every #, ## and ### heading line (the same in the blanked text)."""
    spans = []
    for m in _MD_HEADING.finditer(raw):
        words = m.group(3)
        if len(m.group(2)) <= 3 and words.strip():
            start = m.start(3) + len(words) - len(words.lstrip())
            spans.append((start, m.start(3) + len(words.rstrip())))
    return spans


def open_markdown(path: Path, data: bytes, read: SectionFilter | None) -> Document:
    """A markdown file: its text with the markup blanked, laid out with its #, ## and ### headings as hints."""
    text, warnings = decode_warned(data, display_name(path))
    del data
    if not text.strip():
        raise InputError(f"{display_name(path)}: the file is empty")
    headings = heading_spans(text)
    text = blank_markdown(text)
    lay = layout(text, read=read, default_title=path.stem, heading_spans=headings)
    return Document(path, dataclasses.replace(lay, warnings=warnings), text=text)
