"""Action beats: the he/she who acts in the narration around an untagged speech.

"She turned to the window. "I never said so."": the one who acts just before a speech, in its paragraph or
in a narration paragraph right before it, is most often its speaker, and "she" rules out every man of the
conversation. The ranker reads the pronoun's gender as a feature (whom it agrees with, whom it excludes);
named actors are already mentions with a subject flag.
"""

from __future__ import annotations

import re

from .patterns import _PRONOUN_BODY

#: A sentence whose subject is he or she, or his or her voice, hands, eyes... (`_PRONOUN_BODY`, as the speech tags
#: read "Her voice shook."), then a lowercase word (its verb, or an adverb before it).
_PRONOUN_SUBJECT = re.compile(r"(?:^|(?<=[.!?;:\u2014])|(?<=[.!?]['\"\u201d\u2019]))\s*"
                              r"(?:(?:Then|But|And|Now|So|At\s+last|Suddenly|Presently)\s*,?\s+(?=[hs])|(?=[HS]))"
                              rf"(?:([Hh]e|[Ss]he)|{_PRONOUN_BODY.pattern}\b,?)\s+[a-z]")
_GENDER = {"he": "male", "she": "female", "his": "male", "her": "female"}


def pronoun_subjects(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Each sentence of text[start:end] whose subject is he or she (or his/her voice...): (offset of the pronoun,
    its gender)."""
    chunk = text[start:end]
    out = []
    for m in _PRONOUN_SUBJECT.finditer(chunk):
        group = 1 if m.group(1) else "pron"
        out.append((start + m.start(group), _GENDER[m.group(group).lower()]))
    return out


def last_actor(text: str, start: int, end: int, named: list[int]) -> str | None:
    """The gender of the last he/she sentence subject of text[start:end], unless a named subject (offsets in
    `named`) acts after it: the one who acts last before a speech."""
    found = pronoun_subjects(text, start, end)
    if not found:
        return None
    pos, gender = found[-1]
    return None if any(pos < n < end for n in named) else gender


def first_actor(text: str, start: int, end: int, named: list[int]) -> str | None:
    """The gender of the first he/she sentence subject of text[start:end], unless a named subject acts before
    it: the one who acts first after a speech."""
    found = pronoun_subjects(text, start, end)
    if not found:
        return None
    pos, gender = found[0]
    return None if any(start <= n < pos for n in named) else gender
