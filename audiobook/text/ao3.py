"""Archive of Our Own downloads (HTML, EPUB, PDF): the preface and afterword are metadata and notes, each
chapter's summary and notes (beginning and end) are skipped sections, only the chapter text is story.

AO3 renders every download from one HTML template (the EPUB, MOBI, AZW3 and PDF are converted from it):
a preface (the title in bold and "Posted originally on the Archive of Our Own at <url>."; a list of tags:
Rating, Archive Warnings, Category, Fandoms, Relationships, Characters, Additional Tags, Language, Series,
Collections, Stats; the title as <h1>; "by <authors>"; "Summary" and "Notes" each followed by a
blockquote), the chapters (for a work of several, each "Chapter N: Title" as <h2>, then "Chapter Summary",
"Chapter Notes", the text, "Chapter End Notes"), and an afterword ("End Notes", works inspired by this one,
"Please drop by the Archive and comment..."). The reader walks a page's items (`items.Item`) and knows
those words; classes and ids, which converters may drop, are used only when present.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .compose import Composer
from .document import Document
from .items import Item
from .structure import SectionFilter
from .workinfo import field_for, info_lines, split_values, work_info

SITE = "Archive of Our Own"
PREFACE, AFTERWORD = "Preface", "Afterword"
POSTED = "Posted originally on the Archive of Our Own"
COMMENT = "Please drop by the Archive and comment"
INSPIRED = "Works inspired by this one"
SEE_END = ("See the end of the chapter for", "See the end of the work for")
LANDMARK = "Chapter Text"  # the screen-reader heading of a saved work page
CHAPTER = re.compile(r"^Chapter \d+(?::\s.*)?$")
#: The label of each note AO3 prints above a blockquote -> (section label, where it belongs).
NOTES = {
    "summary": ("summary", "work"), "notes": ("author's note", "work"), "end notes": ("author's note", "end"),
    "chapter summary": ("summary", "chapter"), "chapter notes": ("author's note", "chapter"),
    "chapter end notes": ("author's note", "chapter"),
}
REGIONS = frozenset({"preface", "chapters", "afterword"})


def looks_like_ao3(items: Sequence[Item]) -> bool:
    """Whether a page's items are an AO3 download: its "Posted originally on the Archive..." message."""
    return any(POSTED in it.text for it in items[:40])


@dataclass
class _Work:
    """What the preface says."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    url: str | None = None
    pairs: list[tuple[str, list[str]]] = field(default_factory=list)


def _note_label(item: Item) -> str | None:
    """The key in NOTES of an item that is one of AO3's note labels ("Chapter Notes"), else None."""
    if item.kind not in ("text", "heading") or len(item.text) > 20:
        return None
    key = item.text.rstrip(":").strip().lower()
    return key if key in NOTES else None


class _Reader:
    """The walk over a work's items (see the module doc)."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.out = Composer()
        self.work = _Work()
        self.state = "start"  # "preface", "chapter" or "afterword" once their markers are seen

    def run(self) -> None:
        i = 0
        while i < len(self.items):
            i = self.step(i)

    def step(self, i: int) -> int:
        """Take the item at i (and the quote after a note label); the index of the next item to take."""
        it = self.items[i]
        text = it.text
        if it.kind == "doc":
            if self.state == "preface":
                self.state = "start"  # the preface was a document of its own: what follows is not preface
            return i + 1
        if it.kind == "heading" and text in (PREFACE, AFTERWORD, LANDMARK):
            if text == AFTERWORD:
                self.out.end_chapter()
            self.state = {PREFACE: "preface", AFTERWORD: "afterword"}.get(text, self.state)
            return i + 1
        if it.kind == "heading" and it.region != "preface" and (
                CHAPTER.match(text) or ("heading" in it.classes and it.level == 2 and self.state != "preface")):
            self.out.chapter(text, it.blocks)
            self.state = "chapter"
            return i + 1
        key = _note_label(it)
        if key is not None:
            quote = self.items[i + 1] if i + 1 < len(self.items) and self.items[i + 1].kind == "quote" else None
            self.note(key, it, quote.blocks if quote else [])
            return i + 2 if quote else i + 1
        if text.startswith(SEE_END):
            return i + 1  # a link to the end notes: navigation, not text
        if self.in_front(it):
            if self.front(it):
                return i + 1
            self.state = "chapter"  # the preface is over: a one-chapter work's text begins
        self.story(it)
        return i + 1

    def in_front(self, it: Item) -> bool:
        if it.region:
            return it.region in ("preface", "afterword")
        return self.state in ("start", "preface", "afterword")

    def note(self, key: str, label: Item, blocks: list[str]) -> None:
        section, where = NOTES[key]
        text = " ".join(" ".join(blocks).split()) or None
        if where == "work" and self.out.chapters == 0:
            if key == "summary" and self.work.summary is None:
                self.work.summary = text
            self.out.front(section, [label.text, *blocks])
        elif where == "end":
            self.out.end_chapter()
            self.out.front(section, [label.text, *blocks])
        else:
            self.out.note(section, [label.text, *blocks], summary=text if key == "chapter summary" else None)

    def front(self, it: Item) -> bool:
        """Take a preface or afterword item; False when it is not one (story text begins)."""
        text = it.text
        if it.kind == "tags":
            self.work.pairs.extend(it.pairs)
            for label, values in it.pairs:
                kind = "rating" if label.rstrip(":").strip().lower() == "rating" else "notes"
                self.out.front(kind, [f"{label} {', '.join(values)}".strip()])
            return True
        pairs = info_lines([text]) if it.kind == "text" and self.state == "preface" else []
        if pairs and field_for(pairs[0][0]) is not None or text.startswith("Stats:"):
            label, values = pairs[0] if pairs else ("Stats", [text[6:].strip()])
            self.work.pairs.append((label, values))
            self.out.front("rating" if label.lower() == "rating" else "notes", it.blocks)
            return True  # a line of the tag list, as a PDF sets it
        if it.kind == "heading" and it.level == 1:
            self.work.title = text
            self.out.front("title", it.blocks)
            return True
        if text.startswith("by ") and not self.work.authors:
            self.work.authors = it.links or split_values(text[3:])
            self.out.front("byline", it.blocks)
            return True
        if POSTED in text:
            found = re.search(r"https?://\S+/works/\d+", text)  # a PDF keeps the address as text only
            self.work.url = self.work.url or next((h for h in it.hrefs if "/works/" in h), None) or (
                found.group() if found else None)
            if self.work.title is None and it.blocks and "\n" in it.blocks[0]:
                self.work.title = it.blocks[0].split("\n", 1)[0].strip() or None
            self.out.front("front matter", it.blocks)
            return True
        # Without the page's regions (a PDF, an EPUB that lost them), the preface runs to the work's title.
        before_title = self.state == "preface" and not it.region and self.work.title is None
        if self.state == "afterword" or it.region in ("preface", "afterword") or before_title or text.startswith(
                (COMMENT, INSPIRED)):
            self.out.front("front matter", it.blocks)
            return True
        return False

    def story(self, it: Item) -> None:
        if it.kind == "text" and it.text.startswith("Chapter by "):
            self.out.note("byline", it.blocks)
        else:
            self.out.story(it.blocks)


def read_ao3(items: Sequence[Item], path: Path, read: SectionFilter | None, *, title: str | None = None,
             authors: Sequence[str] = (), summary: str | None = None) -> Document:
    """An AO3 download's document from its items; `title`, `authors`, `summary` as its container gives them."""
    reader = _Reader(items)
    reader.run()
    work = reader.work
    names = work.authors or list(authors)
    info = work_info(work.pairs, authors=tuple(names), site=SITE, url=work.url)
    return reader.out.document(path, read, title=work.title or title, author=", ".join(names) or None,
                               summary=work.summary or summary, info=info)
