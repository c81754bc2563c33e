"""Action beats: the he/she who acts in the narration around an untagged speech.

"She turned to the window. "I never said so."": the one who acts just before a speech, in its paragraph or
in a narration paragraph right before it, is most often its speaker, and "she" rules out every man of the
conversation. The ranker reads the pronoun's gender as a feature (whom it agrees with, whom it excludes);
named actors are already mentions with a subject flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .patterns import _PRONOUN_BODY

#: A sentence whose subject is he or she, or his or her voice, hands, eyes... (`_PRONOUN_BODY`, as the speech tags
#: read "Her voice shook."), then a lowercase word (its verb, or an adverb before it): from where the sentence opens.
_PRONOUN_SUBJECT = re.compile(r"\s*(?:(?:Then|But|And|Now|So|At\s+last|Suddenly|Presently)\s*,?\s+(?=[hs])|(?=[HS]))"
                              rf"(?:([Hh]e|[Ss]he)|{_PRONOUN_BODY.pattern}\b,?)\s+[a-z]")
#: Where such a sentence may open: after a stop, a colon or a dash, or after a full stop, "!" or "?" and a closing
#: quote mark (and at the text's start).
_OPENING = re.compile(r"[.!?;:\u2014]['\"\u201d\u2019]?")
_GENDER = {"he": "male", "she": "female", "his": "male", "her": "female"}


def _openings(chunk: str) -> Iterator[int]:
    """Every place in chunk a sentence may open, in order (the subject pattern is matched there only: searched
    for, it was tried at every character)."""
    yield 0
    for m in _OPENING.finditer(chunk):
        yield m.start() + 1
        if m.end() > m.start() + 1 and chunk[m.start()] in ".!?":
            yield m.end()


def pronoun_subjects(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Each sentence of text[start:end] whose subject is he or she (or his/her voice...): (offset of the pronoun,
    its gender)."""
    chunk = text[start:end]
    out = []
    pos = 0  # (where the last subject read ends: the next is after it)
    for at in _openings(chunk):
        m = _PRONOUN_SUBJECT.match(chunk, at) if at >= pos else None
        if m is not None:
            group = 1 if m.group(1) else "pron"
            out.append((start + m.start(group), _GENDER[m.group(group).lower()]))
            pos = m.end()
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
