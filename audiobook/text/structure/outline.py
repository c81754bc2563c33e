"""Find the structure of a decoded text: title, author, summary, chapters, paragraphs, scene breaks.

Everything works on offsets into the text it is given (already newline-normalised by the reader).
The approach is line based and single pass over lines:

1. lines are grouped into *units* (candidate paragraphs, `lexer`);
2. units are classified (chapter heading `headings`, scene break, labelled front matter `front`, story text);
3. headings with no text behind them (a table of contents) are folded away, and the units are
   assembled into chapters, skipped sections and front matter (here).

Every non-blank character of the text ends up in exactly one of: a chapter's paragraphs, a chapter's
heading, a chapter's skipped sections, `Layout.front`, or a scene-break line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from audiobook.model import ChapterLayout, Layout, Paragraph, Section

from .front import chapter_body, has_text, leading_front, section_of
from .headings import Heading, find_headings, numbered_headings
from .lexer import Shape, TextSource, Unit, shape_of, units_of
from .lines import CONTENTS, GUTENBERG_END, GUTENBERG_FIELD, GUTENBERG_START

#: Front sections that are metadata the pipeline announces itself, never read as paragraphs.
NEVER_READ = frozenset({"title", "byline"})

#: Which skipped sections are read aloud after all: (section, inside a chapter) -> read it.
SectionFilter = Callable[[Section, bool], bool]


def read_everything(section: Section, inside_chapter: bool) -> bool:
    """The --include-front-matter filter: every section is read, but the title and byline outside chapters."""
    return inside_chapter or section.label not in NEVER_READ


@dataclass(frozen=True)
class ChapterPlan:
    """A chapter as the whole-book pass places it; its paragraphs are found when it is laid out.

    `body` is the [start, end) span of the chapter's own text (after the heading), lexed again when
    the chapter is laid out; `folded` the empty headings inside it (boundaries, skipped); `moved` the
    paragraphs of front or back matter read aloud in this chapter.
    """

    title: str
    start: int
    end: int
    number: int | None = None
    heading: Paragraph | None = None
    body: tuple[int, int] | None = None
    folded: tuple[Section, ...] = ()
    moved: tuple[Paragraph, ...] = ()


@dataclass(frozen=True)
class Outline:
    """The whole-book structure without any chapter's paragraphs: what must be known before reading one."""

    shape: Shape
    chapters: tuple[ChapterPlan, ...]
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    front: tuple[Section, ...] = ()
    read: SectionFilter | None = None
    hinted: frozenset[int] = frozenset()


def layout(
    text: str,
    *,
    include_front_matter: bool = False,
    read: SectionFilter | None = None,
    default_title: str | None = None,
    heading_spans: Sequence[tuple[int, int]] = (),
) -> Layout:
    """The structure of a decoded, newline-normalised text: metadata, chapters, paragraphs, skips.

    `default_title` names the one chapter of a text with neither heading nor story title (else
    "Chapter 1"); `heading_spans` are [start, end) spans known to be headings (HTML <h1>-<h3>);
    `read` says which skipped sections are read after all (`read_everything` with include_front_matter).
    """
    hinted = frozenset(s for s, _ in heading_spans)
    lines = text.split("\n")
    shape = shape_of(lines)
    del lines
    units = units_of(text, hinted, shape)
    book = outline(text, units, shape, read=read_everything if include_front_matter else read,
                   default_title=default_title, hinted=hinted)
    chapters = tuple(
        lay_out_chapter(book, plan, text[plan.body[0]:plan.body[1]] if plan.body else "") for plan in book.chapters
    )
    return Layout(chapters=chapters, title=book.title, author=book.author, summary=book.summary, front=book.front)


def outline(
    text: TextSource,
    units: Sequence[Unit],
    shape: Shape,
    *,
    read: SectionFilter | None = None,
    default_title: str | None = None,
    hinted: frozenset[int] = frozenset(),
) -> Outline:
    """Steps 2 and 3 of the module doc over the text's units: metadata, front matter, chapter plans.

    `text` need only answer slices (and `count`) for the units it is asked about: units marked
    `plain` are never looked at in the passes over every unit.
    """
    pg = _gutenberg(text, units)
    lo, hi = pg.lo, pg.hi
    front_sections = list(pg.front)

    headings = find_headings(text, units, lo, hi, hinted)
    if not any(h.kind != "hint" for h in headings):
        numbered = numbered_headings(text, units, lo, hi)
        # a line both marked a heading and numbered ("<h2>2.</h2>") is one heading: the numbered one
        lines = {h.first for h in numbered}
        headings = sorted([h for h in headings if h.first not in lines] + numbered, key=lambda h: h.first)
    merged, contents, title_units = _fold(headings, units, hi)

    first_heading_unit = _first_unit(merged[0]) if merged else hi
    # no chapters: no contents line to look for (but folded headings still start a table of contents)
    toc_lo = _contents_start(text, units, lo, first_heading_unit if merged else lo, first_heading_unit, contents)
    front_hi = toc_lo if toc_lo is not None else first_heading_unit

    lead = leading_front(text, units, lo, front_hi, heading_after=bool(merged) or toc_lo is not None,
                         title_units=title_units)
    title = pg.title or lead.title
    author = pg.author or lead.author
    front_sections.extend(lead.sections)

    chapters: list[ChapterPlan] = []
    fallback = title or default_title or "Chapter 1"
    story_lo = lead.story_from
    if toc_lo is not None:
        if has_text(units, story_lo, toc_lo):
            front_sections.append(section_of("front matter", units, story_lo, toc_lo))
        front_sections.append(section_of("contents", units, toc_lo, first_heading_unit))
        story_lo = first_heading_unit
    elif pg.found and merged and has_text(units, story_lo, first_heading_unit):
        # Before the first chapter of a Gutenberg book: credits, dedication, epigraph.
        front_sections.append(section_of("front matter", units, story_lo, first_heading_unit))
        story_lo = first_heading_unit

    if has_text(units, story_lo, first_heading_unit):
        # Story text before any heading (or a text with no heading at all).
        first, end = units[story_lo], units[first_heading_unit - 1].end
        chapters.append(ChapterPlan(title="Prologue" if merged else fallback, start=first.start, end=end,
                                    number=None if merged else 1, body=(first.start - first.lead, end)))
    folded_after = [c for c in contents if c.first >= first_heading_unit]
    chapters.extend(_heading_chapters(units, merged, folded_after, hi))

    front_sections.extend(pg.back)
    if read is not None:
        chapters, front_sections = _read_sections(chapters, front_sections, read)
    return Outline(shape=shape, chapters=tuple(chapters), title=title, author=author, summary=lead.summary,
                   front=tuple(sorted(front_sections, key=lambda s: s.start)), read=read, hinted=hinted)


@dataclass(frozen=True)
class _Gutenberg:
    """Where a Project Gutenberg header and licence leave the book: units[lo:hi], and what they say."""

    lo: int
    hi: int
    found: bool = False
    title: str | None = None
    author: str | None = None
    front: tuple[Section, ...] = ()
    back: tuple[Section, ...] = ()


def _gutenberg(text: TextSource, units: Sequence[Unit]) -> _Gutenberg:
    """The Project Gutenberg header (with its Title: and Author: fields) and licence, if any."""
    lo, hi = 0, len(units)
    title: str | None = None
    author: str | None = None
    front: tuple[Section, ...] = ()
    back: tuple[Section, ...] = ()
    for k, u in enumerate(units):
        if not u.scene and not u.plain and GUTENBERG_START.match(text[u.start:min(u.end, u.start + 100)]):
            header = text[units[0].start:u.end]
            for fm in GUTENBERG_FIELD.finditer(header):
                if fm.group("key") == "Title" and title is None:
                    title = fm.group("value")
                elif fm.group("key") == "Author" and author is None:
                    author = fm.group("value")
            front = (section_of("gutenberg", units, 0, k + 1),)
            lo = k + 1
            break
    for k in range(lo, len(units)):
        u = units[k]
        if not u.scene and not u.plain and GUTENBERG_END.match(text[u.start:min(u.end, u.start + 100)]):
            back = (section_of("gutenberg", units, k, len(units)),)
            hi = k
            break
    return _Gutenberg(lo, hi, bool(front or back), title, author, front, back)


#: A kept heading and the empty PART heading merged into it, if any.
_Merged = tuple[Heading, Heading | None]


def _first_unit(merged: _Merged) -> int:
    """The first unit of a chapter heading (its PART heading's, when one was merged into it)."""
    h, part = merged
    return part.first if part else h.first


def _fold(headings: list[Heading], units: Sequence[Unit], hi: int) -> tuple[list[_Merged], list[Heading], set[int]]:
    """(kept headings with their merged PART headings, folded headings, units known to be the story's title).

    Headings that have no text before the next heading (a table of contents) are folded away, and an
    empty PART heading standing right before a chapter heading becomes part of its title.
    """
    kept: list[Heading] = []
    contents: list[Heading] = []
    title_units: set[int] = set()
    for n, h in enumerate(headings):
        nxt = headings[n + 1].first if n + 1 < len(headings) else hi
        if has_text(units, h.last + 1, nxt):
            kept.append(h)
        elif h.kind == "hint" and not kept and n + 1 < len(headings):
            # An <h1> above the first chapter heading of a page: the story title, if the front
            # matter reaches it (it is an ordinary unit again otherwise).
            title_units.add(h.first)
        else:
            contents.append(h)
    empty_part_before = {c.last + 1: c for c in contents if c.kind == "part"}
    part_of = {h.first: empty_part_before[h.first] for h in kept
               if h.kind != "part" and h.first in empty_part_before}
    merged_parts = {p.first for p in part_of.values()}
    contents = [c for c in contents if c.first not in merged_parts]
    return [(h, part_of.get(h.first)) for h in kept], contents, title_units


def _contents_start(text: TextSource, units: Sequence[Unit], lo: int, scan_hi: int, first_heading: int,
                    folded: list[Heading]) -> int | None:
    """Where a table of contents starts: a "Contents" line in units[lo:scan_hi], else the first folded heading
    before the first chapter heading."""
    for k in range(lo, scan_hi):
        u = units[k]
        if not u.scene and not u.plain and CONTENTS.match(text[u.start:u.end]):
            return k
    before = [c for c in folded if c.first < first_heading]
    return before[0].first if before else None


def _heading_chapters(units: Sequence[Unit], merged: list[_Merged], folded: list[Heading],
                      hi: int) -> list[ChapterPlan]:
    """One chapter plan per kept heading, its body running to the next heading (or units[hi])."""
    chapters = []
    for n, (h, part) in enumerate(merged):
        body_lo = h.last + 1
        body_hi = _first_unit(merged[n + 1]) if n + 1 < len(merged) else hi
        ttl = f"{part.title}, {h.title}" if part else h.title
        # A folded (empty) heading inside a chapter is a boundary like a scene break: no paragraph or
        # note runs over it, and it is kept as a skipped section of its own.
        inner = tuple(section_of("empty heading", units, c.first, c.last + 1)
                      for c in folded if body_lo <= c.first < body_hi)
        heading = Paragraph(units[_first_unit((h, part))].start, units[h.last].end)
        first = units[body_lo]
        body = (first.start - first.lead, units[body_hi - 1].end) if body_hi > body_lo else None
        chapters.append(ChapterPlan(title=ttl, start=heading.start, end=body[1] if body else heading.end,
                                    number=h.number, heading=heading, body=body, folded=inner))
    return chapters


def _read_sections(
    chapters: list[ChapterPlan], front: list[Section], read: SectionFilter
) -> tuple[list[ChapterPlan], list[Section]]:
    """The chapter plans with the front/back sections `read` accepts moved into them, and the sections kept."""
    if not chapters:
        keep = [s for s in front if not read(s, False)]
        paras = tuple(p for s in front if read(s, False) for p in s.paragraphs)
        if not paras:
            return chapters, front
        return [ChapterPlan("Chapter 1", paras[0].start, paras[-1].end, number=1, moved=paras)], keep
    moved, keep = give_sections(front, [plan.start for plan in chapters], read)
    out = []
    for plan, extra in zip(chapters, moved):
        if extra:
            plan = replace(plan, start=min([plan.start] + [p.start for p in extra]),
                           end=max([plan.end] + [p.end for p in extra]), moved=extra)
        out.append(plan)
    return out, keep


def give_sections(front: Sequence[Section], starts: Sequence[int],
                  read: SectionFilter) -> tuple[list[tuple[Paragraph, ...]], list[Section]]:
    """(paragraphs moved into each chapter, sections kept): each front/back section `read` accepts goes to
    the chapter it stands in or after (the first chapter for leading matter); `starts` are the chapters'."""
    moved: list[list[Paragraph]] = [[] for _ in starts]
    keep: list[Section] = []
    for s in front:
        if not read(s, False):
            keep.append(s)
            continue
        nearest = 0
        for k, start in enumerate(starts):
            if start <= s.start:
                nearest = k
        moved[nearest].extend(s.paragraphs)
    return [tuple(m) for m in moved], keep


def read_inside(paras: tuple[Paragraph, ...], skipped: tuple[Section, ...], read: SectionFilter | None,
                moved: tuple[Paragraph, ...] = ()) -> tuple[tuple[Paragraph, ...], tuple[Section, ...]]:
    """A chapter's paragraphs and skipped sections once the sections `read` accepts (and the paragraphs
    `moved` in from front matter) are read aloud in their place."""
    if read is None:
        return paras, skipped
    extra = [p for s in skipped if read(s, True) for p in s.paragraphs] + list(moved)
    if extra:
        paras = tuple(sorted(paras + tuple(extra), key=lambda p: p.start))
    return paras, tuple(s for s in skipped if not read(s, True))


def lay_out_chapter(book: Outline, plan: ChapterPlan, body_text: str) -> ChapterLayout:
    """The chapter's paragraphs, scenes and skipped notes, from the text of `plan.body` (lexed again).

    `plan.body` starts at the start of a line, so the first line's indentation is lexed as before.
    """
    paras: tuple[Paragraph, ...] = ()
    skipped: tuple[Section, ...] = ()
    if plan.body is not None:
        b0, b1 = plan.body
        if len(body_text) != b1 - b0:
            raise ValueError(f"chapter body is {len(body_text)} characters, the plan says {b1 - b0}")
        hinted = frozenset(h - b0 for h in book.hinted if b0 <= h < b1)
        folded = [(s.start - b0, s.end - b0) for s in plan.folded]
        units = [
            Unit(u.start, u.end, scene=True, lead=u.lead) if any(f0 <= u.start < f1 for f0, f1 in folded) else u
            for u in units_of(body_text, hinted, book.shape)
        ]
        paras, skipped = chapter_body(body_text, units, 0, len(units))
        if b0:
            paras = tuple(Paragraph(p.start + b0, p.end + b0, p.scene) for p in paras)
            skipped = tuple(_shifted(s, b0) for s in skipped)
    if plan.folded:
        skipped = tuple(sorted(skipped + plan.folded, key=lambda s: s.start))
    paras, skipped = read_inside(paras, skipped, book.read, plan.moved)
    return ChapterLayout(title=plan.title, start=plan.start, end=plan.end, paragraphs=paras,
                         number=plan.number, heading=plan.heading, skipped=skipped)


def _shifted(s: Section, by: int) -> Section:
    return Section(s.label, s.start + by, s.end + by, tuple(Paragraph(p.start + by, p.end + by, p.scene)
                                                             for p in s.paragraphs))


def lay_out_pieces(
    text: str,
    bodies: Sequence[tuple[int, int]],
    *,
    title: str,
    number: int | None = None,
    heading: Paragraph | None = None,
    read: SectionFilter | None = None,
    moved: tuple[Paragraph, ...] = (),
    notes: tuple[Section, ...] = (),
    summary: str | None = None,
) -> ChapterLayout:
    """Lay out one chapter whose story text is the `bodies` spans of `text` (each lexed on its own, in order)."""
    paras: tuple[Paragraph, ...] = ()
    skipped = notes
    scene = 0
    for start, end in bodies:
        units = [Unit(u.start + start, u.end + start, u.scene) for u in units_of(text[start:end])]
        more, found = chapter_body(text, units, 0, len(units))
        if paras and more:
            scene = paras[-1].scene + 1  # a body interrupted by notes goes on as a new scene
        paras += tuple(replace(p, scene=p.scene + scene) for p in more)
        skipped += found
    skipped = tuple(sorted(skipped, key=lambda sec: sec.start))
    paras, skipped = read_inside(paras, skipped, read, moved)
    spans = [(p.start, p.end) for p in moved] + [(sec.start, sec.end) for sec in notes] + list(bodies)
    if heading:
        spans.append((heading.start, heading.end))
    spans = spans or [(0, 0)]
    return ChapterLayout(
        title=title, start=min(a for a, _ in spans), end=max(b for _, b in spans),
        paragraphs=paras, number=number, heading=heading, skipped=skipped, summary=summary,
    )
