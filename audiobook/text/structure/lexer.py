"""Lines into units (candidate paragraphs), given how the text is written (its `Shape`).

Lines are grouped into units: blank lines and scene-break lines separate units; inside a block of non-blank
lines a line break is a paragraph break when the text is written one paragraph per line, or an indented line
follows a less indented one (see `Shape`). A unit never spans a boundary, so lexing any span of units again
gives the same units (a chapter is lexed again on its own when it is laid out).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from .lines import (
    BARE_HEADING,
    BYLINE,
    CONTENTS,
    GUTENBERG_END,
    GUTENBERG_START,
    LABEL,
    heading_match,
    indent,
    is_scene_break,
    title_like,
)

# Characters a line may end with when the line break after it ends a paragraph.
_TERMINAL = ".!?\"”’'…:)]*_"


@dataclass(frozen=True, slots=True)
class Unit:
    """A candidate paragraph: [start, end) trimmed of surrounding whitespace."""

    start: int
    end: int
    scene: bool = False  # a scene-break line
    # Known to match none of the patterns the whole-book pass looks for (heading, bare number, Gutenberg
    # marker, "Contents"): set by a streaming scan, which then need not keep the unit's text.
    plain: bool = False
    lead: int = 0  # characters of indentation before `start` on its line (the line starts at start - lead)


def _fits(prev: str, line: str, width: int) -> bool:
    """Whether the first word of `line` would have fitted on `prev` when wrapping at `width`."""
    p = prev.rstrip()
    first_word = line.split(None, 1)[0] if line.strip() else ""
    # A wrapping editor fills lines greedily: if the next word would have fitted, the break is
    # deliberate. The margin absorbs the width estimate being a little short of the true one.
    return len(p) + 1 + len(first_word) <= width - max(3, width // 15)


class TextSource(Protocol):
    """What `outline` reads text through: a str, or a streamed file's view that reads spans back on demand."""

    def __getitem__(self, span: slice, /) -> str: ...

    def count(self, sub: str, start: int, end: int, /) -> int: ...


@dataclass(frozen=True)
class Shape:
    """How a text is written, measured over all its lines before any paragraph is cut.

    `width`: the width it seems hard-wrapped at (the 95th percentile of non-blank line lengths).
    `mode`: how lines inside a block of non-blank lines relate to paragraphs: "indented" (hard-wrapped
    paragraphs whose first line is indented: a paragraph starts at each indented line), "wrapped"
    (hard-wrapped paragraphs separated by blank lines: a block is one paragraph) or "lines" (one
    paragraph per line). `base_indent`: the smallest indentation of any line (continuation lines).
    """

    width: int
    mode: str
    base_indent: int


class ShapeScan:
    """Measures a text's `Shape` one line at a time (so a file can be measured as it streams)."""

    def __init__(self) -> None:
        self._lengths: Counter[int] = Counter()
        self._breaks = self._terminal = self._rises = self._falls = 0
        self._base = 10**9
        self._prev_indent = -1  # indentation of the previous line when it was not blank, else -1
        self._prev_last = ""  # last non-space character of that line

    def add(self, line: str) -> None:
        """Count one line (without its newline)."""
        r = line.rstrip()
        if not r:
            self._prev_indent = -1
            return
        self._lengths[len(r)] += 1
        ind = indent(line)
        self._base = min(self._base, ind)
        if self._prev_indent >= 0:
            self._breaks += 1
            self._terminal += self._prev_last in _TERMINAL
            self._rises += ind >= self._prev_indent + 2
            self._falls += ind + 2 <= self._prev_indent
        self._prev_indent, self._prev_last = ind, r[-1]

    def shape(self) -> Shape:
        """The shape of the lines counted so far."""
        total = sum(self._lengths.values())
        width = 10**9
        if total:
            rank = min(total - 1, int(total * 0.95))
            for length in sorted(self._lengths):
                rank -= self._lengths[length]
                if rank < 0:
                    width = length
                    break
        if self._rises >= 2 and self._falls >= 2:
            mode = "indented"
        # Wrapped lines end wherever the width runs out (about one in twenty after a sentence's end);
        # lines that are paragraphs nearly all end with punctuation.
        elif self._breaks == 0 or self._terminal < 0.3 * self._breaks:
            mode = "wrapped"
        else:
            mode = "lines"
        return Shape(width, mode, self._base)


def shape_of(lines: Iterable[str]) -> Shape:
    """The `Shape` of a text given as its lines."""
    scan = ShapeScan()
    for line in lines:
        scan.add(line)
    return scan.shape()


#: What the lexer emits per unit: the unit, its text, the `aux` values given with its first and last line,
#: and whether its first line reads as a chapter heading (so a streaming scan need not match it again).
Lexed = tuple[Unit, str, Any, Any, bool]


class Lexer:
    """Groups lines into units (step 1 of the module doc) one line at a time, given the text's `Shape`.

    Units start fresh at every unit boundary (nothing about earlier lines carries over a blank line
    or a split), so lexing any [unit start, unit end) span of a text gives exactly the units the
    whole text has there: a chapter can be lexed again on its own.
    """

    def __init__(self, shape: Shape, hinted: frozenset[int] = frozenset()) -> None:
        self._shape = shape
        self._hinted = hinted  # offsets of lines known to be headings (stand alone)
        self._lines: list[str] = []  # lines of the unit being built
        self._first = self._last = 0  # offsets of its first and last line
        self._aux_first: Any = None
        self._aux_last: Any = None
        self._first_heading = False
        self._prev_line = ""
        self._prev_heading = False

    def feed(self, offset: int, line: str, aux: Any = None) -> list[Lexed]:
        """Take the next line (starting at `offset`, without its newline); returns the units it completes."""
        out: list[Lexed] = []
        if not line.strip():
            self._flush(out)
            return out
        if is_scene_break(line):
            self._flush(out)
            lead = len(line) - len(line.lstrip())
            out.append((Unit(offset + lead, offset + len(line.rstrip()), scene=True, lead=lead), line.strip(), aux, aux,
                        False))
            return out
        shape = self._shape
        matched = heading_match(line) is not None
        heading = matched or (offset + indent(line)) in self._hinted
        if self._lines:
            prev = self._prev_line
            stripped = line.strip()
            split = (
                shape.mode == "lines"
                or (shape.mode == "indented" and indent(line) >= shape.base_indent + 2)
                or (self._prev_heading and len(self._lines) == 1)
                or (heading and _fits(prev, stripped, max(shape.width, 60)))
                or indent(line) >= indent(prev) + 2
                or (BYLINE.match(stripped) is not None and title_like(prev))
                or (LABEL.match(stripped) is not None and _fits(prev, stripped, max(shape.width, 60)))
            )
            if split:
                self._flush(out)
        if not self._lines:
            self._first, self._aux_first, self._first_heading = offset, aux, matched
        self._lines.append(line)
        self._last, self._aux_last = offset, aux
        self._prev_line = line
        self._prev_heading = heading
        return out

    def close(self) -> list[Lexed]:
        """The last unit, at the end of the text."""
        out: list[Lexed] = []
        self._flush(out)
        return out

    def _flush(self, out: list[Lexed]) -> None:
        if self._lines:
            seg = self._lines[0] if len(self._lines) == 1 else "\n".join(self._lines)
            lead = len(seg) - len(seg.lstrip())
            end = len(seg.rstrip())
            unit = Unit(self._first + lead, self._first + end, lead=lead)
            out.append((unit, seg[lead:end], self._aux_first, self._aux_last, self._first_heading))
            self._lines = []


def units_of(text: str, hinted: frozenset[int] = frozenset(), shape: Shape | None = None) -> list[Unit]:
    """Split the text into candidate paragraphs and scene-break lines (a `hinted` line stands alone)."""
    lines = text.split("\n")
    lexer = Lexer(shape or shape_of(lines), hinted)
    units: list[Unit] = []
    pos = 0
    for line in lines:
        units.extend(lexed[0] for lexed in lexer.feed(pos, line))
        pos += len(line) + 1
    units.extend(lexed[0] for lexed in lexer.close())
    return units



def is_plain(unit_text: str, first_line_heading: bool) -> bool:
    """Whether a (non-scene) unit's text matches none of the patterns `outline` checks on every unit.

    `first_line_heading`: whether its first line reads as a heading (the lexer has matched it already).
    """
    if first_line_heading or (len(unit_text) <= 90 and BARE_HEADING.match(unit_text)):
        return False
    head = unit_text[:100]
    return not (GUTENBERG_START.match(head) or GUTENBERG_END.match(head) or CONTENTS.match(unit_text))

