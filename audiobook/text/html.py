"""HTML: the story text of a page (a saved fan-fiction page, a download, any page) as blocks of text.

The extracted text is the story's blocks separated by blank lines, ``<br>`` as a newline and ``<hr>`` as a
``* * *`` scene-break line; offsets index that text. The tree is walked without recursion, so a page of
thousands of unclosed or nested tags is read like any other.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from bs4.element import Comment, Doctype, NavigableString, PageElement, ProcessingInstruction, Tag

from audiobook.errors import InputError
from audiobook.model import Layout, WorkInfo

from .decode import BINARY_BYTE, binary_byte, detect, display_name
from .document import Document
from .structure import SectionFilter, layout

DROP_TAGS = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript", "iframe", "button",
              "select", "svg", "head")
_STORY_SELECTORS = ("#storytext", "#chapters", ".userstuff", ".storytext", "#story", ".chapter-content",
                    ".entry-content", "article", "main")
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "section",
               "article", "tr", "dd", "dt", "figcaption", "center", "body", "main", "ul", "ol", "table"}
_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SKIPPED_NODES = (Comment, Doctype, ProcessingInstruction)


@dataclass
class Extracted:
    """Text extracted from HTML: blocks joined by blank lines, and where the heading blocks stand."""

    text: str
    headings: list[tuple[int, int]]  # [start, end) of each h1-h3 block, in order


def soup_of(markup: bytes | str) -> BeautifulSoup:
    """The parsed page (lxml, else the standard library's parser)."""
    with warnings.catch_warnings():
        # EPUB documents are XHTML: parsed as HTML on purpose (they are read as pages, and often are not valid XML).
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        try:
            return BeautifulSoup(markup, "lxml")
        except Exception:  # lxml missing or unhappy: the stdlib parser always works
            return BeautifulSoup(markup, "html.parser")


class _Blocks:
    """Blocks of text as the walk finds them: (text, is an h1-h3 heading)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, bool]] = []
        self.cur: list[str] = []

    def flush(self, heading: bool = False) -> None:
        # Text separated by <br><br> (an empty line) is separate paragraphs, as on old fan-fiction pages.
        for part in re.split(r"\n[ \t\r\f\v\xa0]*\n", "".join(self.cur)):
            lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", ln).strip() for ln in part.split("\n")]
            s = "\n".join(ln for ln in lines if ln)
            if s:
                self.blocks.append((s, heading))
        self.cur.clear()

    def joined(self) -> Extracted:
        parts: list[str] = []
        headings: list[tuple[int, int]] = []
        pos = 0
        for s, heading in self.blocks:
            if parts:
                parts.append("\n\n")
                pos += 2
            if heading:
                headings.append((pos, pos + len(s)))
            parts.append(s)
            pos += len(s)
        return Extracted("".join(parts), headings)


def extract_blocks(root: Tag) -> Extracted:
    """Walk the tree: each block element becomes a paragraph, <br> a newline, <hr> a scene break."""
    out = _Blocks()
    # Each open element: its remaining children, and what closing it does (None: nothing; else flush,
    # True for an h1-h3 heading).
    stack: list[tuple[Iterator[PageElement], bool | None]] = [(iter(root.children), None)]
    while stack:
        children, on_close = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if on_close is not None:
                out.flush(heading=on_close)
            continue
        if isinstance(child, _SKIPPED_NODES):
            continue
        if isinstance(child, NavigableString):
            out.cur.append(re.sub(r"\s+", " ", str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower() if child.name else ""
        if name in DROP_TAGS:
            continue
        if name == "br":
            out.cur.append("\n")
        elif name in ("td", "th"):
            out.cur.append(" ")  # cells of a row are words apart
            stack.append((iter(child.children), None))
        elif name == "hr":
            out.flush()
            out.blocks.append(("* * *", False))
        elif name in _HEADING_TAGS or name in _BLOCK_TAGS:
            out.flush()
            stack.append((iter(child.children), name in ("h1", "h2", "h3")))
        else:
            stack.append((iter(child.children), None))
    out.flush()
    return out.joined()


def _story_root(soup: BeautifulSoup) -> Tag:
    """The element holding the story on a saved fan-fiction page (or the body)."""
    for sel in _STORY_SELECTORS:
        found = soup.select(sel)
        if found:
            best = max(found, key=lambda t: len(t.get_text()))
            # fanfiction.net's story container holds the chapter whatever its length; other names may be a
            # box of something else, so only a long text counts.
            if len(best.get_text(strip=True)) > (0 if sel == "#storytext" else 200):
                return best
    body: Tag = soup.body or soup
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


def _html_title(soup: BeautifulSoup) -> str | None:
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


def _html_author(soup: BeautifulSoup) -> str | None:
    """The author of a saved page: <meta name=author>, a rel=author link, or a profile link."""
    meta = soup.find("meta", attrs={"name": "author"})
    if isinstance(meta, Tag):
        content = meta.get("content")
        if isinstance(content, str) and content.strip():
            return content.strip()
    for sel in ("a[rel~=author]", "#profile_top a[href*='/u/']"):
        found = soup.select_one(sel)
        if found and found.get_text(strip=True):
            return found.get_text(" ", strip=True)
    return None


def open_html(path: Path, data: bytes, read: SectionFilter | None) -> Document:
    """A saved page: the story container's text laid out, with the page's title and author."""
    name = display_name(path)
    if detect(data) == ("utf-8", 0):  # no BOM or UTF-16 to decode first: the bytes must be text
        b = BINARY_BYTE.search(data)
        if b:
            raise binary_byte(name, b.group()[0], b.start())
    soup = soup_of(data)
    special = _known_layout(soup, path, read)
    if special is not None:
        return special
    title = _html_title(soup)
    author = _html_author(soup)
    story = _story_root(soup)
    # Screen-reader landmarks ("Chapter Text" on AO3) are not part of the story.
    for tag in story.find_all(DROP_TAGS) + story.select(".landmark"):
        tag.decompose()
    ex = extract_blocks(story)
    if not ex.text.strip():
        raise InputError(f"{name}: no story text in the page")
    lay = layout(ex.text, read=read, default_title=title or path.stem, heading_spans=ex.headings)
    if lay.title is None and title:
        lay = dataclasses.replace(lay, title=title)
    if lay.author is None and author:
        lay = dataclasses.replace(lay, author=author)
    return Document(path, _with_site_info(soup, lay), text=ex.text)


#: fanfiction.net's genres (a "Rated:" line's third part is genres when every one of them is one of these).
FFNET_GENRES = frozenset("Adventure Angst Crime Drama Family Fantasy Friendship General Horror Humor Hurt/Comfort "
                         "Mystery Parody Poetry Romance Sci-Fi Spiritual Supernatural Suspense Tragedy Western".split())


def _ffnet_info(profile: Tag, soup: BeautifulSoup, author: str | None) -> WorkInfo:
    """A saved fanfiction.net page's work info: its "Rated: ... - id: N" line and its fandom links."""
    gray = profile.select_one("span.xgray")
    parts = [p.strip() for p in re.split(r"\s+-\s+", " ".join(gray.get_text(" ").split()) if gray else "")]
    fields: dict[str, str] = {}
    rest: list[str] = []
    for n, part in enumerate(parts):
        key, sep, value = part.partition(":")
        if sep and key.strip() in ("Rated", "Chapters", "Words", "Updated", "Published", "Status"):
            fields[key.strip()] = value.strip()
        elif n == 1:
            fields["Language"] = part
        elif n == 2 and all(g in FFNET_GENRES for g in part.split("/")):
            fields["Genre"] = part
        elif not sep:
            rest.append(part)
    people = " - ".join(rest)
    ships = tuple(m.replace(", ", "/") for m in re.findall(r"\[([^\]]+)\]", people))
    links = [a.get_text(" ", strip=True) for a in soup.select("#pre_story_links a.xcontrast_txt")]
    fandoms = links[1:2] if len(links) > 1 else [f for x in links[:1] for f in x.replace(" Crossover", "").split(" + ")]
    return WorkInfo(
        authors=(author,) if author else (), fandoms=tuple(fandoms), relationships=ships,
        characters=tuple(c.strip() for c in people.replace("[", "").replace("]", ",").split(",") if c.strip()),
        rating=re.sub(r"^Fiction\s+", "", fields.get("Rated", "")) or None,
        tags=tuple(fields["Genre"].split("/")) if "Genre" in fields else (), language=fields.get("Language"),
        status={"Complete": "Completed"}.get(fields.get("Status", ""), "In-Progress"),
        published=fields.get("Published"), updated=fields.get("Updated"),
        words=int(fields["Words"].replace(",", "")) if fields.get("Words", "").replace(",", "").isdigit() else None,
        chapters=fields.get("Chapters"), site="FanFiction.net")


def _with_site_info(soup: BeautifulSoup, lay: Layout) -> Layout:
    """The layout of a saved fanfiction.net chapter page with its work info, summary and chapter title."""
    profile = soup.select_one("#profile_top")
    if profile is None:
        return lay
    summary = profile.select_one("div.xcontrast_txt")
    lay = dataclasses.replace(lay, info=_ffnet_info(profile, soup, lay.author),
                              summary=lay.summary or (summary.get_text(" ", strip=True) if summary else None))
    chosen = soup.select_one("select#chap_select option[selected]")
    m = re.match(r"^\s*(\d+)\.\s*(.*)$", chosen.get_text(" ", strip=True)) if chosen else None
    if m and len(lay.chapters) == 1 and lay.chapters[0].heading is None:
        title = f"Chapter {m.group(1)}: {m.group(2)}" if m.group(2) else f"Chapter {m.group(1)}"
        lay = dataclasses.replace(lay, chapters=(dataclasses.replace(lay.chapters[0], title=title,
                                                                     number=int(m.group(1))),))
    return lay


def _known_layout(soup: BeautifulSoup, path: Path, read: SectionFilter | None) -> Document | None:
    """The document of a download whose layout is known (AO3, FanFicFare), else None."""
    from . import ao3, fanficfare
    from .items import dom_items

    head = soup.find(id="preface") or soup.body or soup
    if ao3.POSTED in " ".join(head.get_text(" ")[:50_000].split()):
        items = dom_items(soup.body or soup, ao3.REGIONS)
        if ao3.looks_like_ao3(items):
            return ao3.read_ao3(items, path, read, title=_html_title(soup))
    h1 = soup.find("h1")
    if isinstance(h1, Tag) and " by " in h1.get_text(" "):
        items = dom_items(soup.body or soup)
        if fanficfare.looks_like_fff_html(items):
            return fanficfare.read_fff_html(items, path, read)
    return None
