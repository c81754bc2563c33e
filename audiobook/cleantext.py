"""Clean text for labels: what goes into tags, the feed, the page and file names.

A title or author read from a file or typed on the command line may hold control characters,
lone surrogates (undecodable bytes of a command-line argument) or Unicode noncharacters. None of
them can be written to XML, some break ID3 text frames, and all of them make a file name no one
can type. They are removed once, where book metadata enters (`attribution.book.read_book`), and
again wherever XML or ID3 text is built, for files written before this cleaning existed.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace

from .model import WorkInfo

_NONCHARACTERS = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
#: Never allowed in a label: C0/C1 controls (tab and newline included), surrogates, noncharacters.
_BAD_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff{_NONCHARACTERS}"
                          "\u2028\u2029\ufeff]+")
#: In a longer text (a summary, a transcript) tabs and line breaks stay.
_BAD_IN_BLOCK = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                           f"{_NONCHARACTERS}\ufeff]+")


def clean_line(text: str | None) -> str | None:
    """A one-line label: every control character and line break a space, spaces collapsed; None if nothing is left."""
    if text is None:
        return None
    cleaned = " ".join(_BAD_IN_LINE.sub(" ", text).split())
    return cleaned or None


def clean_block(text: str | None) -> str | None:
    """A multi-line text: line breaks normalised to \\n, tabs kept, other control characters removed."""
    if text is None:
        return None
    cleaned = _BAD_IN_BLOCK.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
                                .replace("\u2029", "\n\n")).strip()
    return cleaned or None


def clean_info(info: WorkInfo | None) -> WorkInfo | None:
    """A download's work details (fandom, rating, tags...) with every text cleaned as a label."""
    if info is None:
        return None
    changes: dict[str, object] = {}
    for f in fields(info):
        value = getattr(info, f.name)
        if isinstance(value, str):
            changes[f.name] = clean_line(value)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(c for c in (clean_line(v) for v in value) if c)
    return replace(info, **changes)  # type: ignore[arg-type]


__all__ = ["clean_line", "clean_block", "clean_info"]
