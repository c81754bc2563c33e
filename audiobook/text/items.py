"""A page as a flat run of items (headings, text, quotes, tag lists), what a layout-aware reader walks.

The DOM is flattened without recursion: containers (div, section, body...) are opened, and each element
that holds text directly (a paragraph, a heading, a blockquote, a list of tags...) becomes one item with
its text as blocks (see `html.extract_blocks`). A PDF's paragraphs become items the same way (`pdf`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bs4.element import NavigableString, PageElement, Tag

from .html import DROP_TAGS, extract_blocks

_CONTAINERS = frozenset({"html", "body", "div", "section", "article", "main", "center", "span", "font"})
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dl", "ul", "ol", "table", "pre",
                     "hr", "section", "article", "center", "figure", "li", "dt", "dd", "tr", "main"})


@dataclass
class Item:
    """One piece of a page in reading order."""

    kind: str  # "heading", "text", "quote", "tags", "doc" (a new document of an EPUB begins)
    blocks: list[str] = field(default_factory=list)
    level: int = 0  # 1-6 for a heading
    classes: frozenset[str] = frozenset()
    region: str = ""  # id of the nearest enclosing element among `regions` ("preface", "chapters"...)
    pairs: list[tuple[str, list[str]]] = field(default_factory=list)  # a tag list's (label, values)
    links: list[str] = field(default_factory=list)  # texts of the links in it (names in a byline)
    hrefs: list[str] = field(default_factory=list)  # the addresses of its links

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.blocks).split())


def _classes(tag: Tag) -> frozenset[str]:
    value = tag.get("class")
    return frozenset(value if isinstance(value, list) else str(value or "").split())


def _is_container(tag: Tag) -> bool:
    """A tag opened to walk its children, rather than taken whole: one that holds block elements.

    (Any tag may: FanFicFare wraps each chapter heading in a link, <a name="section0001"><h2>...</h2></a>.)
    """
    return (tag.name in _CONTAINERS or tag.name not in _BLOCKS) and any(
        isinstance(c, Tag) and c.name in _BLOCKS for c in tag.children)


def _pairs(dl: Tag) -> list[tuple[str, list[str]]]:
    """(label, values) of a definition list: each <dt> with the links (or comma-separated text) of its <dd>."""
    pairs: list[tuple[str, list[str]]] = []
    for dt in dl.find_all("dt"):
        dd = dt.find_next_sibling("dd")
        if not isinstance(dd, Tag):
            continue
        links = [a.get_text(" ", strip=True) for a in dd.find_all("a")]
        values = links or [v.strip() for v in dd.get_text(" ", strip=True).split(", ") if v.strip()]
        if dt.get_text(strip=True).rstrip(":").strip().lower() == "stats":
            values = [" ".join(dd.get_text(" ", strip=True).split())]
        pairs.append((dt.get_text(" ", strip=True), values))
    return pairs


def _item(tag: Tag, region: str) -> Item | None:
    name = tag.name
    if name == "hr":
        return Item("text", ["* * *"], region=region)
    blocks = [b for b in extract_blocks(tag).text.split("\n\n") if b.strip()]
    if not blocks:
        return None
    kind = "text"
    level = 0
    if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        kind, level = "heading", int(name[1])
    elif name == "blockquote":
        kind = "quote"
    elif name == "dl":
        kind = "tags"
    anchors = [a for a in tag.find_all("a") if isinstance(a, Tag)]
    links = [a.get_text(" ", strip=True) for a in anchors]
    hrefs = [str(a.get("href")) for a in anchors if isinstance(a.get("href"), str)]
    return Item(kind, blocks, level, _classes(tag), region, _pairs(tag) if name == "dl" else [], links, hrefs)


def dom_items(root: Tag, regions: frozenset[str] = frozenset()) -> list[Item]:
    """The page under `root` as items in reading order; `regions` are ids whose content items are marked with."""
    out: list[Item] = []
    loose: list[str] = []  # text standing directly in a container, between its block children
    stack: list[tuple[Iterator[PageElement], str]] = [(iter(root.children), "")]

    def flush(region: str) -> None:
        text = " ".join("".join(loose).split())
        if text:
            out.append(Item("text", [text], region=region))
        loose.clear()

    while stack:
        children, region = stack[-1]
        child = next(children, None)
        if child is None:
            flush(region)
            stack.pop()
            continue
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a comment, doctype or processing instruction
                loose.append(str(child))
            continue
        if not isinstance(child, Tag) or child.name in DROP_TAGS or "landmark" in _classes(child):
            continue
        if child.name == "br":
            loose.append(" ")
            continue
        container = _is_container(child)
        if child.name not in _BLOCKS and not container:
            loose.append(child.get_text())  # inline: part of the text around it
            continue
        flush(region)
        ident = child.get("id")
        inner = str(ident) if isinstance(ident, str) and ident in regions else region
        if container:
            stack.append((iter(child.children), inner))
        else:
            item = _item(child, inner)
            if item is not None:
                out.append(item)
    return out
