"""Who is present in a scene: the people a conversation of the chapter may be between.

A scene runs from a scene break (a paragraph of ornaments only: "* * *", "#", "~~~", "-o-") or the chapter's
start to the next break. Its participants, up to a point of the text, are the characters the narration has
named in it so far, plus whoever the caller knows took part (speakers decided, people addressed by name).
Places, peoples and roles ("the Magistrate") are never participants: only entities the cast takes for people.
Used by turn-taking and the ranker: a name taken as present is a candidate for the next untagged line.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

from .cast import Cast, Mention

#: A paragraph with no letter or digit at all ("* * *", "#", "~~~"), or a short ornament of o's and x's
#: between symbols ("-o-", "oOo", "xXx").
_ORNAMENT = re.compile(r"[\W_]+|[\W_]*(?:[oOxX0][\W_]*){1,9}")


def is_scene_break(paragraph: str) -> bool:
    """Whether a paragraph's text is a scene break, not story: ornaments only, no words."""
    t = paragraph.strip()
    if not t or '"' in t or "\u201c" in t:
        return False
    return bool(_ORNAMENT.fullmatch(t)) and (not re.search(r"[oOxX0]", t) or len(t) >= 3)


def scene_starts(text: str, paras: Sequence[tuple[int, ...]]) -> list[int]:
    """Where each scene of a chapter starts: the chapter's first paragraph, then the end of every break."""
    starts = [paras[0][0] if paras else 0]
    for p in paras:
        if is_scene_break(text[p[0]:p[1]]):
            starts.append(p[1])
    return starts


class Participants:
    """The scene participants of one chapter, answered by offset into the chapter's text."""

    def __init__(self, text: str, paras: Sequence[tuple[int, ...]], cast: Cast,
                 mentions: Sequence[Mention]) -> None:
        self.cast = cast
        self.starts = scene_starts(text, paras)
        # narration mentions of people only, in text order: a place or a role named is nobody present
        people = [m for m in mentions if not m.in_quote and self._person(m.entity)]
        people.sort(key=lambda m: m.start)
        self._pos = [m.start for m in people]
        self._who = [m.entity for m in people]

    def _person(self, idx: int) -> bool:
        if idx < 0:
            return True  # the first-person narrator, who takes part in conversations
        e = self.cast.entities[idx]
        return not e.thing and not e.role_or_place and (e.descriptive or e.likely_person)

    def scene_start(self, at: int) -> int:
        """Where the scene holding offset `at` starts."""
        return self.starts[max(0, bisect.bisect_right(self.starts, at) - 1)]

    def at(self, pos: int, taking_part: Iterable[tuple[int, int]] = ()) -> frozenset[int]:
        """Who is present at `pos`: named in the scene's narration before it, or in `taking_part` (offset,
        entity) pairs before it in the same scene (speakers decided so far, people addressed by name)."""
        start = self.scene_start(pos)
        lo, hi = bisect.bisect_left(self._pos, start), bisect.bisect_left(self._pos, pos)
        present = set(self._who[lo:hi])
        present |= {idx for p, idx in taking_part if start <= p < pos and (idx < 0 or self._person(idx))}
        return frozenset(present)
