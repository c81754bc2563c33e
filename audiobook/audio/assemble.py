"""The assembler: clips and pauses streamed into one MP3 per chapter, never a half-written file."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lameenc

with warnings.catch_warnings():
    # pydub warns at import when no system ffmpeg is on PATH; it reads and makes WAV without one.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

from ..errors import OutputError
from ..model import Clip, Cue, Pauses, Segment

SAMPLE_RATE = 22050


def ffmpeg_exe() -> str:
    """A system ffmpeg when present, else the one the imageio-ffmpeg wheel ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())



@dataclass(frozen=True)
class Spoken:
    """A segment and the clips (one per sentence) that speak it."""

    segment: Segment
    clips: tuple[Clip, ...]


def pause_before(previous: Segment | None, segment: Segment, pauses: Pauses) -> int:
    """Silence before a segment: longest at scene breaks, long between paragraphs, short inside one."""
    if previous is None:
        return 0
    if segment.scene != previous.scene:
        return pauses.scene
    if segment.paragraph != previous.paragraph:
        return pauses.paragraph
    return pauses.clause


def _pcm(clip: Clip) -> bytes:
    audio = AudioSegment.from_wav(str(clip.path))
    if audio.frame_rate != SAMPLE_RATE or audio.channels != 1 or audio.sample_width != 2:
        audio = audio.set_frame_rate(SAMPLE_RATE).set_channels(1).set_sample_width(2)
    return bytes(audio.raw_data)


def _silence(ms: int) -> bytes:
    return AudioSegment.silent(duration=ms, frame_rate=SAMPLE_RATE).set_sample_width(2).raw_data if ms > 0 else b""


def encode(spoken: Sequence[Spoken], dest: Path, *, pauses: Pauses, bitrate: int = 64,
           lead: Sequence[Clip] = ()) -> tuple[int, tuple[Cue, ...]]:
    """Stream `lead` (the chapter title) and every segment's clips with pauses into an MP3 at `dest`.

    Returns the duration in milliseconds and where each segment sits. Memory holds one clip at a
    time, never the whole chapter, and the work is linear in the audio (no repeated concatenation).
    """
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(5)
    frames = 0
    cues: list[Cue] = []

    def ms() -> int:
        return frames * 1000 // SAMPLE_RATE

    try:
        with open(dest, "wb") as out:
            def write(pcm: bytes) -> None:
                nonlocal frames
                if pcm:
                    frames += len(pcm) // 2
                    out.write(encoder.encode(pcm))

            for i, clip in enumerate(lead):
                write(_pcm(clip))
                write(_silence(pauses.title if i == len(lead) - 1 else pauses.sentence))
            previous: Segment | None = None
            for item in spoken:
                write(_silence(pause_before(previous, item.segment, pauses)))
                start = ms()
                for j, clip in enumerate(item.clips):
                    if j:
                        write(_silence(pauses.sentence))
                    write(_pcm(clip))
                cues.append(Cue(item.segment, start, ms()))
                previous = item.segment
            write(_silence(pauses.paragraph))
            out.write(encoder.flush())
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None
    return ms(), tuple(cues)
