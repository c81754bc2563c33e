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


# ----------------------------------------------------------------------------------------------
# FanFicFare (fanficfare/writers: writer_epub, writer_html, writer_txt; labels from defaults.ini)

FFF_ENTRIES = [("Category", "Lanterns of the North"), ("Genre", "Romance, Drama"), ("Language", "English"),
               ("Characters", "Mara, Pell"), ("Relationships", "Mara/Pell"), ("Status", "Completed"),
               ("Published", "2023-05-01"), ("Updated", "2023-06-11"), ("Packaged", "2024-02-03 10:11:12"),
               ("Rating", "T"), ("Chapters", "2"), ("Words", "1,234"), ("Publisher", "www.fanfiction.net"),
               ("Summary", "Two keepers and one lighthouse.")]


def fff_epub(work: Work, path: Path) -> None:
    """The work as FanFicFare's EPUB: title page, table of contents, one file per chapter."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("fanficfare-uid:test")
    book.set_title(work.title)
    book.set_language("en")
    for a in work.authors:
        book.add_author(a)
    book.add_metadata("DC", "contributor", "FanFicFare [https://github.com/JimmXinu/FanFicFare]")
    book.add_metadata("DC", "description", "Two keepers and one lighthouse.")
    entries = "".join(f"<b>{_e(k)}:</b> {_e(v)}<br />" for k, v in FFF_ENTRIES)
    title = epub.EpubHtml(title="Title Page", file_name="OEBPS/title_page.xhtml", lang="en")
    title.content = (f'<html><body class="fff_titlepage"><h3><a href="{work.url}">{_e(work.title)}</a> by '
                     f'{", ".join(f"<a>{_e(a)}</a>" for a in work.authors)}</h3><div>{entries}</div></body></html>')
    toc = epub.EpubHtml(title="Table of Contents", file_name="OEBPS/toc_page.xhtml", lang="en")
    toc.content = ('<html><body class="fff_tocpage"><div><h3>Table of Contents</h3>'
                   + "".join(f'<a href="file{n:04d}.xhtml">{_e(c.title)}</a><br />'
                             for n, c in enumerate(work.chapters, 1)) + "</div></body></html>")
    files = []
    for n, chap in enumerate(work.chapters, 1):
        f = epub.EpubHtml(title=chap.title, file_name=f"OEBPS/file{n:04d}.xhtml", lang="en")
        f.content = (f'<html><body class="fff_chapter"><h3 class="fff_chapter_title">{_e(chap.title)}</h3>'
                     + "".join(f"<p>{_e(p)}</p>" if p != "* * *" else "<hr/>" for p in chap.paragraphs)
                     + "</body></html>")
        files.append(f)
    for item in (title, toc, *files):
        book.add_item(item)
    book.toc = tuple(files)
    book.add_item(epub.EpubNcx())
    book.spine = [title, toc, *files]
    epub.write_epub(str(path), book)


def fff_html(work: Work) -> str:
    """The work as FanFicFare's HTML output."""
    by = ", ".join(f'<a href="https://www.fanfiction.net/u/1/{a}">{_e(a)}</a>' for a in work.authors)
    rows = "".join(f"<tr><td><b>{_e(k)}:</b></td><td>{_e(v)}</td></tr>" for k, v in FFF_ENTRIES)
    toc = "".join(f'<a href="#section{n:04d}">{_e(c.title)}</a><br />' for n, c in enumerate(work.chapters, 1))
    chapters = "".join(f'<a name="section{n:04d}"><h2>{_e(c.title)}</h2></a>'
                       + "".join(f"<p>{_e(p)}</p>" if p != "* * *" else "<hr/>" for p in c.paragraphs)
                       for n, c in enumerate(work.chapters, 1))
    return (f'<!DOCTYPE html><html><head><meta charset="UTF-8"><title>{_e(work.title)} by '
            f'{_e(", ".join(work.authors))}</title><style type="text/css">p {{ margin: 0 }}</style></head><body>'
            f'<h1><a href="{work.url}">{_e(work.title)}</a> by {by}</h1><table class="full">{rows}</table>'
            f'<a name="TOCTOP"><h2>Table of Contents</h2></a><p>{toc}</p>{chapters}</body></html>')


def fff_txt(work: Work, width: int = 78) -> str:
    """The work as FanFicFare's TXT output (wrapped at `width`, as its wrap_width does)."""
    import textwrap

    def wrap(text: str) -> str:
        return "\n".join(textwrap.fill(p, width) if p else "" for p in text.split("\n"))

    out = f"\n\n\n{work.title}\n\nby {', '.join(work.authors)}\n\n\n"
    out += wrap("\n" + "".join(f"{k}: {v}\n" for k, v in FFF_ENTRIES) + "\n\n\n")
    if len(work.chapters) > 1:
        out += "\n\nTABLE OF CONTENTS\n\n" + "".join(f"\n{c.title}\n" for c in work.chapters) + "\n"
    for chap in work.chapters:
        out += f"\n\n\t{chap.title}\n\n"
        out += "\n\n".join(wrap(p) for p in chap.paragraphs) + "\n"
    return out + "\n\nEnd file.\n"


# ----------------------------------------------------------------------------------------------
# A chapter page of fanfiction.net saved from the browser (as FanFicFare's adapter reads it)


def ffnet_page(work: Work, chapter: int = 1) -> str:
    """Chapter `chapter` (1-based) of the work as a saved fanfiction.net page: navigation and reviews around it."""
    chap = work.chapters[chapter - 1]
    options = "".join(f'<option value="{n}"{" selected" if n == chapter else ""}>{n}. '
                      f'{_e(c.title.split(": ", 1)[-1])}</option>' for n, c in enumerate(work.chapters, 1))
    nav = f'<select id="chap_select" name="chapter" title="Chapter Navigation">{options}</select>'
    return (f'<!DOCTYPE html><html><head><title>{_e(work.title)} Chapter {chapter}: '
            f'{_e(chap.title)}, a lanterns fanfic | FanFiction</title></head><body>'
            '<div id="top"><div class="menulink"><a href="/">FanFiction</a> | unleash your imagination</div>'
            '<form id="search"><input name="keywords"/><button>Search</button></form></div>'
            '<div id="content_wrapper"><div id="content_wrapper_inner">'
            '<div id="pre_story_links"><span class="lc-left"><a class="xcontrast_txt" href="/game/">Games</a> '
            '<span class="xcontrast_txt">&#187;</span> <a class="xcontrast_txt" href="/game/Lanterns/">'
            'Lanterns of the North</a></span></div>'
            '<div id="profile_top"><img class="cimage" src="/image/1/75/"/>'
            '<button class="btn">Follow/Fav</button>'
            f'<b class="xcontrast_txt">{_e(work.title)}</b><span class="xcontrast_txt"> By:</span> '
            f'<a class="xcontrast_txt" href="/u/123/{work.authors[0]}">{_e(work.authors[0])}</a> '
            '<span class="icon-mail-1 xcontrast_txt"></span>'
            f'<div style="margin-top:2px" class="xcontrast_txt">{_e(work.summary or "")}</div>'
            '<span class="xgray xcontrast_txt">Rated: <a class="xcontrast_txt" '
            'href="https://www.fictionratings.com/" target="rating">Fiction  T</a> - English - Romance/Drama - '
            f'[Mara, Pell] Noor - Chapters: {len(work.chapters)} - Words: 1,234 - Reviews: 5 - Favs: 3 - '
            'Follows: 4 - Updated: <span data-xutime="1686470400">6/11/2023</span> - Published: '
            '<span data-xutime="1682899200">5/1/2023</span> - Status: Complete - id: 1234567 </span></div>'
            f'<span>{nav} <button>Next &gt;</button></span>'
            '<div role="main" aria-label="story content" class="storytextp" id="storytextp">'
            '<div class="storytext xcontrast_txt nocopy" id="storytext">'
            + "".join(f"<p>{_e(p)}</p>" if p != "* * *" else "<hr>" for p in chap.paragraphs)
            + f'</div></div><span>{nav} <button>Next &gt;</button></span>'
            '<div id="review"><table><tr><td><h3>Review</h3><textarea>Write a review!</textarea>'
            '<p>Reviews are a great way to thank the author.</p></td></tr></table></div>'
            '<div id="footer">Help - Privacy - Terms of Service</div></div></div></body></html>')


# ----------------------------------------------------------------------------------------------
# PDF, laid out line by line with a real PDF writer (fpdf2): a book page, or AO3's converted layout

BODY, HEAD, TITLE = 11.0, 15.0, 20.0  # type sizes in points


class PdfBook:
    """Pages of positioned lines: paragraphs wrapped (long words hyphenated at the line's end), a running
    header and a page number on every page, as a typesetter lays a book out."""

    def __init__(self, header: str | None = None, *, indent: bool = True, width: float = 420, height: float = 595):
        import warnings

        from fpdf import FPDF

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.pdf = FPDF(unit="pt", format=(width, height))
        self.pdf.core_fonts_encoding = "cp1252"
        self.pdf.set_auto_page_break(False)
        self.header, self.indent = header, indent
        self.left, self.right, self.top, self.bottom = 50.0, width - 50.0, 70.0, height - 60.0
        self.y = 0.0
        self.pages = 0
        self.new_page()

    def new_page(self) -> None:
        self.pdf.add_page()
        self.pages += 1
        if self.header:
            self.pdf.set_font("Times", "I", 9)
            self.pdf.text(self.left, 35, self.header)
        self.pdf.set_font("Times", "", 9)
        self.pdf.text((self.left + self.right) / 2 - 5, self.pdf.h - 30, str(self.pages))
        self.y = self.top

    def _line(self, x: float, text: str, size: float, style: str = "") -> None:
        if self.y + size > self.bottom:
            self.new_page()
        self.pdf.set_font("Times", style, size)
        self.pdf.text(x, self.y + size, text)
        self.y += size * 1.25

    def _wrap(self, text: str, first: float, left: float, size: float) -> list[tuple[float, str]]:
        self.pdf.set_font("Times", "", size)
        fits = self.pdf.get_string_width
        out: list[tuple[float, str]] = []
        x, line = first, ""
        for word in text.split():
            trial = f"{line} {word}" if line else word
            if x + fits(trial) <= self.right:
                line = trial
                continue
            cut = max((k for k in range(3, len(word) - 2) if word.isalpha()
                       and x + fits(f"{line} {word[:k]}-") <= self.right), default=0)
            if cut and len(word) >= 8:  # hyphenate a long word at the line's end
                out.append((x, f"{line} {word[:cut]}-".strip()))
                x, line = left, word[cut:]
            else:
                out.append((x, line))
                x, line = left, word
        out.append((x, line))
        return out

    def heading(self, text: str, size: float = HEAD, *, page: bool = False) -> None:
        if page and self.y > self.top:
            self.new_page()
        self.y += size * 0.6
        self._line(self.left, text, size, "B")
        self.y += size * 0.4

    def paragraph(self, text: str, *, quote: bool = False, joined: bool = False) -> None:
        """`joined`: the text goes on from the line before (after a line break, <br/>), no indent, no space."""
        left = self.left + (30 if quote else 0)
        first = left + (18 if self.indent and not quote and not joined else 0)
        if (not self.indent or quote) and not joined:
            self.y += BODY * 0.8  # paragraphs set apart by space rather than indentation
        for x, line in self._wrap(text, first, left, BODY):
            self._line(x, line, BODY)

    def output(self, path: Path, password: str | None = None) -> None:
        if password:
            self.pdf.set_encryption(owner_password="owner", user_password=password)
        self.pdf.output(str(path))


def ao3_pdf(work: Work, path: Path) -> None:
    """The work as AO3's PDF: its HTML download set in pages (preface, chapters, afterword)."""
    book = PdfBook(work.title, indent=False)
    book.heading("Preface", HEAD)
    book.paragraph(f"{work.title}")
    book.paragraph(f"Posted originally on the Archive of Our Own at {work.url}.", joined=True)
    n = len(work.chapters)
    words = sum(len(p.split()) for c in work.chapters for p in c.paragraphs)
    for label, values in [("Rating", [work.rating]), ("Archive Warning", work.warnings), ("Fandom", work.fandoms),
                          ("Relationship", work.relationships), ("Characters", work.characters),
                          ("Additional Tags", work.tags), ("Language", ["English"]),
                          ("Stats", [f"Published: 2024-01-02 Words: {words:,} Chapters: {n}/{n}"])]:
        book.paragraph(f"{label}: {', '.join(values)}")
    book.heading(work.title, TITLE)
    book.paragraph("by " + ", ".join(work.authors))
    for label, text in (("Summary", work.summary), ("Notes", work.notes)):
        if text:
            book.paragraph(label)
            for p in text.split("\n\n"):
                book.paragraph(p, quote=True)
    for chap in work.chapters:
        if n > 1:
            book.heading(chap.title, HEAD, page=True)
        else:
            book.new_page()
        for label, text in (("Chapter Summary", chap.summary), ("Chapter Notes", chap.notes)):
            if text and n > 1:
                book.paragraph(label)
                book.paragraph(text, quote=True)
        for p in chap.paragraphs:
            book.paragraph(p)
        if chap.end_notes and n > 1:
            book.paragraph("Chapter End Notes")
            book.paragraph(chap.end_notes, quote=True)
    book.heading("Afterword", HEAD, page=True)
    if work.end_notes:
        book.paragraph("End Notes")
        book.paragraph(work.end_notes, quote=True)
    book.paragraph("Please drop by the Archive and comment to let the creator know if you enjoyed their work!")
    book.output(path)


def book_pdf(title: str, chapters: list[tuple[str, list[str]]], path: Path, *, front: tuple[str, ...] = (),
             password: str | None = None) -> None:
    """A book set as a typesetter would: running header, page numbers, indented paragraphs, hyphenation."""
    book = PdfBook(title, indent=True)
    book.heading(title, TITLE)
    for p in front:
        book.paragraph(p)
    for heading, paragraphs in chapters:
        book.heading(heading, HEAD, page=bool(book.y > book.top + 200))
        for p in paragraphs:
            book.paragraph(p)
    book.output(path, password)


def scanned_pdf(path: Path) -> None:
    """A PDF of page images only (as a scanner makes): no text layer at all."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (300, 400), 255)
    ImageDraw.Draw(image).text((20, 20), "Chapter One", fill=0)
    import warnings

    from fpdf import FPDF

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pdf = FPDF(unit="pt", format=(420, 595))
    pdf.add_page()
    png = path.with_suffix(".png")
    image.save(png)
    pdf.image(str(png), x=0, y=0, w=pdf.w, h=pdf.h)
    png.unlink()
    pdf.output(str(path))
