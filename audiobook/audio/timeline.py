"""Where every clip and segment will sit in a chapter's audio, known before it is encoded.

`assemble.encode` lays clips and pauses out by a fixed rule and reports the segment cues once it
has written the file. Chapter frames (ID3 CHAP) and loudness levelling need the same times before
the encoder runs (the chapter is tagged inside the worker that encodes it), so this module lays
the chapter out by that same rule from the clips' sample counts; `tests/test_tags.py` checks that
the cues it predicts are exactly the ones `encode` returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Clip, Cue, Pauses, Segment
from .assemble import SAMPLE_RATE, Spoken, pause_before


@dataclass(frozen=True)
class Placement:
    """One clip at its first sample in the chapter; `segment` is None for the spoken title."""

    clip: Clip
    start: int  # sample index at SAMPLE_RATE
    segment: int | None


@dataclass(frozen=True)
class Timeline:
    """A chapter laid out: every clip's position, every segment's cue, the total length."""

    placements: tuple[Placement, ...]
    cues: tuple[Cue, ...]
    frames: int

    @property
    def duration_ms(self) -> int:
        """Length in milliseconds, rounded as `encode` rounds it."""
        return self.frames * 1000 // SAMPLE_RATE


def _silence(ms: int) -> int:
    # pydub's AudioSegment.silent: int(frame_rate * duration / 1000) samples.
    return int(SAMPLE_RATE * (ms / 1000.0)) if ms > 0 else 0


def _frames(clip: Clip) -> int:
    # encode resamples any other rate to SAMPLE_RATE; espeak already speaks at it.
    if clip.sample_rate == SAMPLE_RATE:
        return clip.frames
    return int(round(clip.frames * SAMPLE_RATE / clip.sample_rate))


def layout(spoken: Sequence[Spoken], pauses: Pauses, lead: Sequence[Clip] = ()) -> Timeline:
    """The positions `assemble.encode(spoken, ..., pauses=pauses, lead=lead)` gives its clips."""
    frames = 0
    placed: list[Placement] = []
    cues: list[Cue] = []

    def ms() -> int:
        return frames * 1000 // SAMPLE_RATE

    for i, clip in enumerate(lead):
        placed.append(Placement(clip, frames, None))
        frames += _frames(clip) + _silence(pauses.title if i == len(lead) - 1 else pauses.sentence)
    previous: Segment | None = None
    for index, item in enumerate(spoken):
        frames += _silence(pause_before(previous, item.segment, pauses))
        start = ms()
        for j, clip in enumerate(item.clips):
            if j:
                frames += _silence(pauses.sentence)
            placed.append(Placement(clip, frames, index))
            frames += _frames(clip)
        cues.append(Cue(item.segment, start, ms()))
        previous = item.segment
    frames += _silence(pauses.paragraph)
    return Timeline(tuple(placed), tuple(cues), frames)
