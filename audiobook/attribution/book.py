"""The parser: a book file becomes chapters of narration and attributed dialogue (the one book reader)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ..cleantext import clean_block, clean_info, clean_line
from ..model import NARRATOR, Book, Chapter, ChapterLayout, Character, Override, OverrideIssue, Segment
from ..text.reader import Document, open_document
from ..text.sections import SKIPPABLE, reading
from .attribute import attribute, contradictions, survey
from .characters import Cast

_WORDS = re.compile(r"[\w']+")


def _opening(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def _starts(words: str, prefix: str) -> bool:
    return bool(prefix) and (words == prefix or words.startswith(prefix + " "))


def _holds(words: str, part: str) -> bool:
    """True if `part`'s words occur as a run in `words` (whole words only)."""
    return f" {part} " in f" {words} "


def chapter_matches(override: Override, title: str, number: int | None) -> bool:
    """Does an override's `chapter:` name this chapter (a number, or words of its title)?"""
    if override.chapter is None:
        return True
    if isinstance(override.chapter, int):
        return number == override.chapter
    want = _opening(override.chapter)
    return bool(want) and _holds(_opening(title), want)


def select_lines(segments: Sequence[Segment], override: Override, *, title: str = "",
                 number: int | None = None) -> list[int]:
    """Indices of the dialogue segments an override picks in one chapter (its `nth` applied)."""
    if not chapter_matches(override, title, number):
        return []
    prefix = _opening(override.line)
    context = _opening(override.context or "")
    paragraphs: dict[int, list[str]] = {}
    if context:
        for seg in segments:
            paragraphs.setdefault(seg.paragraph, []).append(_opening(seg.text))
    near = {p: [" ".join(paragraphs.get(q, [])) for q in (p - 1, p, p + 1)] for p in paragraphs}
    hits = [i for i, seg in enumerate(segments)
            if seg.kind == "dialogue" and _starts(_opening(seg.text), prefix)
            and (not context or any(_holds(text, context) for text in near[seg.paragraph]))]
    if override.nth is not None:
        return hits[override.nth - 1:override.nth]
    return hits


def override_lines(segments: Sequence[Segment], overrides: Sequence[Override], *, title: str = "",
                   number: int | None = None) -> tuple[tuple[Segment, ...], tuple[int, ...]]:
    """The segments with the overrides applied, and how many lines each override picked.

    Matching is on words only (case, quotes and punctuation ignored), so an override written from
    `audiobook script` output keeps working after re-renders; the first override that picks a line wins.
    """
    out = list(segments)
    taken: set[int] = set()
    hits = []
    for override in overrides:
        picked = select_lines(segments, override, title=title, number=number)
        hits.append(len(picked))
        for i in picked:
            if i not in taken:
                taken.add(i)
                out[i] = replace(out[i], speaker=override.speaker, confidence=1.0, reason="override")
    return tuple(out), tuple(hits)


def apply_overrides(segments: Sequence[Segment], overrides: Sequence[Override], *, title: str = "",
                    number: int | None = None) -> tuple[Segment, ...]:
    """Give each dialogue line an override picks the override's speaker (see override_lines)."""
    return override_lines(segments, overrides, title=title, number=number)[0]


def override_issues(overrides: Sequence[Override], hits: Iterable[Sequence[int]]) -> tuple[OverrideIssue, ...]:
    """The overrides that picked no line, or several, across all chapters (`hits`: each chapter's override_hits)."""
    totals = [0] * len(overrides)
    for chapter_hits in hits:
        for i, n in enumerate(chapter_hits[:len(totals)]):  # voices.yaml edited meanwhile: same entries first
            totals[i] += n
    return tuple(OverrideIssue(i, o, n) for i, (o, n) in enumerate(zip(overrides, totals)) if n != 1)


def describe_issue(issue: OverrideIssue) -> str:
    """What went wrong with an override, for the CLI to print after voices.yaml's file/line/key."""
    o = issue.override
    where = "".join(f", {k}: {v!r}" if isinstance(v, str) else f", {k}: {v}"
                    for k, v in (("nth", o.nth), ("chapter", o.chapter), ("context", o.context)) if v is not None)
    what = f"line {json.dumps(o.line, ensure_ascii=False)}{where}"
    if issue.matches == 0:
        return f"{what} matches no line: nothing was given to {o.speaker}"
    pick = "chapter: or context:" if o.nth is not None else f"nth: (1-{issue.matches}), chapter: or context:"
    return f"{what} matches {issue.matches} lines, all given to {o.speaker}: add {pick} to pick one"


def _count(characters: Sequence[Character], segments: Sequence[Segment]) -> tuple[Character, ...]:
    """Line and word counts per speaker after overrides (which may add or move lines)."""
    lines: dict[str, int] = {}
    words: dict[str, int] = {}
    for seg in segments:
        if seg.kind == "dialogue" and seg.speaker:
            lines[seg.speaker] = lines.get(seg.speaker, 0) + 1
            words[seg.speaker] = words.get(seg.speaker, 0) + len(seg.text.split())
    known = {c.name: c for c in characters}
    out = [replace(known.get(n, Character(n)), lines=lines[n], words=words[n]) for n in lines]
    return tuple(out)


def same_names(segments: Sequence[Segment], aliases: Mapping[str, str]) -> tuple[Segment, ...]:
    """Each speaker by their cast name: `aliases` maps a casefolded alias (voices.yaml `aliases:`) to it."""
    if not aliases:
        return tuple(segments)
    return tuple(replace(s, speaker=aliases.get(s.speaker.casefold(), s.speaker)) if s.speaker else s
                 for s in segments)


def not_characters(segments: Sequence[Segment], names: Sequence[str]) -> tuple[Segment, ...]:
    """Lines the parser still gives to a name the user said is no character: read by the narrator, to review."""
    folded = {n.casefold() for n in names}
    if not folded:
        return tuple(segments)
    return tuple(replace(s, speaker=NARRATOR, confidence=0.0, reason="not a character")
                 if s.speaker and s.speaker.casefold() in folded else s for s in segments)


def parse_chapter(doc: Document, layout: ChapterLayout, *, known: Sequence[Character] = (),
                  exclude: Sequence[str] = (), overrides: Sequence[Override] = (), position: int = 1,
                  aliases: Mapping[str, str] | None = None, phantoms: Sequence[str] = (),
                  book: Cast | None = None) -> Chapter:
    """Attribute one chapter of an open document (`position`: its 1-based place, the number when it has none;
    `book`: the whole book's cast, from `survey`).

    `phantoms`: names (also in `exclude`) the user said are no character; lines still given to them go to the
    narrator.
    """
    text = doc.read(layout)
    segments, characters = attribute(text, layout.paragraphs, offset=layout.start, known=known, exclude=exclude,
                                     book=book)
    segments = not_characters(segments, phantoms)
    characters = tuple(c for c in characters if c.name.casefold() not in {p.casefold() for p in phantoms})
    number = layout.number if layout.number is not None else position
    segments, hits = override_lines(segments, overrides, title=layout.title, number=number)
    segments = same_names(segments, aliases or {})
    # A user's override may knowingly disagree with a tag; everything else that does is reported.
    bad = tuple(s for s in contradictions(text, segments, offset=layout.start) if s.reason != "override")
    return Chapter(
        title=clean_line(layout.title) or "",
        segments=segments,
        characters=_count(characters, segments),
        number=layout.number,
        start=layout.start,
        end=layout.end,
        skipped=layout.skipped,
        contradictions=bad,
        override_hits=hits,
        summary=clean_block(layout.summary),
    )


def iter_chapters(doc: Document, *, author: str | None = None, overrides: Sequence[Override] = (),
                  aliases: Mapping[str, str] | None = None, exclude: Sequence[str] = ()) -> Iterator[Chapter]:
    """Chapters of a document one at a time (memory holds one chapter), sharing one cast of the whole book.

    `exclude`: names that are not characters (voices.yaml `not_characters:`), besides the author.
    """
    names = [a for a in (author, doc.layout.author, *exclude) if a]
    # a first read of every chapter finds the book's people, so each keeps one name in every chapter
    book = survey(lambda: ((doc.read(layout), layout.paragraphs, layout.start) for layout in doc.layout.chapters),
                  names)
    for position, layout in enumerate(doc.layout.chapters, start=1):
        chapter = parse_chapter(doc, layout, exclude=names, overrides=overrides, position=position, book=book,
                                aliases=aliases, phantoms=exclude)
        book.remember(chapter.characters)
        if position == 1 and doc.layout.warnings:
            chapter = replace(chapter, warnings=doc.layout.warnings)  # the file's warnings, said once
        yield chapter


def read_book(path: Path, skip: Sequence[str] = SKIPPABLE, *, include_front_matter: bool = False,
              author: str | None = None, overrides: Sequence[Override] = (), aliases: Mapping[str, str] | None = None,
              exclude: Sequence[str] = ()) -> Book:
    """Parse one input file into a Book, reading aloud the sections `skip` does not name.

    All are read with include_front_matter; overrides, aliases and exclude are voices.yaml's corrections.
    """
    doc = open_document(path, read=reading(skip, include_front_matter=include_front_matter))
    chapters = tuple(iter_chapters(doc, author=author, overrides=overrides, aliases=aliases, exclude=exclude))
    # Book metadata enters here, from the file or the command line: cleaned once for tags, feed and file names.
    return Book(chapters=chapters, title=clean_line(doc.layout.title),
                author=clean_line(author) or clean_line(doc.layout.author),
                summary=clean_block(doc.layout.summary), source=path, front=doc.layout.front,
                override_issues=override_issues(overrides, (c.override_hits for c in chapters)),
                info=clean_info(doc.layout.info))


def stream_book(path: Path, skip: Sequence[str] = SKIPPABLE, *, include_front_matter: bool = False,
                author: str | None = None, overrides: Sequence[Override] = (),
                aliases: Mapping[str, str] | None = None, exclude: Sequence[str] = ()) -> Iterator[Chapter]:
    """`read_book`'s chapters one at a time: memory holds the file's outline and one chapter."""
    doc = open_document(path, read=reading(skip, include_front_matter=include_front_matter))
    yield from iter_chapters(doc, author=author, overrides=overrides, aliases=aliases, exclude=exclude)


__all__ = ["read_book", "stream_book", "iter_chapters", "parse_chapter", "apply_overrides", "override_lines",
           "select_lines", "override_issues", "describe_issue", "chapter_matches", "same_names",
           "not_characters"]
