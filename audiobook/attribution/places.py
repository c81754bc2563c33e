"""Place cues: which capitalised words name places and peoples rather than characters.

General English cues only (prepositions of place, demonym endings, a lost letter inside a word), never
lists of particular names: "went to Carrowmore", "the Carrowmorean" and "in Carrowmore" say the word is a
place whatever book it is in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .firstnames import first_name_gender

#: Endings that make a people or a language of a place: "Velandia" -> "Velandian", "Ostrava" -> "Ostravan",
#: "Corvo" -> "Corvese", "Tarn" -> "Tarnish", "Kelmar" -> "Kelmari".
_DEMONYM_ENDINGS = ("n", "an", "ian", "ese", "ish", "i")


def _demonym_bases(word: str) -> Iterable[str]:
    """The place names a word could be the people of: "Velandian" -> "Velandia", "Velandi", "Velandy"."""
    for end in _DEMONYM_ENDINGS:
        if word.endswith(end) and len(word) - len(end) >= 3:
            base = word[:-len(end)]
            yield base
            if end == "ian":
                yield base + "y"  # "Italy" -> "Italian"
                yield base + "ia"


def peoples_and_places(words: Iterable[str]) -> set[str]:
    """The single capitalised words that are a place and its people, both seen in the book.

    "Velandia" beside "Velandian": neither is a character. Common given names are left out, since
    "Julia" and "Julian" are two people, not a country and its people.
    """
    pool = {w for w in words if " " not in w and first_name_gender(w) is None}
    out: set[str] = set()
    for w in pool:
        for base in _demonym_bases(w):
            if base in pool and base != w:
                out |= {w, base}
    return out


_QUESTION_END = re.compile(r"\?[\s\"'\u201d\u2019)]*$")


def answers_with_a_name(prev_quote: str, name_and_stop: str, rest: str) -> bool:
    """A quote that is one name and a full stop, right after a question, answers it: "Going far?" -
    "Carrowmore." names a place (or a person) and calls no one."""
    return bool(_QUESTION_END.search(prev_quote)) and name_and_stop.rstrip().endswith(".") \
        and not re.search(r"[^\W\d_]", rest)
