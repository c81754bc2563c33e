"""Find the structure of a decoded text: title, author, summary, chapters, paragraphs, scene breaks.

Everything works on offsets into the text it is given (already newline-normalised by the reader).
The approach is line based and single pass over lines:

1. lines are grouped into *units* (candidate paragraphs): blank lines and scene-break lines separate
   units; inside a block of non-blank lines a line break is a paragraph break when the text is
   written one paragraph per line, or an indented line follows a less indented one (see `_mode`);
2. units are classified (chapter heading, scene break, labelled front matter, story text);
3. headings with no text behind them (a table of contents) are folded away, and the units are
   assembled into chapters, skipped sections and front matter.

Every non-blank character of the text ends up in exactly one of: a chapter's paragraphs, a chapter's
heading, a chapter's skipped sections, `Layout.front`, or a scene-break line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from audiobook.model import ChapterLayout, Layout, Paragraph, Section

# ----------------------------------------------------------------------------------------------
# Line level patterns

#: A scene break: a line of symbols only (`***`, `* * *`, `~~~`, `---`, `#`, `§`), or oOo / xXx.
_SCENE_SYMBOLS = re.compile(r"^[*~=\-_+#§•·°◊♦◆✦❖¤%^<>|/\\ \t–—]+$")
_SCENE_WORDS = re.compile(
    r"^[*~=\-_+#§•·. \t]*(?:(?:o+O+o+|O+o+O+|x+X+x+|X+x+X+|0o0|o0o)[*~=\-_+#§•·. \t]*)+$"
    r"|^[\W_]*(?:[oOxX0][^\w\s'\"“”‘’]+){2,}[oOxX0]?[\W_]*$"  # -x-x-x-  o~o~o  +x+x+
    r"|^[^\w\s'\"“”‘’]+[oOxX0][^\w\s'\"“”‘’]+$"  # -o-  ~x~
    r"|^[\W_]*(?:line|page|scene|time|pov)[ -]?(?:break|skip|change|switch)[\W_]*$",  # (Line Break)
    re.IGNORECASE,
)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100,
}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "last": None,
}
_NUMWORD = r"(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")"
_NUMBER = (
    r"(?P<num>\d{1,4}|[IVXLCDM]{1,8}|[ivxlcdm]{1,8}"
    rf"|{_NUMWORD}(?:[\s-]{_NUMWORD}){{0,2}}"
    r"|the\s+(?:" + "|".join(_ORDINAL_WORDS) + r"))"
)
#: "Chapter 12: The Well", "CHAPTER II. Matthew ...", "Chapter One", "PART II", "Book the First".
_HEADING = re.compile(
    r"^[\s#*_>\[(~=•\-–—]*(?P<kw>chapter|chap\.|ch\.|part|book|volume|vol\.)(?:\s+|(?=\d))" + _NUMBER
    + r"(?![\w'])\.?(?P<sep>\s*[:.\-–—)\]~=*_#•]+\s*|\s+|$)(?P<rest>.*)$",
    re.IGNORECASE,
)
#: Unnumbered headings that stand alone on their line ("Prologue", "Epilogue: Ten Years Later").
_NAMED_HEADING = re.compile(
    r"^[\s#*_>\[(~=•\-–—]*(?P<kw>prologue|epilogue|preface|introduction|foreword|afterword|interlude)"
    r"\b\.?(?P<sep>\s*[:.\-–—]\s*|\s*$)(?P<rest>.*)$",
    re.IGNORECASE,
)
_GUTENBERG_START = re.compile(r"^\W*start of (?:the |this )?project gutenberg", re.IGNORECASE)
_GUTENBERG_END = re.compile(r"^\W*end of (?:the |this )?project gutenberg", re.IGNORECASE)
_GUTENBERG_FIELD = re.compile(r"^(?P<key>Title|Author):\s*(?P<value>\S.*?)\s*$", re.MULTILINE)
_CONTENTS = re.compile(r"^[\s#*_]*(?:table of )?contents\.?[\s*_]*$", re.IGNORECASE)

#: Labelled front matter / notes. The group that matches names the section.
_LABEL = re.compile(
    r"""^[\s*_#>(\[~-]*(?:
      (?P<an>a\s*/\s*n\b|a\.\s?n\.|an\s*:|author'?s'?\s+notes?\b|authors?\s+notes?\b|notes?\s*:
        |end\s+notes?\b|translator'?s\s+notes?\b)
     |(?P<summary>summary\s*[:\-–—]|description\s*:|blurb\s*:)
     |(?P<disclaimer>disclaimer\b)
     |(?P<rating>rated\s*[:\-]\s*|rating\s*:|rated\s+(?:k\+?|t|m|ma|g|pg(?:-?13)?|r|nc-?17|fr\w+|e|teen
        |mature|explicit|general)(?![\w-]))
     |(?P<meta>(?:warnings?|pairings?|genres?|characters?|word\s*count|status|category|categories
        |fandoms?|language|published|updated|spoilers?|beta(?:'d)?(?:\s+by)?|tags?|relationships?
        |series|dedication)\s*:)
     |(?P<author>(?:author|written\s+by|writer)\s*:)
     |(?P<title>(?:story\s+)?title\s*:)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
#: Labels strong enough to end the story text in the middle of a chapter ("Note:" is not: letters have them).
_STRONG_NOTE = re.compile(
    r"^[\s*_#>(\[~-]*(?:a\s*/\s*n\b|a\.\s?n\.|an\s*:|author'?s'?\s+notes?\b|authors?\s+notes?\b"
    r"|translator'?s\s+notes?\b|end\s+notes?\s*:|disclaimer\s*:)",
    re.IGNORECASE,
)
#: A note at the end of a chapter runs to the end of the chapter, but never over more than this many
#: paragraphs: a longer run after a note is story text.
_MAX_TRAILING_NOTE = 8
_LABEL_NAMES = {
    "an": "author's note", "summary": "summary", "disclaimer": "disclaimer", "rating": "rating",
    "meta": "notes", "author": "byline", "title": "title",
}
#: "by Ann Lee", "BY L. M. MONTGOMERY": capitalised names only ("By the river they waited" is prose).
_BYLINE = re.compile(
    r"^[\s*_]*(?:by|By|BY)\s+(?P<name>(?:[A-Z][\w.'’-]*|de|van|von|der|du|la|le|del)"
    r"(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|der|du|la|le|del)){0,5})[\s*_]*$"
)
_CREDIT = re.compile(r"^(?:produced|transcribed|prepared|e-?text|illustrated|edited)\b", re.IGNORECASE)
# Characters a line may end with when the line break after it ends a paragraph.
_TERMINAL = ".!?\"”’'…:)]*_"
_SMALL_WORDS = frozenset(
    "a an the and but or for nor of on in at to by with from as into over than".split()
)
_ROMAN = re.compile(r"^M{0,4}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


# ----------------------------------------------------------------------------------------------
# Units


@dataclass(frozen=True, slots=True)
class _Unit:
    """A candidate paragraph: [start, end) trimmed of surrounding whitespace."""

    start: int
    end: int
    scene: bool = False  # a scene-break line
    # Known to match none of the patterns the whole-book pass looks for (heading, bare number, Gutenberg
    # marker, "Contents"): set by a streaming scan, which then need not keep the unit's text.
    plain: bool = False
    lead: int = 0  # characters of indentation before `start` on its line (the line starts at start - lead)


def _indent(line: str) -> int:
    """Width of the line's leading whitespace (a tab counts as four)."""
    n = 0
    for ch in line:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4
        elif ch.isspace():
            n += 1
        else:
            break
    return n


def is_scene_break(line: str) -> bool:
    """True when the (stripped) line is a scene-break marker rather than text."""
    s = line.strip()
    if not s or len(s) > 40:
        return False
    if _SCENE_SYMBOLS.match(s):
        # A lone hyphen or dash could be an interrupted line of dialogue; need 3+ of them, or
        # any other symbol.
        if set(s) <= set("-–— \t") and sum(c in "-–—" for c in s) < 3:
            return False
        return True
    return bool(_SCENE_WORDS.match(s))


def _heading_match(line: str) -> re.Match[str] | None:
    """The heading match of a line, if it reads like a chapter/part heading."""
    s = line.strip()
    if not s or len(s) > 100:
        return None
    m = _HEADING.match(s) or _NAMED_HEADING.match(s)
    if m is None:
        return None
    rest = m.group("rest").strip()
    sep = m.group("sep")
    if "num" in m.groupdict():
        num = m.group("num")
        # Roman numerals must be well formed ("Part mix" is not a heading).
        if re.fullmatch(r"[IVXLCDMivxlcdm]+", num):
            if not (num.isupper() or num.islower()) or not _ROMAN.match(num.upper()):
                return None
    if rest:
        # "Chapter one was the worst" is prose: text glued to the number must look like a title.
        if not sep.strip() and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘("):
            return None
        if sep.strip() in (".",) and rest[:1].islower():
            return None
    return m


def _title_like(s: str) -> bool:
    """A short line with no sentence punctuation at its end: a title, a name, a heading."""
    s = s.strip().strip("*_#").strip()
    if not s or "\n" in s or len(s) > 80:
        return False
    words = s.split()
    if len(words) > 12 or not any(c.isalpha() for c in s):
        return False
    if not (s[0].isupper() or s[0].isdigit()):
        return False
    return s[-1] not in ".,;:…\"”'’-—–("


def _fits(prev: str, line: str, width: int) -> bool:
    """Whether the first word of `line` would have fitted on `prev` when wrapping at `width`."""
    p = prev.rstrip()
    first_word = line.split(None, 1)[0] if line.strip() else ""
    # A wrapping editor fills lines greedily: if the next word would have fitted, the break is
    # deliberate. The margin absorbs the width estimate being a little short of the true one.
    return len(p) + 1 + len(first_word) <= width - max(3, width // 15)


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
        ind = _indent(line)
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
Lexed = tuple[_Unit, str, Any, Any, bool]


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
            out.append((_Unit(offset + lead, offset + len(line.rstrip()), scene=True, lead=lead), line.strip(), aux, aux,
                        False))
            return out
        shape = self._shape
        matched = _heading_match(line) is not None
        heading = matched or (offset + _indent(line)) in self._hinted
        if self._lines:
            prev = self._prev_line
            stripped = line.strip()
            split = (
                shape.mode == "lines"
                or (shape.mode == "indented" and _indent(line) >= shape.base_indent + 2)
                or (self._prev_heading and len(self._lines) == 1)
                or (heading and _fits(prev, stripped, max(shape.width, 60)))
                or _indent(line) >= _indent(prev) + 2
                or (_BYLINE.match(stripped) is not None and _title_like(prev))
                or (_LABEL.match(stripped) is not None and _fits(prev, stripped, max(shape.width, 60)))
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
            unit = _Unit(self._first + lead, self._first + end, lead=lead)
            out.append((unit, seg[lead:end], self._aux_first, self._aux_last, self._first_heading))
            self._lines = []


def _units(text: str, hinted: frozenset[int] = frozenset(), shape: Shape | None = None) -> list[_Unit]:
    """Split the text into candidate paragraphs and scene-break lines (a `hinted` line stands alone)."""
    lines = text.split("\n")
    lexer = Lexer(shape or shape_of(lines), hinted)
    units: list[_Unit] = []
    pos = 0
    for line in lines:
        units.extend(lexed[0] for lexed in lexer.feed(pos, line))
        pos += len(line) + 1
    units.extend(lexed[0] for lexed in lexer.close())
    return units


# ----------------------------------------------------------------------------------------------
# Headings


@dataclass(slots=True)
class _Heading:
    first: int  # index of the first unit of the heading
    last: int  # index of its last unit (subtitle lines)
    kind: str  # "chapter", "part", "named"
    number: int | None
    title: str


def _words_to_int(s: str) -> int | None:
    """'Twenty-One' -> 21, 'XII' -> 12, '7' -> 7, 'the First' -> 1."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    up = s.upper()
    if re.fullmatch(r"[IVXLCDM]+", up) and _ROMAN.match(up):
        values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
        total = 0
        for i, ch in enumerate(up):
            v = values[ch]
            total += -v if i + 1 < len(up) and values[up[i + 1]] > v else v
        return total
    low = s.lower()
    if low.startswith("the "):
        return _ORDINAL_WORDS.get(low[4:].strip())
    total = 0
    for w in re.split(r"[\s-]+", low):
        if w == "hundred":
            total = max(total, 1) * 100
        elif w in _NUMBER_WORDS:
            total += _NUMBER_WORDS[w]
        else:
            return None
    return total


def display_case(s: str) -> str:
    """Title-case an ALL-CAPS heading ("THE SECRET OF GABRIEL SYME" -> "The Secret of Gabriel Syme")."""
    letters = [c for c in s if c.isalpha()]
    if not letters or any(c.islower() for c in letters):
        return s
    out = []
    for i, word in enumerate(s.split(" ")):
        core = word.strip("\"'“”‘’(),.;:!?")
        if core and _ROMAN.match(core) and len(core) > 1 and core not in ("DI", "MI", "LI", "CD", "MIX", "DIM"):
            out.append(word)
            continue
        low = word.lower()
        if i > 0 and low in _SMALL_WORDS:
            out.append(low)
            continue
        # Capitalise the first letter (after any opening quote), keep the rest lower case.
        chars = list(low)
        for j, c in enumerate(chars):
            if c.isalnum():
                chars[j] = c.upper()
                break
        out.append("".join(chars))
    return " ".join(out)


def _clean_heading_text(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().strip("#*_~=•-–—[]").strip())


def _heading_title(m: re.Match[str], subtitle: str) -> tuple[str, str, int | None]:
    """(kind, display title, number) of a heading match plus its subtitle lines."""
    kw = m.group("kw").lower().rstrip(".")
    rest = _clean_heading_text(m.group("rest"))
    if subtitle:
        rest = (rest + " " + subtitle).strip()
    rest = display_case(rest)
    if "num" in m.groupdict() and m.group("num") is not None:
        num_text = m.group("num")
        number = _words_to_int(num_text)
        if re.fullmatch(r"[IVXLCDMivxlcdm]+", num_text):
            num_text = num_text.upper()
        elif not num_text.isdigit():
            num_text = "-".join(w.capitalize() for w in num_text.split("-"))
            num_text = " ".join(w[:1].upper() + w[1:] for w in num_text.split())
        name = {"chap": "Chapter", "ch": "Chapter", "vol": "Volume"}.get(kw, kw.capitalize())
        kind = "part" if name in ("Part", "Book", "Volume") else "chapter"
        title = f"{name} {num_text}"
    else:
        number = None
        kind = "named"
        title = kw.capitalize()
    if rest:
        title += ": " + rest
    return kind, title, number


def _is_subtitle(text: str, unit: _Unit, same_block: bool) -> bool:
    """A unit that continues a bare heading ("CHAPTER III." then "RELATES HOW OLIVER ...").

    `same_block`: the unit follows the heading line directly (no blank line between).
    """
    s = text[unit.start:unit.end]
    lines = [ln.strip() for ln in s.split("\n")]
    if unit.scene or len(lines) > 3 or any(len(ln) > 80 for ln in lines):
        return False
    if _LABEL.match(lines[0]) or _heading_match(lines[0]):
        return False
    letters = [c for c in s if c.isalpha()]
    if not letters or (not same_block and (s[0] in "\"'“‘" or s[-1] in "!?…\"”")):
        return False  # "NO!" a blank line under a heading is the story shouting, not a title
    if not any(c.islower() for c in letters):
        return len(letters) >= 2  # ALL CAPS subtitle
    return len(lines) == 1 and _title_like(lines[0]) and len(lines[0].split()) >= 2


def _find_headings(
    text: str, units: Sequence[_Unit], lo: int, hi: int, hinted: frozenset[int] = frozenset()
) -> list[_Heading]:
    """Heading candidates among units[lo:hi] (plus units starting at a `hinted` offset), with subtitles."""
    found: list[_Heading] = []
    i = lo
    while i < hi:
        u = units[i]
        if u.scene or (u.plain and u.start not in hinted):
            i += 1
            continue
        s = text[u.start:u.end]
        first_line = s.split("\n", 1)[0]
        m = _heading_match(first_line)
        if u.start in hinted and (m is None or "\n" in s) and not _LABEL.match(s):
            found.append(_Heading(i, i, "hint", None, display_case(_clean_heading_text(s))))
            i += 1
            continue
        if m is None or "\n" in s and not _all_heading_lines(s):
            i += 1
            continue
        last = i
        subtitle = ""
        if "\n" in s:
            subtitle = _clean_heading_text(s.split("\n", 1)[1])
        elif not m.group("rest").strip() and i + 1 < hi and _is_subtitle(
                text, units[i + 1], text.count("\n", u.end, units[i + 1].start) == 1):
            last = i + 1
            subtitle = _clean_heading_text(text[units[i + 1].start:units[i + 1].end])
        kind, title, number = _heading_title(m, subtitle)
        found.append(_Heading(i, last, kind, number, title))
        i = last + 1
    return found


#: "I.", "XII", "7." alone on a line, or "IV. THE RED-HEADED LEAGUE" (capitals only: "1. Buy milk" is a list).
_BARE_HEADING = re.compile(r"^[\s#*_]*(?P<num>[IVXLC]{1,7}|\d{1,3})\.?(?:\s+(?P<rest>[^a-z\n]{2,80}?))?[\s*_]*$")


def _numbered_headings(text: str, units: Sequence[_Unit], lo: int, hi: int) -> list[_Heading]:
    """Headings that are bare numbers, for books with no "Chapter" headings at all.

    A bare number only counts when another one next to it in the text continues the count
    (II after I, 3 before 4): a lone "1." is more likely a line of the story.
    """
    found: list[tuple[int, int, str]] = []
    for i in range(lo, hi):
        u = units[i]
        if u.scene or u.plain or u.end - u.start > 90:
            continue
        m = _BARE_HEADING.match(text[u.start:u.end])
        if m is None:
            continue
        num = m.group("num")
        if num.isalpha() and not _ROMAN.match(num):
            continue
        rest = m.group("rest") or ""
        if rest and not any(c.isalpha() for c in rest):
            continue
        found.append((i, _words_to_int(num) or 0, rest))
    good = [
        (i, n, rest) for k, (i, n, rest) in enumerate(found)
        if (k > 0 and found[k - 1][1] == n - 1) or (k + 1 < len(found) and found[k + 1][1] == n + 1)
    ]
    out = []
    for i, n, rest in good:
        title = f"Chapter {n}" + (f": {display_case(_clean_heading_text(rest))}" if rest.strip() else "")
        out.append(_Heading(i, i, "chapter", n, title))
    return out


def _all_heading_lines(s: str) -> bool:
    """A multi-line unit whose first line is a heading and the others a short subtitle."""
    lines = s.split("\n")
    return len(lines) <= 4 and all(len(ln.strip()) <= 80 for ln in lines) and (
        not any(c.islower() for c in "".join(lines[1:])) or len(lines) == 2 and _title_like(lines[1])
    )


# ----------------------------------------------------------------------------------------------
# Labels and front matter


def _label(text: str, unit: _Unit) -> str | None:
    """The section label of a unit that starts with one ("Summary:", "A/N", ...)."""
    if unit.scene:
        return None
    head = text[unit.start:min(unit.end, unit.start + 60)]
    m = _LABEL.match(head)
    if m is None:
        return None
    return _LABEL_NAMES[m.lastgroup or "meta"]


def _strip_label(s: str) -> str:
    m = _LABEL.match(s)
    if m:
        s = s[m.end():]
    s = s.lstrip(" :-–—").strip().strip("*_").strip()
    return re.sub(r"\s+", " ", s)


@dataclass(slots=True)
class _Front:
    sections: list[Section]
    title: str | None = None
    author: str | None = None
    summary: str | None = None
    story_from: int = 0  # index of the first unit after the leading front matter


def _section(label: str, units: Sequence[_Unit], lo: int, hi: int) -> Section:
    paras = tuple(Paragraph(u.start, u.end) for u in units[lo:hi] if not u.scene)
    return Section(label, units[lo].start, units[hi - 1].end, paras)


def _label_extent(text: str, units: Sequence[_Unit], i: int, hi: int, to_end: bool) -> int:
    """End (exclusive unit index) of the labelled section starting at unit i, within units[:hi].

    A note at the start runs over the following paragraphs only when something clearly ends it soon
    (a scene break, a title line, another label, the next heading); otherwise it is one paragraph.
    """
    if to_end:
        j = i + 1
        while j < hi and not units[j].scene:
            j += 1
        return j if j - i <= _MAX_TRAILING_NOTE else i + 1
    for j in range(i + 1, min(hi, i + 7)):
        u = units[j]
        if u.scene or _label(text, u) or _title_like(text[u.start:u.end]):
            return j
    if hi - i <= 6:
        return hi
    return i + 1


def _leading_front(
    text: str, units: Sequence[_Unit], lo: int, hi: int, heading_after: bool, title_units: set[int]
) -> _Front:
    """Leading labelled front matter, story title and byline among units[lo:hi].

    `title_units` are units known to be the title (an HTML <h1>), taken as such if reached.
    """
    front = _Front([])
    i = lo
    while i < hi:
        u = units[i]
        s = text[u.start:u.end]
        if u.scene:
            i += 1
            continue
        if i in title_units and front.title is None:
            front.title = display_case(_clean_heading_text(s))
            front.sections.append(_section("title", units, i, i + 1))
            i += 1
            continue
        label = _label(text, u)
        if label is not None:
            j = i + 1
            if label in ("author's note", "summary", "disclaimer"):
                j = _label_extent(text, units, i, hi, False)
            if not heading_after and j == hi:
                j = i + 1  # never swallow a whole headless story
            if j == i + 1 and i + 1 < hi and not units[i + 1].scene and not _strip_label(s):
                j = i + 2  # a bare "Notes:" line: the note is the paragraph under it
            sec = _section(label, units, i, j)
            front.sections.append(sec)
            value = _strip_label(s)
            if label == "summary" and front.summary is None:
                front.summary = " ".join(
                    [value] + [re.sub(r"\s+", " ", text[p.start:p.end]) for p in sec.paragraphs[1:]]
                ).strip() or None
            elif label == "byline" and front.author is None and value:
                front.author = value
            elif label == "title" and front.title is None and value:
                front.title = value
            i = j
            continue
        bm = _BYLINE.match(s)
        if bm and (front.title is not None or i > lo) and front.author is None:
            front.author = bm.group("name").strip()
            front.sections.append(_section("byline", units, i, i + 1))
            i += 1
            continue
        if front.title is None and _title_like(s) and not _CREDIT.match(s) and _heading_match(s) is None:
            front.title = display_case(_clean_heading_text(s))
            front.sections.append(_section("title", units, i, i + 1))
            i += 1
            continue
        break
    front.story_from = i
    return front


# ----------------------------------------------------------------------------------------------
# Chapters


def _chapter_body(
    text: str, units: Sequence[_Unit], lo: int, hi: int
) -> tuple[tuple[Paragraph, ...], tuple[Section, ...]]:
    """Paragraphs (with scene numbers) and skipped notes of the units[lo:hi] of one chapter."""
    paras: list[Paragraph] = []
    skipped: list[Section] = []
    scene = 0
    pending_break = False
    i = lo
    while i < hi:
        u = units[i]
        if u.scene:
            pending_break = bool(paras)
            i += 1
            continue
        label = _label(text, u)
        if label is not None and paras and not _STRONG_NOTE.match(text[u.start:u.end]):
            label = None  # mid-chapter, only an unmistakable author's note stops the story
        if label is not None:
            if paras:
                j = _label_extent(text, units, i, hi, True)
            elif label in ("author's note", "disclaimer", "summary"):
                j = _label_extent(text, units, i, hi, False)
                if j == hi and hi - i > 1 and not any(units[k].scene for k in range(i, hi)):
                    j = i + 1  # a note at the top of a short chapter: keep the story
            else:
                j = i + 1
            if j == i + 1 and i + 1 < hi and not units[i + 1].scene and not _strip_label(text[u.start:u.end]):
                j = i + 2  # a bare "Notes:" line: the note is the paragraph under it
            skipped.append(_section(label, units, i, j))
            i = j
            continue
        if pending_break:
            scene += 1
            pending_break = False
        paras.append(Paragraph(u.start, u.end, scene))
        i += 1
    return tuple(paras), tuple(skipped)


def _has_text(units: Sequence[_Unit], lo: int, hi: int) -> bool:
    return any(not units[k].scene for k in range(lo, hi))


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


class TextSource(Protocol):
    """What `outline` reads text through: a str, or a streamed file's view that reads spans back on demand."""

    def __getitem__(self, span: slice, /) -> str: ...

    def count(self, sub: str, start: int, end: int, /) -> int: ...


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
    units = _units(text, hinted, shape)
    book = outline(text, units, shape, read=read_everything if include_front_matter else read,
                   default_title=default_title, hinted=hinted)
    chapters = tuple(
        lay_out_chapter(book, plan, text[plan.body[0]:plan.body[1]] if plan.body else "") for plan in book.chapters
    )
    return Layout(chapters=chapters, title=book.title, author=book.author, summary=book.summary, front=book.front)


def outline(
    text: TextSource,
    units: Sequence[_Unit],
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
    front_sections: list[Section] = []
    back_sections: list[Section] = []
    lo, hi = 0, len(units)
    title: str | None = None
    author: str | None = None
    gutenberg = False

    # Project Gutenberg header and licence.
    for k, u in enumerate(units):
        if not u.scene and not u.plain and _GUTENBERG_START.match(text[u.start:min(u.end, u.start + 100)]):
            header = text[units[0].start:u.end]
            for fm in _GUTENBERG_FIELD.finditer(header):
                if fm.group("key") == "Title" and title is None:
                    title = fm.group("value")
                elif fm.group("key") == "Author" and author is None:
                    author = fm.group("value")
            front_sections.append(_section("gutenberg", units, 0, k + 1))
            lo = k + 1
            gutenberg = True
            break
    for k in range(lo, len(units)):
        u = units[k]
        if not u.scene and not u.plain and _GUTENBERG_END.match(text[u.start:min(u.end, u.start + 100)]):
            back_sections.append(_section("gutenberg", units, k, len(units)))
            hi = k
            gutenberg = True
            break

    headings = _find_headings(text, units, lo, hi, hinted)
    if not any(h.kind != "hint" for h in headings):
        headings = sorted(headings + _numbered_headings(text, units, lo, hi), key=lambda h: h.first)
    # Fold away headings that have no text before the next heading (a table of contents), and
    # merge a PART heading into the chapter heading that follows it.
    kept: list[_Heading] = []
    contents: list[_Heading] = []
    title_units: set[int] = set()  # units known to be the story's title
    for n, h in enumerate(headings):
        nxt = headings[n + 1].first if n + 1 < len(headings) else hi
        if _has_text(units, h.last + 1, nxt):
            kept.append(h)
        elif h.kind == "hint" and not kept and n + 1 < len(headings):
            # An <h1> above the first chapter heading of a page: the story title, if the front
            # matter reaches it (it is an ordinary unit again otherwise).
            title_units.add(h.first)
        else:
            contents.append(h)
    # An empty PART heading standing right before a chapter heading becomes part of its title.
    empty_part_before = {c.last + 1: c for c in contents if c.kind == "part"}
    part_of = {h.first: empty_part_before[h.first] for h in kept
               if h.kind != "part" and h.first in empty_part_before}
    merged_parts = {p.first for p in part_of.values()}
    contents = [c for c in contents if c.first not in merged_parts]
    merged = [(h, part_of.get(h.first)) for h in kept]  # (heading, part heading merged into it)

    first_heading_unit = merged[0][1].first if merged and merged[0][1] else (merged[0][0].first if merged else hi)
    # Table-of-contents area: from a "Contents" line (or the first folded heading) to the first kept heading.
    toc_lo = None
    for k in range(lo, first_heading_unit if merged else lo):  # no chapters: nothing to list
        u = units[k]
        if not u.scene and not u.plain and _CONTENTS.match(text[u.start:u.end]):
            toc_lo = k
            break
    folded_before = [c for c in contents if c.first < first_heading_unit]
    if toc_lo is None and folded_before:
        toc_lo = folded_before[0].first
    front_hi = toc_lo if toc_lo is not None else first_heading_unit

    lead = _leading_front(text, units, lo, front_hi, heading_after=bool(merged) or toc_lo is not None,
                          title_units=title_units)
    title = title or lead.title
    author = author or lead.author
    front_sections.extend(lead.sections)

    chapters: list[ChapterPlan] = []
    fallback = title or default_title or "Chapter 1"
    story_lo = lead.story_from
    if toc_lo is not None:
        if _has_text(units, story_lo, toc_lo):
            front_sections.append(_section("front matter", units, story_lo, toc_lo))
        front_sections.append(_section("contents", units, toc_lo, first_heading_unit))
        story_lo = first_heading_unit
    elif gutenberg and merged and _has_text(units, story_lo, first_heading_unit):
        # Before the first chapter of a Gutenberg book: credits, dedication, epigraph.
        front_sections.append(_section("front matter", units, story_lo, first_heading_unit))
        story_lo = first_heading_unit

    if _has_text(units, story_lo, first_heading_unit):
        # Story text before any heading (or a text with no heading at all).
        first, end = units[story_lo], units[first_heading_unit - 1].end
        chapters.append(ChapterPlan(title="Prologue" if merged else fallback, start=first.start, end=end,
                                    number=None if merged else 1, body=(first.start - first.lead, end)))

    folded_after = [c for c in contents if c.first >= first_heading_unit]
    for n, (h, part) in enumerate(merged):
        body_lo = h.last + 1
        body_hi = merged[n + 1][1].first if n + 1 < len(merged) and merged[n + 1][1] else (
            merged[n + 1][0].first if n + 1 < len(merged) else hi)
        head_first = part.first if part else h.first
        ttl = f"{part.title}, {h.title}" if part else h.title
        # A folded (empty) heading inside a chapter is a boundary like a scene break: no paragraph or
        # note runs over it, and it is kept as a skipped section of its own.
        inner = tuple(_section("empty heading", units, c.first, c.last + 1)
                      for c in folded_after if body_lo <= c.first < body_hi)
        heading = Paragraph(units[head_first].start, units[h.last].end)
        first = units[body_lo]
        body = (first.start - first.lead, units[body_hi - 1].end) if body_hi > body_lo else None
        chapters.append(ChapterPlan(title=ttl, start=heading.start, end=body[1] if body else heading.end,
                                    number=h.number, heading=heading, body=body, folded=inner))

    front_sections.extend(back_sections)
    if read is not None:
        chapters, front_sections = _read_sections(chapters, front_sections, read)
    return Outline(shape=shape, chapters=tuple(chapters), title=title, author=author, summary=lead.summary,
                   front=tuple(sorted(front_sections, key=lambda s: s.start)), read=read, hinted=hinted)


def _read_sections(
    chapters: list[ChapterPlan], front: list[Section], read: SectionFilter
) -> tuple[list[ChapterPlan], list[Section]]:
    """Give each front/back section `read` accepts to the chapter it stands in or after (the first
    chapter for leading matter)."""
    keep = [s for s in front if not read(s, False)]
    movable = [s for s in front if read(s, False)]
    if not chapters:
        paras = tuple(p for s in movable for p in s.paragraphs)
        if not paras:
            return chapters, front
        return [ChapterPlan("Chapter 1", paras[0].start, paras[-1].end, number=1, moved=paras)], keep
    moved: list[list[Paragraph]] = [[] for _ in chapters]
    for s in movable:
        nearest = 0
        for k, other in enumerate(chapters):
            if other.start <= s.start:
                nearest = k
        moved[nearest].extend(s.paragraphs)
    out = []
    for plan, extra in zip(chapters, moved):
        if extra:
            plan = replace(plan, start=min([plan.start] + [p.start for p in extra]),
                           end=max([plan.end] + [p.end for p in extra]), moved=tuple(extra))
        out.append(plan)
    return out, keep


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
            _Unit(u.start, u.end, scene=True, lead=u.lead) if any(f0 <= u.start < f1 for f0, f1 in folded) else u
            for u in _units(body_text, hinted, book.shape)
        ]
        paras, skipped = _chapter_body(body_text, units, 0, len(units))
        if b0:
            paras = tuple(Paragraph(p.start + b0, p.end + b0, p.scene) for p in paras)
            skipped = tuple(_shifted(s, b0) for s in skipped)
    if plan.folded:
        skipped = tuple(sorted(skipped + plan.folded, key=lambda s: s.start))
    if book.read is not None:
        extra = [p for s in skipped if book.read(s, True) for p in s.paragraphs] + list(plan.moved)
        if extra:
            paras = tuple(sorted(paras + tuple(extra), key=lambda p: p.start))
        skipped = tuple(s for s in skipped if not book.read(s, True))
    return ChapterLayout(title=plan.title, start=plan.start, end=plan.end, paragraphs=paras,
                         number=plan.number, heading=plan.heading, skipped=skipped)


def apply_reading(lay: Layout, read: SectionFilter) -> Layout:
    """A laid-out book with the skipped sections `read` accepts moved into the story as paragraphs.

    A section inside a chapter joins that chapter; front or back matter joins the chapter it stands
    in or after (the first chapter for leading matter). (Plain text and markdown do this while laying
    out, see `outline`; this is for layouts built another way, such as an EPUB's.)
    """
    chapters = list(lay.chapters)
    if not chapters:
        return lay
    moved: list[list[Section]] = [[] for _ in chapters]
    front_kept = []
    for s in lay.front:
        if not read(s, False):
            front_kept.append(s)
            continue
        nearest = 0
        for k, ch in enumerate(chapters):
            if ch.start <= s.start:
                nearest = k
        moved[nearest].append(s)
    out: list[ChapterLayout] = []
    for ch, extra_sections in zip(chapters, moved):
        inside = [s for s in ch.skipped if read(s, True)]
        kept = tuple(s for s in ch.skipped if not read(s, True))
        extra = [p for s in inside + extra_sections for p in s.paragraphs]
        if not extra:
            out.append(ch)
            continue
        paras = tuple(sorted(ch.paragraphs + tuple(extra), key=lambda p: p.start))
        out.append(replace(ch, start=min(ch.start, paras[0].start), end=max(ch.end, paras[-1].end),
                           paragraphs=paras, skipped=kept))
    return replace(lay, chapters=tuple(out), front=tuple(front_kept))


def _shifted(s: Section, by: int) -> Section:
    return Section(s.label, s.start + by, s.end + by, tuple(Paragraph(p.start + by, p.end + by, p.scene)
                                                             for p in s.paragraphs))


def is_plain(unit_text: str, first_line_heading: bool) -> bool:
    """Whether a (non-scene) unit's text matches none of the patterns `outline` checks on every unit.

    `first_line_heading`: whether its first line reads as a heading (the lexer has matched it already).
    """
    if first_line_heading or (len(unit_text) <= 90 and _BARE_HEADING.match(unit_text)):
        return False
    head = unit_text[:100]
    return not (_GUTENBERG_START.match(head) or _GUTENBERG_END.match(head) or _CONTENTS.match(unit_text))


def layout_chapter(
    text: str,
    start: int,
    end: int,
    *,
    title: str,
    number: int | None = None,
    heading: Paragraph | None = None,
    include_front_matter: bool = False,
) -> ChapterLayout:
    """Lay out text[start:end] as the body of one chapter (used for EPUB spine documents)."""
    units = [_Unit(u.start + start, u.end + start, u.scene) for u in _units(text[start:end])]
    paras, skipped = _chapter_body(text, units, 0, len(units))
    if include_front_matter and skipped:
        paras = tuple(sorted(paras + tuple(p for s in skipped for p in s.paragraphs), key=lambda p: p.start))
        skipped = ()
    return ChapterLayout(
        title=title, start=heading.start if heading else start, end=end, paragraphs=paras,
        number=number, heading=heading, skipped=skipped,
    )


def heading_number(line: str) -> int | None:
    """The chapter number a heading line states ("Chapter Twelve: The Well" -> 12), if any."""
    m = _heading_match(line)
    if m is None or "num" not in m.groupdict():
        return None
    return _words_to_int(m.group("num"))
