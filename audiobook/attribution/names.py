"""What a name looks like: letter classes from Unicode categories, name words, and book-wide word counts.

Names are not only ASCII: "Łukasz", "Ōtomo", "李", "O'Brien", "D'Arcy", "Grant-Lowther" are all names. The
letter classes are derived from `unicodedata` categories (never hand-written ranges), so any script's
capitalised words, and caseless scripts' words, can be names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_SCAN_LIMIT = 0x10000  # the Basic Multilingual Plane: every script a novel's names are written in
_WORD = re.compile(r"\w")


def _char_class(keep: Callable[[str], bool]) -> str:
    """A regex character-class body matching every BMP character `keep` accepts, as ranges."""
    parts: list[str] = []
    start: int | None = None
    for cp in range(_SCAN_LIMIT + 1):
        inside = cp < _SCAN_LIMIT and keep(chr(cp))
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            a, b = re.escape(chr(start)), re.escape(chr(cp - 1))
            parts.append(a if start == cp - 1 else f"{a}-{b}")
            start = None
    return "".join(parts)


def _categories(*names: str) -> Callable[[str], bool]:
    return lambda ch: unicodedata.category(ch) in names


#: Capital letters (upper and title case): a class body, used as `[{UPPER}]`.
UPPER = _char_class(_categories("Lu", "Lt"))
# Python's regex compiler fills a table entry for every character a class covers, each time a pattern
# uses the class: a class of the ~45,000 caseless letters cost ~7 ms per use and made importing the tag
# patterns take two seconds. So the letter classes below are written as "a word character that is none of
# a few small sets", plus the combining marks (which are no word characters): the same characters.
_NOT_LETTER = _char_class(lambda ch: bool(_WORD.match(ch)) and not unicodedata.category(ch).startswith("L")) \
    + "\U00010000-\U0010ffff"  # (digits, numerals, "_"; and the planes beyond the BMP, as before)
_MARKS = _char_class(_categories("Mn", "Mc"))
_LOWER_CASED = _char_class(_categories("Ll", "Lm"))


def _letter(exclude: str, extra: str = "") -> str:
    """One character: a BMP letter outside the `exclude` class body, a combining mark, or one of `extra`."""
    return f"(?:[^\\W{exclude}{_NOT_LETTER}]|[{_MARKS}{extra}])"


#: One letter that may follow a capital inside a word: lower case, modifier, combining mark, caseless.
LOWER = _letter(UPPER)
#: The same, or a hyphen; or an apostrophe or hyphen.
LOWER_HYPHEN = _letter(UPPER, "\\-")
LOWER_APOS_HYPHEN = _letter(UPPER, "'\u2019\\-")
#: Any letter (a capital or one of LOWER); or that or an apostrophe or hyphen.
LETTER = _letter("")
LETTER_APOS_HYPHEN = _letter("", "'\u2019\\-")
#: One caseless letter (CJK, Hebrew, Arabic...): a word of them may be a name without any capital.
CASELESS = f"[^\\W{UPPER}{_LOWER_CASED}{_NOT_LETTER}]"
#: A letter that may open a name: a capital or a caseless letter (one class, so a search for it is fast).
NAME_START = f"[^\\W{_LOWER_CASED}{_NOT_LETTER}]"

_APOS = "'\u2019"
#: Japanese honorifics fan fiction writes after a name ("Kagome-chan", "Sesshomaru-sama"): the name is before them.
HONORIFIC_SUFFIX = r"(?:chan|sama|kun|san|senpai|sensei|dono|tan|chin|hime|nee|nii)(?![\w'\u2019-])"
#: One name word: "Anne", "O'Brien", "D'Arcy", "N'Dour", "Grant-Lowther", "McDonald", "Łukasz", "李".
#: A "?" between lower-case letters is a letter the text's encoding lost ("Ren?e"): the word goes on.
NAME_WORD = (rf"(?:[{UPPER}][{_APOS}](?=[{UPPER}]))?(?:[{UPPER}]{LOWER}+(?:\?{LOWER}+)*(?:[{UPPER}]{LOWER}+)*"
             rf"|{CASELESS}+)(?:[{_APOS}-](?!{HONORIFIC_SUFFIX}){LETTER}{LOWER}+)*")

#: One or more letters (as LETTER+), written as runs of either class: Python's regex engine repeats one class
#: in a fast loop but an alternation a character at a time (once a letter is read the pattern cannot fail, so
#: the nesting never backtracks). `_WORDS` reads every word of every chapter with it.
_LETTERS = rf"(?:[^\W{_NOT_LETTER}]+|[{_MARKS}]+)+"
_WORDS = re.compile(rf"{_LETTERS}(?:[{_APOS}-]{_LETTERS})*")
# where a word opening a sentence or a speech starts: its capital says nothing about being a name
_INITIAL_AT = re.compile(r"(?:^|[.!?:;\u2026\"\u201c\u2018\u2014]|--)[\"'\u201c\u201d\u2018\u2019)\s]*")
# ...and the word there, if one is (no word holds a mark that opens such a start, so reading the word with
# the start changes no later start)
_INITIAL_WORD = re.compile(rf"{_INITIAL_AT.pattern}({_WORDS.pattern})?")


def is_capitalised(word: str) -> bool:
    """Whether a word is written as a name is: a capital first letter, or a caseless script."""
    return bool(word) and (word[0].isupper() or unicodedata.category(word[0]) == "Lo")


@dataclass
class WordCounts:
    """How a book writes its words: lower case, capitalised mid-sentence, and whole capitalised runs.

    A word the book mostly writes in lower case ("poor", "soon", "darling") is an ordinary word even when
    it stands capitalised before a name at a sentence start ("Poor Fairweather was amused").
    """

    lower: Counter[str] = field(default_factory=Counter)
    capital_mid: Counter[str] = field(default_factory=Counter)
    runs: Counter[str] = field(default_factory=Counter)  # capitalised runs, title left out ("Tony Last")
    titled: Counter[str] = field(default_factory=Counter)  # runs seen after "Mr.", "Mrs.", "Miss"...: surnames

    def add(self, text: str) -> None:
        """Count the words of one chapter's text."""
        # Counted whole in C, then the capitalised words that open a sentence taken back off: no word runs
        # across such a start (what precedes it is a stop, a quote mark or a space), so each start is one word.
        for w, n in Counter(_WORDS.findall(text)).items():
            if w[0].islower():
                self.lower[w] += n
            elif is_capitalised(w):
                self.capital_mid[w] += n
        for w, n in Counter(_INITIAL_WORD.findall(text)).items():
            if w and not w[0].islower() and is_capitalised(w):
                self.capital_mid[w] -= n
        self.capital_mid += Counter()  # (drops the words that only ever opened sentences, as before)

    def common(self, word: str, min_lower: int) -> bool:
        """Whether the book uses this capitalised word mostly as an ordinary lower-case word."""
        low = self.lower.get(word.lower(), 0)  # (get: a Counter's [] calls its Python __missing__ for a name)
        return low >= min_lower and low > self.capital_mid.get(word, 0)


def count_words(texts: Iterable[str]) -> WordCounts:
    """Word counts over every text of a book."""
    counts = WordCounts()
    for t in texts:
        counts.add(t)
    return counts


def one_letter_apart(a: str, b: str) -> bool:
    """Whether two words differ by one letter added or left out after the first ("Hollins"/"Holins")."""
    if abs(len(a) - len(b)) != 1 or a[:1] != b[:1]:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]
