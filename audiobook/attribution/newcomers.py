"""Unnamed people the narration brings in by a description: "A woman in a yellow raincoat stood up."

Fan fiction and modern prose bring in minor speakers this way ("The landlord, a heavy man, looked up. 'Not a
bed left,' he said."). Without a mention of their own, "he said" and the action beat before a line go to
the last named man. Each newcomer becomes one descriptive character ("the landlord", "the woman") whose
mentions are the introduction and the definite descriptions that follow it in the same scene.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..model import Gender
from .names import LOWER, LOWER_HYPHEN
from .patterns import _CLAUSE_VERB, _FEMALE_NOUNS, _MALE_NOUNS

#: People's roles a story names its extras by, with the gender the word itself gives (None: either).
ROLE_NOUNS: dict[str, Gender | None] = {
    **{w: "male" for w in """landlord waiter barman policeman fisherman boatman ferryman coachman footman butler
       doorman watchman postman milkman salesman chairman workman monk prince wizard""".split()},
    **{w: "female" for w in """landlady waitress barmaid shopgirl princess witch""".split()},
    **{w: None for w in """innkeeper shopkeeper clerk guard soldier officer constable nurse doctor driver porter
       servant cook gardener teacher student kid bartender merchant farmer sailor guide messenger receptionist
       janitor librarian stranger traveller traveler visitor newcomer cashier vendor courier attendant
       secretary priest vicar""".split()},
}
#: Plain words for a person that may also bring one in ("A girl with a broom was sweeping the steps").
PLAIN_PEOPLE = frozenset("""man woman girl boy child lad lass youth gentleman lady fellow""".split())
_HEADS = "|".join(sorted(set(ROLE_NOUNS) | PLAIN_PEOPLE | {"old man", "old woman"}, key=len, reverse=True))
#: A sentence opening with an unnamed person as its subject: "A tall woman in a raincoat stood up",
#: "The landlord, a heavy man, looked up" (up to three describing words before the noun).
_INTRO = re.compile(rf"(?P<det>An?|The)\s+(?P<adj>(?:{LOWER_HYPHEN}+\s+){{0,3}}?)(?P<head>{_HEADS})(?![\w'\u2019-])")
#: ...or after a clause that opens the sentence: "When the smoke cleared, a tall man with silver hair stood there".
_INTRO_AFTER_CLAUSE = re.compile(
    rf"(?:When|As|Then|Suddenly|Just\s+then|At\s+that\s+moment|Moments\s+later|A\s+moment\s+later|Behind\s+"
    rf"(?:him|her|them|us|me)|Outside|Inside)\b[^.!?\"\u201c\u201d]{{0,80}}?,\s+(?P<det>an?)\s+"
    rf"(?P<adj>(?:{LOWER_HYPHEN}+\s+){{0,3}}?)(?P<head>{_HEADS})(?![\w'\u2019-])")
#: What a subject may be followed by: a verb, an apposition, or a phrase saying which one.
_AFTER_SUBJECT = re.compile(r",|\s+(?:with|in|of|from|at|behind|near|by|who|whose|wearing|holding|carrying)\s")
#: A later "the landlord", "the woman", "the silver-haired man" anywhere in the narration (not "the other man").
_LOOKS = (rf"(?:{LOWER}+-{LOWER}+|tall|short|old|young|little|big|fat|thin|bald|bearded|masked|hooded|blonde?|grey|"
          r"gray|strange|smiling)")
_DEFINITE = re.compile(rf"\b[Tt]he\s+(?:{_LOOKS}\s+){{0,2}}?(?P<head>{_HEADS})(?![\w'\u2019-])")
#: A person noun set in apposition after the subject: "The landlord, a heavy man with ..., looked up".
_APPOSITION = re.compile(rf",\s*an?\s+(?:{LOWER_HYPHEN}+\s+){{0,3}}?(?P<noun>{LOWER}+)")
_PRONOUNS = re.compile(r"\b(?:she|her|he|his|him)\b", re.IGNORECASE)
#: The next sentence names who it was: "A man came up the lane. It was Rolf." (no newcomer, then).
_NAMED_NEXT = re.compile(r"[^.!?]*[.!?]\s+(?:It|This|That|He|She)\s+(?:was|is)\s+(?:none\s+other\s+than\s+|only\s+)?"
                         r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+)?[A-Z]")
#: Where a sentence may start: a paragraph's or narration part's start, or after a full stop.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019]?\s+$")


@dataclass(frozen=True)
class Newcomer:
    """One spot where an unnamed person is mentioned: their name ("the old gentleman"), the plain one ("the
    gentleman"), gender, and whether the spot is a clause's subject."""

    start: int
    end: int
    phrase: str
    plain: str
    gender: Gender | None
    subject: bool


def _opens_sentence(text: str, pos: int, part_start: int) -> bool:
    """Whether pos starts a sentence of the narration part that begins at part_start."""
    if not text[part_start:pos].strip():
        return True
    return bool(_SENTENCE_END.search(text, max(part_start, pos - 4), pos))


def _gender(text: str, m: re.Match[str]) -> Gender | None:
    """The newcomer's gender: from the noun, a noun in apposition, or the pronouns of the rest of the sentence."""
    head = m.group("head").split()[-1]
    if head in _MALE_NOUNS or ROLE_NOUNS.get(head) == "male":
        return "male"
    if head in _FEMALE_NOUNS or ROLE_NOUNS.get(head) == "female":
        return "female"
    app = _APPOSITION.match(text, m.end())
    if app is not None:
        noun = app.group("noun")
        if noun in _MALE_NOUNS:
            return "male"
        if noun in _FEMALE_NOUNS:
            return "female"
    tail = text[m.end():m.end() + 160]
    cut = re.search(r"[.!?]\s+[\"'\u201c\u2018]", tail)  # this sentence and the next, not the speech after
    words = [w.lower() for w in _PRONOUNS.findall(tail[:cut.start()] if cut else tail)]
    she = sum(w in ("she", "her") for w in words)
    he = len(words) - she
    if she > he * 2:
        return "female"
    if he > she * 2:
        return "male"
    return None


def newcomers(text: str, narration: Sequence[tuple[int, int]], scene_of: Callable[[int], int],
              known_heads: frozenset[str]) -> list[Newcomer]:
    """Every introduction of an unnamed person as a sentence's subject, and the definite mentions after it.

    known_heads are role nouns the book has already set beside a name ("Mr. Pell, the landlord"): those
    belong to that character, not to a newcomer. A definite subject ("The waiter brought the bill") brings
    in a role noun, never a plain word ("The girl laughed" is most often someone already named).
    """
    out: list[Newcomer] = []
    live: dict[str, tuple[int, Gender | None, str]] = {}  # head -> (scene, gender, name) of its newcomer so far
    for s, e in narration:
        taken: set[int] = set()
        for m in _intros(text, s, e):
            head = m.group("head")
            plain = head.split()[-1] in PLAIN_PEOPLE
            if head in known_heads or not _opens_sentence(text, m.start(), s):
                continue
            if m.group("det") == "The" and (plain or head in live and live[head][0] == scene_of(m.start())):
                continue  # a definite mention: counted below, if someone was brought in
            if not (_CLAUSE_VERB.match(text, m.end()) or _AFTER_SUBJECT.match(text, m.end())):
                continue
            if _NAMED_NEXT.match(text, m.end(), e):
                continue  # "It was Rolf": someone the story names at once
            live[head] = (scene_of(m.start()), _gender(text, m), " ".join(["the", *m.group("adj").split(), head]))
            out.append(Newcomer(m.start("det"), m.end(), live[head][2], "the " + head, live[head][1], True))
            taken.add(m.start("det"))
        for m in _DEFINITE.finditer(text, s, e) if live else ():  # (nobody brought in yet: nothing to find)
            head = m.group("head")
            if m.start() in taken or head not in live or live[head][0] != scene_of(m.start()):
                continue
            subject = _opens_sentence(text, m.start(), s) and bool(_CLAUSE_VERB.match(text, m.end()))
            out.append(Newcomer(m.start(), m.end(), live[head][2], "the " + head, live[head][1], subject))
    return out


def _intros(text: str, s: int, e: int) -> list[re.Match[str]]:
    """Every candidate introduction in text[s:e], in order: at a sentence's start or after its opening clause."""
    return sorted([*_INTRO.finditer(text, s, e), *_INTRO_AFTER_CLAUSE.finditer(text, s, e)], key=lambda m: m.start())
