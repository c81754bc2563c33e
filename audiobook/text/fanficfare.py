"""FanFicFare's HTML and TXT output: its title page becomes metadata, its table of contents front matter.

FanFicFare's writers (fanficfare/writers) lay a story out as: "<title> by <author>" (an <h1> with links, or
two text lines), the title page entries as "Label: value" (a table of rows in HTML, lines in TXT; labels
from its defaults.ini: Series, Category, Genre, Language, Characters, Relationships, Status, Published,
Updated, Packaged, Rating, Warnings, Chapters, Words, Publisher, Summary), a table of contents when there
are several chapters, then each chapter under its title (an <h2> in HTML, a tab-indented line in TXT), and
in TXT a last line "End file.". (Its EPUB is read by `epub`, whose info-page rule covers its title page.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .compose import Composer
from .document import Document
from .structure import SectionFilter
from .workinfo import info_lines, known_label, split_values, work_info

if TYPE_CHECKING:  # items needs BeautifulSoup, which opening a plain .txt should not import
    from .items import Item

CONTENTS = re.compile(r"^\s*table of contents\s*$", re.IGNORECASE)
END = "End file."
#: An info page has at least this many "Label: value" entries FanFicFare uses.
MIN_ENTRIES = 2


def _entries(lines: Sequence[str]) -> tuple[list[tuple[str, list[str]]], str | None]:
    """(label, values) of the title page's entries, and its Summary (which may run over several lines)."""
    pairs = info_lines(lines)
    summary: list[str] = []
    in_summary = False
    for line in lines:
        m = re.match(r"^\s*([A-Z][\w '/-]{0,30}?):\s*(.*)$", line)
        if m and known_label(m.group(1)):
            in_summary = m.group(1).strip().lower() in ("summary", "description")
            if in_summary:
                summary.append(m.group(2))
        elif in_summary:
            summary.append(line)
    return pairs, " ".join(" ".join(summary).split()) or None


def _title_line(text: str, links: Sequence[str]) -> tuple[str | None, list[str]]:
    """(title, authors) from "<title> by <author>" (the links, when the source has them)."""
    if len(links) >= 2:
        return links[0], list(links[1:])
    title, sep, by = text.rpartition(" by ")
    return (title.strip(), split_values(by)) if sep else (text or None, [])


def looks_like_fff_html(items: Sequence[Item]) -> bool:
    """Whether a page is FanFicFare's HTML: "<title> by <author>" first, then title-page entries or contents."""
    if not items or items[0].kind != "heading" or " by " not in items[0].text:
        return False
    head = items[1:4]
    entries = sum(1 for it in head for b in it.blocks for ln in b.split("\n")
                  if ":" in ln and known_label(ln.split(":", 1)[0]))
    return entries >= MIN_ENTRIES or any(it.kind == "heading" and CONTENTS.match(it.text) for it in head)


def read_fff_html(items: Sequence[Item], path: Path, read: SectionFilter | None) -> Document:
    """FanFicFare's HTML output: title page and contents as front matter, each <h2> a chapter."""
    out = Composer()
    title, authors = _title_line(items[0].text, items[0].links)
    out.front("title", items[0].blocks)
    pairs: list[tuple[str, list[str]]] = []
    summary = None
    i = 1
    while i < len(items):
        it = items[i]
        if it.kind == "heading" and CONTENTS.match(it.text):
            following = items[i + 1] if i + 1 < len(items) and items[i + 1].kind == "text" else None
            out.front("contents", it.blocks + (following.blocks if following else []))
            i += 2 if following else 1
            continue
        if it.kind == "heading" and it.level <= 3:
            out.chapter(it.text, it.blocks)
        elif out.chapters:
            out.story(it.blocks)
        else:
            lines = [ln for b in it.blocks for ln in b.split("\n")]
            found, said = _entries(lines)
            pairs += found
            summary = summary or said
            out.front("notes" if found else "front matter", it.blocks)
        i += 1
    info = work_info(pairs, authors=tuple(authors))
    return out.document(path, read, title=title, author=", ".join(authors) or None, summary=summary, info=info)


def looks_like_fff_txt(head: str, tail: str) -> bool:
    """Whether a text file is FanFicFare's TXT: title, "by <author>", entries, and "End file." at its end."""
    lines = [ln.strip() for ln in head.split("\n") if ln.strip()][:12]
    if len(lines) < 3 or not lines[1].startswith("by ") or tail.strip().split("\n")[-1].strip() != END:
        return False
    return sum(1 for ln in lines[2:] if ":" in ln and known_label(ln.split(":", 1)[0])) >= MIN_ENTRIES or any(
        CONTENTS.match(ln) for ln in lines)


def _blocks(lines: Sequence[str]) -> list[str]:
    """Paragraphs (separated by blank lines) of some lines."""
    return [b.strip("\n") for b in "\n".join(lines).split("\n\n") if b.strip()]


def read_fff_txt(text: str, path: Path, read: SectionFilter | None, warnings: Sequence[str] = ()) -> Document:
    """FanFicFare's TXT output (see the module doc), from its decoded text."""
    lines = text.split("\n")
    out = Composer()
    out.warnings.extend(warnings)
    nonblank = [k for k, ln in enumerate(lines) if ln.strip()]
    title = lines[nonblank[0]].strip()
    authors = split_values(lines[nonblank[1]].strip()[3:])
    out.front("title", [title])
    out.front("byline", [lines[nonblank[1]].strip()])
    # Chapter headings: tab-indented lines standing alone between blank lines.
    heads = [k for k in range(nonblank[1] + 1, len(lines)) if lines[k].startswith("\t") and lines[k].strip()
             and (k == 0 or not lines[k - 1].strip()) and (k + 1 >= len(lines) or not lines[k + 1].strip())]
    end = max(k for k in nonblank if lines[k].strip() == END)
    first = heads[0] if heads else end
    head_lines = lines[nonblank[1] + 1:first]
    toc = next((k for k, ln in enumerate(head_lines) if CONTENTS.match(ln)), len(head_lines))
    pairs, summary = _entries(head_lines[:toc])
    for block in _blocks(head_lines[:toc]):
        out.front("notes", [block])
    if toc < len(head_lines):
        out.front("contents", ["\n".join(ln.strip() for ln in head_lines[toc:] if ln.strip())])
    for n, k in enumerate(heads):
        stop = heads[n + 1] if n + 1 < len(heads) else end
        out.chapter(lines[k].strip(), [lines[k].strip()])
        out.story(_blocks(lines[k + 1:stop]))
    out.end_chapter()
    out.front("front matter", [END])
    info = work_info(pairs, authors=tuple(authors))
    return out.document(path, read, title=title, author=", ".join(authors) or None, summary=summary, info=info)
