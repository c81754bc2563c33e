"""The one placement of a chapter's audio: which clips go in which independently encoded piece, and where.

A chapter is encoded as *fragments*: the spoken title, then each segment, each with the pause that
follows it. Every fragment is its own MP3 stream (no bit reservoir reaches across a splice), cached by
content, so a re-render encodes only the fragments whose clips changed and splices the rest.

An independently encoded fragment of `n` samples decodes to `n + SPLICE` samples once the stream is
joined to the next one: LAME's 576-sample delay plus the decoder's 529 land in the silence after the
previous fragment, and its flush adds the rest. Each fragment's PCM is a whole number of MP3 frames
long (its trailing silence is rounded to make it so), so `n + SPLICE` is exact and every fragment
starts at a sample position known before anything is encoded: cues, ID3 chapter frames, subtitles
and the MP3's own Info frame all come from this layout, and the encoder consumes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..model import NARRATOR, Clip, Cue, Pauses, Segment

SAMPLE_RATE = 22050
#: Samples per MPEG-2 layer III frame (22.05 kHz).
FRAME = 576
#: What an independently encoded fragment adds after its PCM in the joined stream: two frames.
SPLICE = 2 * FRAME
#: The group of the narrator's voice (narration and the spoken chapter title), for levelling.
NARRATION = "narration"


@dataclass(frozen=True)
class Spoken:
    """A segment and the clips that speak it, one group of clips per sentence of its text."""

    segment: Segment
    clips: tuple[Clip, ...]
    #: (sentence text, how many of `clips` speak it) in order; empty: the whole text is one sentence.
    sentences: tuple[tuple[str, int], ...] = ()


def pause_before(previous: Segment | None, segment: Segment, pauses: Pauses) -> int:
    """Silence before a segment (ms): longest at scene breaks, long between paragraphs, short inside one."""
    if previous is None:
        return 0
    if segment.scene != previous.scene:
        return pauses.scene
    if segment.paragraph != previous.paragraph:
        return pauses.paragraph
    return pauses.clause


def voice_group(segment: Segment) -> str:
    """Which voice a segment is spoken in, for levelling: `narration` or `speaker:<name>`."""
    if segment.kind == "narration" or segment.speaker == NARRATOR:
        return NARRATION
    return f"speaker:{segment.speaker or ''}"


def samples(ms: int) -> int:
    """Samples in `ms` milliseconds of silence at SAMPLE_RATE."""
    return int(SAMPLE_RATE * (ms / 1000.0)) if ms > 0 else 0


def clip_frames(clip: Clip) -> int:
    """A clip's length at SAMPLE_RATE (clips at other rates are resampled when encoded)."""
    if clip.sample_rate == SAMPLE_RATE:
        return clip.frames
    return int(round(clip.frames * SAMPLE_RATE / clip.sample_rate))


@dataclass(frozen=True)
class Fragment:
    """One independently encoded piece: clips with `gap` samples between them, then `tail` of silence."""

    clips: tuple[Clip, ...]
    gap: int  # samples of silence between two clips (the sentence pause)
    tail: int  # samples of silence after the last clip
    group: str  # voice group, for levelling
    segment: int | None  # index into the chapter's segments; None for the spoken title
    start: int  # first sample in the chapter

    @property
    def speech(self) -> int:
        """Samples from the first clip's start to the last clip's end."""
        return sum(clip_frames(c) for c in self.clips) + self.gap * max(0, len(self.clips) - 1)

    @property
    def length(self) -> int:
        """Samples of PCM given to the encoder (a whole number of frames)."""
        return self.speech + self.tail

    @property
    def mp3_frames(self) -> int:
        """MP3 frames the encoder writes for it."""
        return (self.length + SPLICE) // FRAME

    def clip_starts(self) -> list[int]:
        """Where each clip starts, in samples from the chapter's start."""
        out, at = [], self.start
        for clip in self.clips:
            out.append(at)
            at += clip_frames(clip) + self.gap
        return out


def _tail(speech: int, pause_ms: int) -> int:
    # The pause heard is tail + SPLICE: round it to the nearest length that makes whole frames.
    want = speech + samples(pause_ms) - SPLICE
    length = max(-(-speech // FRAME) * FRAME, int(round(want / FRAME)) * FRAME)
    return length - speech


@dataclass(frozen=True)
class Timeline:
    """A chapter laid out: its fragments, every segment's cue, every sentence's caption, the total length."""

    fragments: tuple[Fragment, ...]
    cues: tuple[Cue, ...]
    captions: tuple[Cue, ...]  # a cue per sentence (the title's first), with its text
    frames: int  # samples, as a gapless player plays them

    @property
    def duration_ms(self) -> int:
        """Length in milliseconds (rounded down)."""
        return self.frames * 1000 // SAMPLE_RATE

    @property
    def mp3_frames(self) -> int:
        """MP3 frames of audio in the chapter file (the Info frame not counted)."""
        return sum(f.mp3_frames for f in self.fragments)


def _ms(sample: int) -> int:
    return sample * 1000 // SAMPLE_RATE


def build_timeline(spoken: Sequence[Spoken], pauses: Pauses, lead: Sequence[Clip] = (), title: str = "") -> Timeline:
    """Place the title (`lead`, read by the narrator) and every segment's clips, each segment a fragment."""
    gap = samples(pauses.sentence)
    fragments: list[Fragment] = []
    cues: list[Cue] = []
    captions: list[Cue] = []
    at = 0

    def add(clips: tuple[Clip, ...], pause_ms: int, group: str, index: int | None) -> Fragment:
        nonlocal at
        speech = sum(clip_frames(c) for c in clips) + gap * max(0, len(clips) - 1)
        fragment = Fragment(clips, gap, _tail(speech, pause_ms), group, index, at)
        fragments.append(fragment)
        at += fragment.length + SPLICE
        return fragment

    if lead:
        f = add(tuple(lead), pauses.title, NARRATION, None)
        captions.append(Cue(Segment("narration", title, 0, len(title)), 0, _ms(f.start + f.speech), text=title))
    voiced = [i for i, s in enumerate(spoken) if s.clips]
    for n, i in enumerate(voiced):
        item = spoken[i]
        following = spoken[voiced[n + 1]].segment if n + 1 < len(voiced) else None
        pause = pauses.paragraph if following is None else pause_before(item.segment, following, pauses)
        f = add(item.clips, pause, voice_group(item.segment), i)
        captions += _sentence_cues(item, f)
    if not fragments:  # nothing to say at all: a moment of silence, still a valid MP3
        add((), pauses.paragraph, NARRATION, None)
    # A segment with nothing to say (no clips) sits, zero-length, where the next one starts.
    starts = {f.segment: f for f in fragments if f.segment is not None}
    end = at - SPLICE if fragments else 0
    for i, item in enumerate(spoken):
        placed = starts.get(i)
        if placed is not None:
            cues.append(Cue(item.segment, _ms(placed.start), _ms(placed.start + placed.speech)))
        else:
            nxt = next((starts[j].start for j in range(i + 1, len(spoken)) if j in starts), end)
            cues.append(Cue(item.segment, _ms(nxt), _ms(nxt)))
    return Timeline(tuple(fragments), tuple(cues), tuple(captions), end)


def _sentence_cues(item: Spoken, fragment: Fragment) -> list[Cue]:
    """A caption per sentence of the segment, from its first clip's start to its last clip's end."""
    sentences = item.sentences or ((item.segment.text, len(item.clips)),)
    starts = fragment.clip_starts()
    out: list[Cue] = []
    k, carried = 0, ""
    for text, n in sentences:
        if n <= 0:  # a sentence with nothing to say ("..."): shown with its neighbour
            if out:
                out[-1] = replace(out[-1], text=f"{out[-1].text} {text}")
            else:
                carried = f"{carried} {text}".strip()
            continue
        first, last = k, k + n - 1
        end = starts[last] + clip_frames(fragment.clips[last])
        out.append(Cue(item.segment, _ms(starts[first]), _ms(end), text=f"{carried} {text}".strip()))
        carried = ""
        k += n
    return out
