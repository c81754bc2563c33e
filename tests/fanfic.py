"""Fan-fiction downloads built from their documented layouts, for tests (never files copied from the sites).

`Work` describes a work; `ao3_html` renders it as AO3's download template does (app/views/downloads in the
otwarchive source: preface, chapters, afterword), `ao3_epub` as the EPUB converted from that page (one
spine document per preface, chapter and afterword; `strip_classes` as a converter that drops the classes),
`ffnet_page` as a saved fanfiction.net chapter page, and the `fff_*` functions as FanFicFare's writers lay out
their EPUB, HTML and TXT output (title page, table of contents, chapters).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Chap:
    title: str  # as AO3 shows it: "Chapter 1: The Well" or "Chapter 1"
    paragraphs: list[str]
    summary: str | None = None
    notes: str | None = None
    end_notes: str | None = None


@dataclass
class Work:
    title: str
    authors: list[str]
    chapters: list[Chap]
    rating: str = "Teen And Up Audiences"
    warnings: list[str] = field(default_factory=lambda: ["No Archive Warnings Apply"])
    fandoms: list[str] = field(default_factory=lambda: ["Lanterns of the North (Video Game)"])
    relationships: list[str] = field(default_factory=lambda: ["Mara/Pell"])
    characters: list[str] = field(default_factory=lambda: ["Mara", "Pell", "Noor"])
    tags: list[str] = field(default_factory=lambda: ["Slow Burn", "Fluff"])
    summary: str | None = "Two keepers, one lighthouse, and a winter that will not end."
    notes: str | None = "Thanks to my beta, who is a saint."
    end_notes: str | None = "Kudos and comments keep me writing!"
    url: str = "https://archiveofourown.org/works/000000"


def _e(s: str) -> str:
    return html.escape(s, quote=False)


def _paras(text: str) -> str:
    return "".join(f"<p>{_e(p)}</p>" for p in text.split("\n\n"))


def _links(values: list[str]) -> str:
    return ", ".join(f'<a href="https://archiveofourown.org/tags/{i}">{_e(v)}</a>' for i, v in enumerate(values))


def ao3_preface(work: Work) -> str:
    words = sum(len(p.split()) for c in work.chapters for p in c.paragraphs)
    rows = [("Rating", [work.rating]), ("Archive Warning", work.warnings), ("Fandom", work.fandoms),
            ("Relationship", work.relationships), ("Character", work.characters), ("Additional Tags", work.tags)]
    dl = "".join(f"<dt>{name if len(v) == 1 or name.endswith('s') else name + 's'}:</dt><dd>{_links(v)}</dd>"
                 for name, v in rows if v)
    dl += "<dt>Language:</dt><dd>English</dd>"
    n = len(work.chapters)
    dl += (f"<dt>Stats:</dt><dd>Published: 2024-01-02 Words: {words:,} Chapters: {n}/{n}</dd>")
    by = ", ".join(f'<a rel="author" href="https://archiveofourown.org/users/{a}/pseuds/{a}">{_e(a)}</a>'
                   for a in work.authors)
    out = ['<div id="preface"><h2 class="toc-heading">Preface</h2>',
           f'<p class="message"><b>{_e(work.title)}</b><br/>Posted originally on the '
           f'<a href="https://archiveofourown.org/">Archive of Our Own</a> at '
           f'<a href="{work.url}">{work.url}</a>.</p>',
           f'<div class="meta"><dl class="tags">{dl}</dl><h1>{_e(work.title)}</h1>'
           f'<div class="byline">by {by}</div>']
    if work.summary:
        out.append(f'<p>Summary</p><blockquote class="userstuff">{_paras(work.summary)}</blockquote>')
    if work.notes or work.end_notes:
        out.append("<p>Notes</p>")
        if work.notes:
            out.append(f'<blockquote class="userstuff">{_paras(work.notes)}</blockquote>')
        if work.end_notes:
            more = "more " if work.notes else ""
            out.append(f'<div class="endnote-link">See the end of the work for {more}<a href="#endnotes">notes</a></div>')
    out.append("</div></div>")
    return "".join(out)


def ao3_chapter(chap: Chap, position: int) -> str:
    out = [f'<div class="meta group"><h2 class="heading">{_e(chap.title)}</h2>']
    if chap.summary:
        out.append(f'<p>Chapter Summary</p><blockquote class="userstuff">{_paras(chap.summary)}</blockquote>')
    if chap.notes or chap.end_notes:
        out.append("<p>Chapter Notes</p>")
        if chap.notes:
            out.append(f'<blockquote class="userstuff">{_paras(chap.notes)}</blockquote>')
        if chap.end_notes:
            out.append(f'<div class="endnote-link">See the end of the chapter for '
                       f'<a href="#endnotes{position}">{"more notes" if chap.notes else "notes"}</a></div>')
    out.append("</div>")
    out.append('<!--chapter content--><div class="userstuff">'
               + "".join(f"<p>{_e(p)}</p>" for p in chap.paragraphs) + "</div><!--/chapter content-->")
    if chap.end_notes:
        out.append(f'<div class="meta" id="endnotes{position}"><p>Chapter End Notes</p>'
                   f'<blockquote class="userstuff">{_paras(chap.end_notes)}</blockquote></div>')
    return "".join(out)


def ao3_afterword(work: Work) -> str:
    out = ['<div id="afterword"><h2 class="toc-heading">Afterword</h2>']
    if work.end_notes:
        out.append(f'<div class="meta"><div id="endnotes"><p>End Notes</p>'
                   f'<blockquote class="userstuff">{_paras(work.end_notes)}</blockquote></div></div>')
    out.append('<p class="message">Please <a href="https://archiveofourown.org/works/000000/comments/new">drop by '
               "the Archive and comment</a> to let the creator know if you enjoyed their work!</p></div>")
    return "".join(out)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="UTF-8"/><title>{_e(title)}</title></head>'
            f'<body>{body}</body></html>')


def ao3_html(work: Work) -> str:
    """The work as AO3's HTML download."""
    if len(work.chapters) > 1:
        chapters = "".join(ao3_chapter(c, n) for n, c in enumerate(work.chapters, 1))
    else:
        chapters = '<div class="userstuff">' + "".join(f"<p>{_e(p)}</p>" for p in work.chapters[0].paragraphs) + "</div>"
    body = ao3_preface(work) + f'<div id="chapters" class="userstuff">{chapters}</div>' + ao3_afterword(work)
    return _page(f"{work.title} - {', '.join(work.authors)}", body)


def strip_classes(markup: str) -> str:
    """The markup with every class attribute dropped (as a converter may do)."""
    return re.sub(r'\s(?:class|id)="[^"]*"', "", markup)


def ao3_epub(work: Work, path: Path, *, classes: bool = True) -> None:
    """The work as AO3's EPUB: the HTML download split at the preface, each chapter and the afterword."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("urn:test:ao3")
    book.set_title(work.title)
    book.set_language("en")
    for a in work.authors:
        book.add_author(a)
    if work.summary:
        book.add_metadata("DC", "description", work.summary)
    book.add_metadata("DC", "publisher", "Archive of Our Own")
    if len(work.chapters) > 1:
        middle = [f'<div id="chapters" class="userstuff">{ao3_chapter(c, n)}</div>'
                  for n, c in enumerate(work.chapters, 1)]
        parts = [ao3_preface(work), *middle, ao3_afterword(work)]
    else:  # one chapter: its text follows the preface in the same document
        text = "".join(f"<p>{_e(p)}</p>" for p in work.chapters[0].paragraphs)
        parts = [ao3_preface(work) + f'<div id="chapters" class="userstuff"><div class="userstuff">{text}</div></div>',
                 ao3_afterword(work)]
    items = []
    for n, part in enumerate(parts):
        item = epub.EpubHtml(title=f"Part {n}", file_name=f"{work.title[:8]}_split_{n:03d}.xhtml", lang="en")
        item.content = f"<html><body>{part if classes else strip_classes(part)}</body></html>"
        book.add_item(item)
        items.append(item)
    book.toc = tuple(items)
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    epub.write_epub(str(path), book)
