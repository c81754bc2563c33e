"""What one line (or one short unit) of text is: a scene break, a chapter heading, a label, a byline, a title.

The patterns here look at a single string; the lexer, heading and front-matter passes apply them to units.
"""

from __future__ import annotations

import re

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
GUTENBERG_START = re.compile(r"^\W*start of (?:the |this )?project gutenberg", re.IGNORECASE)
GUTENBERG_END = re.compile(r"^\W*end of (?:the |this )?project gutenberg", re.IGNORECASE)
GUTENBERG_FIELD = re.compile(r"^(?P<key>Title|Author):\s*(?P<value>\S.*?)\s*$", re.MULTILINE)
CONTENTS = re.compile(r"^[\s#*_]*(?:table of )?contents\.?[\s*_]*$", re.IGNORECASE)

#: Labelled front matter / notes. The group that matches names the section.
LABEL = re.compile(
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
STRONG_NOTE = re.compile(
    r"^[\s*_#>(\[~-]*(?:a\s*/\s*n\b|a\.\s?n\.|an\s*:|author'?s'?\s+notes?\b|authors?\s+notes?\b"
    r"|translator'?s\s+notes?\b|end\s+notes?\s*:|disclaimer\s*:)",
    re.IGNORECASE,
)
LABEL_NAMES = {
    "an": "author's note", "summary": "summary", "disclaimer": "disclaimer", "rating": "rating",
    "meta": "notes", "author": "byline", "title": "title",
}
#: "by Ann Lee", "BY L. M. MONTGOMERY": capitalised names only ("By the river they waited" is prose).
BYLINE = re.compile(
    r"^[\s*_]*(?:by|By|BY)\s+(?P<name>(?:[A-Z][\w.'’-]*|de|van|von|der|du|la|le|del)"
    r"(?:\s+(?:[A-Z][\w.'’-]*|de|van|von|der|du|la|le|del)){0,5})[\s*_]*$"
)
CREDIT = re.compile(r"^(?:produced|transcribed|prepared|e-?text|illustrated|edited)\b", re.IGNORECASE)
_SMALL_WORDS = frozenset(
    "a an the and but or for nor of on in at to by with from as into over than".split()
)
ROMAN = re.compile(r"^M{0,4}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def indent(line: str) -> int:
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
        return not (set(s) <= set("-–— \t") and sum(c in "-–—" for c in s) < 3)
    return bool(_SCENE_WORDS.match(s))


def heading_match(line: str) -> re.Match[str] | None:
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
        if re.fullmatch(r"[IVXLCDMivxlcdm]+", num) and (
                not (num.isupper() or num.islower()) or not ROMAN.match(num.upper())):
            return None
    if rest:
        # "Chapter one was the worst" is prose: text glued to the number must look like a title.
        if not sep.strip() and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘("):
            return None
        if sep.strip() in (".",) and rest[:1].islower():
            return None
    return m


def title_like(s: str) -> bool:
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


def words_to_int(s: str) -> int | None:
    """'Twenty-One' -> 21, 'XII' -> 12, '7' -> 7, 'the First' -> 1."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    up = s.upper()
    if re.fullmatch(r"[IVXLCDM]+", up) and ROMAN.match(up):
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
    """Title-case an ALL-CAPS heading ("THE SECRET OF HUGO PYM" -> "The Secret of Hugo Pym")."""
    letters = [c for c in s if c.isalpha()]
    if not letters or any(c.islower() for c in letters):
        return s
    out = []
    for i, word in enumerate(s.split(" ")):
        core = word.strip("\"'“”‘’(),.;:!?")
        if core and ROMAN.match(core) and len(core) > 1 and core not in ("DI", "MI", "LI", "CD", "MIX", "DIM"):
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


def clean_heading_text(s: str) -> str:
    return re.sub(r"\s+", " ", s.strip().strip("#*_~=•-–—[]").strip())


#: "I.", "XII", "7." alone on a line, or "IV. THE RED-HEADED LEAGUE" (capitals only: "1. Buy milk" is a list).
BARE_HEADING = re.compile(r"^[\s#*_]*(?P<num>[IVXLC]{1,7}|\d{1,3})\.?(?:\s+(?P<rest>[^a-z\n]{2,80}?))?[\s*_]*$")


def heading_number(line: str) -> int | None:
    """The chapter number a heading line states ("Chapter Twelve: The Well" -> 12), if any."""
    m = heading_match(line)
    if m is None or "num" not in m.groupdict():
        return None
    return words_to_int(m.group("num"))
