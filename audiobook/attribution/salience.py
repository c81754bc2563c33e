"""The salience model of "he said"/"she said": the features of each possible referent, and where fitting records them.

A pronoun tag's candidates are the people the narration named within `RESOLVE.far_span` paragraphs, the
speakers of the conversation so far and the head of the narration's "he"/"she" chain; each gets the feature
vector below, and the referent is the candidate with the highest weighted sum (`RESOLVE.pronoun_weights`,
fitted as a conditional logit on the open training novels by `bench/fit_pronouns.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import mul

#: One number per candidate, in this order (the weights' order too).
FEATURES: tuple[str, ...] = (
    "near",  # narration salience within near_span paragraphs (recency, subject, last, later in the paragraph) / 4
    "far_only",  # named only further back (within far_span paragraphs)
    "conversation",  # the conversation's expectation (alternation, addressed just before) / 2
    "run_speaker",  # spoke earlier in this conversation, however far back
    "ungendered",  # the cast knows no gender for them
    "chain_head",  # the last person of the pronoun's gender the narration made a sentence's subject by name...
    "chain_length",  # ...and the share of chain_cap sentences since that went on with "He ..."/"She ..."
    "object_of_pronoun",  # named after a "He"/"She" subject of their own sentence (so not that "he")
    "addressed",  # called by name in this speech or named as the one spoken to
    "mentions",  # log(1 + mentions in the book) / 5
    "tagged",  # speaks by name (a speech tag) somewhere in the book
    "previous_turn",  # spoke the turn just before
    "two_turns_back",  # spoke two turns before (alternation)
    "same_paragraph",  # named in the narration of the speech's own paragraph
    "nearest_of_gender",  # the last person of the pronoun's gender (known) the narration named before the tag...
    "second_of_gender",  # ...the one before that
    "nearest_any",  # the last person of any or no known gender named before the tag
    "closeness",  # 1 / (1 + characters from its last narration mention to the tag / 400)
    "named_in_speech",  # named inside this speech (not called: talked about, so rarely the speaker)
    "named_in_previous",  # named inside the previous turn's speech (talked about or to: often who answers)
    "spoken_to_before",  # the one the previous turn's tag says was spoken to ("said Hollis to her")
    "subject_of_gender",  # the last person of the pronoun's gender the narration made a clause's subject
    "hand_pick",  # the hand-weighted rules' pick (recency, gender, conversation: `Resolver._resolve_ref`)
    "in_tag_clause",  # named in the tag's own clause ("he asked over Bram's shoulder"): an object, not the "he"
)


@dataclass(frozen=True)
class Sample:
    """One pronoun tag as fitting sees it: the quotation's offsets in its file, candidates and their rows."""

    start: int
    end: int
    names: tuple[str, ...]
    rows: tuple[tuple[float, ...], ...]
    legacy: str  # the hand-weighted rules' pick ("" for none), for comparison


_sinks: list[Callable[[Sample], None]] = []


def recorder() -> Callable[[Sample], None] | None:
    """Where every pronoun tag's candidates go while `recording` (bench only)."""
    return _sinks[-1] if _sinks else None


@contextmanager
def recording(sink: Callable[[Sample], None]) -> Iterator[None]:
    """Hand every pronoun tag's candidates and features to `sink` while the block runs (for fitting)."""
    _sinks.append(sink)
    try:
        yield
    finally:
        _sinks.pop()


def score(weights: tuple[float, ...], row: tuple[float, ...]) -> float:
    """A candidate's salience: the weighted sum of its features."""
    total: float = sum(map(mul, weights, row))  # (the same products summed in the same order, no generator)
    return total
