"""Chapter headings among a text's units: "Chapter 12: The Well" with its subtitle lines, or bare numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .lexer import TextSource, Unit
from .lines import BARE_HEADING, LABEL, ROMAN, clean_heading_text, display_case, heading_match, title_like, words_to_int


@dataclass(slots=True)
class Heading:
    first: int  # index of the first unit of the heading
    last: int  # index of its last unit (subtitle lines)
    kind: str  # "chapter", "part", "named"
    number: int | None
    title: str



def _heading_title(m: re.Match[str], subtitle: str) -> tuple[str, str, int | None]:
    """(kind, display title, number) of a heading match plus its subtitle lines."""
    kw = m.group("kw").lower().rstrip(".")
    rest = clean_heading_text(m.group("rest"))
    if subtitle:
        rest = (rest + " " + subtitle).strip()
    rest = display_case(rest)
    if "num" in m.groupdict() and m.group("num") is not None:
        num_text = m.group("num")
        number = words_to_int(num_text)
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


def _is_subtitle(text: TextSource, unit: Unit, same_block: bool) -> bool:
    """A unit that continues a bare heading ("CHAPTER III." then "RELATES HOW OLIVER ...").

    `same_block`: the unit follows the heading line directly (no blank line between).
    """
    s = text[unit.start:unit.end]
    lines = [ln.strip() for ln in s.split("\n")]
    if unit.scene or len(lines) > 3 or any(len(ln) > 80 for ln in lines):
        return False
    if LABEL.match(lines[0]) or heading_match(lines[0]):
        return False
    letters = [c for c in s if c.isalpha()]
    if not letters or (not same_block and (s[0] in "\"'“‘" or s[-1] in "!?…\"”")):
        return False  # "NO!" a blank line under a heading is the story shouting, not a title
    if not any(c.islower() for c in letters):
        return len(letters) >= 2  # ALL CAPS subtitle
    return len(lines) == 1 and title_like(lines[0]) and len(lines[0].split()) >= 2


def find_headings(
    text: TextSource, units: Sequence[Unit], lo: int, hi: int, hinted: frozenset[int] = frozenset()
) -> list[Heading]:
    """Heading candidates among units[lo:hi] (plus units starting at a `hinted` offset), with subtitles."""
    found: list[Heading] = []
    i = lo
    while i < hi:
        u = units[i]
        if u.scene or (u.plain and u.start not in hinted):
            i += 1
            continue
        s = text[u.start:u.end]
        first_line = s.split("\n", 1)[0]
        m = heading_match(first_line)
        if u.start in hinted and (m is None or "\n" in s) and not LABEL.match(s):
            found.append(Heading(i, i, "hint", None, display_case(clean_heading_text(s))))
            i += 1
            continue
        if m is None or "\n" in s and not _all_heading_lines(s):
            i += 1
            continue
        last = i
        subtitle = ""
        if "\n" in s:
            subtitle = clean_heading_text(s.split("\n", 1)[1])
        elif not m.group("rest").strip() and i + 1 < hi and _is_subtitle(
                text, units[i + 1], text.count("\n", u.end, units[i + 1].start) == 1):
            last = i + 1
            subtitle = clean_heading_text(text[units[i + 1].start:units[i + 1].end])
        kind, title, number = _heading_title(m, subtitle)
        found.append(Heading(i, last, kind, number, title))
        i = last + 1
    return found




def numbered_headings(text: TextSource, units: Sequence[Unit], lo: int, hi: int) -> list[Heading]:
    """Headings that are bare numbers, for books with no "Chapter" headings at all.

    A bare number only counts when another one next to it in the text continues the count
    (II after I, 3 before 4): a lone "1." is more likely a line of the story.
    """
    found: list[tuple[int, int, str]] = []
    for i in range(lo, hi):
        u = units[i]
        if u.scene or u.plain or u.end - u.start > 90:
            continue
        m = BARE_HEADING.match(text[u.start:u.end])
        if m is None:
            continue
        num = m.group("num")
        if num.isalpha() and not ROMAN.match(num):
            continue
        rest = m.group("rest") or ""
        if rest and not any(c.isalpha() for c in rest):
            continue
        found.append((i, words_to_int(num) or 0, rest))
    good = [
        (i, n, rest) for k, (i, n, rest) in enumerate(found)
        if (k > 0 and found[k - 1][1] == n - 1) or (k + 1 < len(found) and found[k + 1][1] == n + 1)
    ]
    out = []
    for i, n, rest in good:
        title = f"Chapter {n}" + (f": {display_case(clean_heading_text(rest))}" if rest.strip() else "")
        out.append(Heading(i, i, "chapter", n, title))
    return out


def _all_heading_lines(s: str) -> bool:
    """A multi-line unit whose first line is a heading and the others a short subtitle."""
    lines = s.split("\n")
    return len(lines) <= 4 and all(len(ln.strip()) <= 80 for ln in lines) and (
        not any(c.islower() for c in "".join(lines[1:])) or len(lines) == 2 and title_like(lines[1])
    )


