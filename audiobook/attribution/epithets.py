"""Epithets: "the blonde", "the taller boy", "the redhead" name a character already in the scene.

Fan fiction calls its people by hair colour or by comparison ("'You're late,' the blonde said", "The older
boy shrugged") far more than novels do. Such a phrase is not a new minor speaker: like "she said", it points
at someone present, of the gender the words give.
"""

from __future__ import annotations

from .patterns import _FEMALE_NOUNS, _MALE_NOUNS

#: Nouns that are epithets by themselves, with the gender the word gives (None: either).
EPITHET_NOUNS: dict[str, str | None] = {
    "blonde": "female", "brunette": "female", "blond": None, "redhead": None, "ginger": None,
}
#: Words that make a plain person noun an epithet: "the older boy", "the raven-haired girl".
EPITHET_WORDS = frozenset("""older younger elder taller shorter smaller bigger larger slimmer stockier
blonde blond brunette redheaded dark-haired fair-haired red-haired black-haired brown-haired white-haired
silver-haired golden-haired raven-haired grey-haired gray-haired pink-haired blue-haired green-haired
blue-eyed green-eyed brown-eyed amber-eyed""".split())
_PERSON = frozenset("""boy girl man woman lad lass guy teen teenager kid""".split())


def epithet(words: list[str]) -> tuple[bool, str | None]:
    """Whether a description's words ("the", "taller", "boy") are an epithet for someone present, and its gender.

    A verb the subject pattern took along ("the taller boy ran") is left off.
    """
    low = [w.lower() for w in words]
    found = _epithet(low)
    return found if found[0] or len(low) < 3 else _epithet(low[:-1])


def _epithet(low: list[str]) -> tuple[bool, str | None]:
    if not low or low[0] != "the" or len(low) > 4:
        return False, None
    head = low[-1]
    if len(low) == 2 and head in EPITHET_NOUNS:
        return True, EPITHET_NOUNS[head]
    if head in _PERSON and any(w in EPITHET_WORDS for w in low[1:-1]):
        gender = "male" if head in _MALE_NOUNS or head == "guy" else "female" if head in _FEMALE_NOUNS else None
        return True, gender
    return False, None
