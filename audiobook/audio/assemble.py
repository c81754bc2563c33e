"""The encoder: each fragment of a chapter's timeline into MP3 frames, spliced into one file behind an Info frame.

Fragments (see `timeline`) are encoded independently, each by a fresh LAME stream, so they can be cached
by content and encoded in any process in any order: the file is the same bytes whatever the number of
workers or the state of the cache. Levelling happens here, clip by clip, as the PCM is made: each
voice's gain, then the true-peak limiter where a clip needs it (`loudness.level`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import warnings
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path

import lameenc
import numpy as np

from ..errors import OutputError
from ..model import Clip, Cue, Pauses
from . import xing
from .timeline import FRAME, SAMPLE_RATE, Fragment, Spoken, Timeline, build_timeline, pause_before

__all__ = ["SAMPLE_RATE", "Spoken", "pause_before", "encode", "encode_fragment", "write_mp3", "ffmpeg_exe",
           "fragment_key", "FragmentStore", "ENCODER_VERSION", "LAME_QUALITY"]

#: Bump when the bytes an encoded fragment or the file around it could change (not when code moves):
#: fragment keys and chapter fingerprints include it, so cached fragments and kept chapters are redone.
ENCODER_VERSION = 1
#: LAME's quality setting: 7 ("fast") encodes about twice as fast as the default 5 at 64 kbit/s mono
#: speech and scores no worse on wideband PESQ (bench/lame_quality.py prints the comparison).
LAME_QUALITY = 7


def ffmpeg_exe() -> str:
    """A system ffmpeg when present, else the one the imageio-ffmpeg wheel ships."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def _lame_version() -> str:
    with contextlib.suppress(metadata.PackageNotFoundError):
        return metadata.version("lameenc")
    return "unknown"


def fragment_key(fragment: Fragment, bitrate: int, gain_db: float | None) -> str:
    """Content address of an encoded fragment: its clips (named by content), silences, gain and the encoder."""
    from .loudness import LEVELLING_VERSION

    blob = json.dumps({"encoder": ENCODER_VERSION, "levelling": LEVELLING_VERSION if gain_db is not None else None,
                       "lame": _lame_version(), "quality": LAME_QUALITY, "bitrate": bitrate,
                       "clips": [c.path.name for c in fragment.clips], "gap": fragment.gap, "tail": fragment.tail,
                       "gain": None if gain_db is None else f"{gain_db:.2f}"}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _read_clip(clip: Clip) -> np.ndarray:
    """A clip as int16 samples at SAMPLE_RATE, mono."""
    import wave

    try:
        with wave.open(str(clip.path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise OutputError(f"cannot read clip {clip.path}: {exc}") from None
    if width == 2 and channels == 1 and rate == SAMPLE_RATE:
        return np.frombuffer(raw, dtype="<i2")
    with warnings.catch_warnings():
        # pydub warns at import when no system ffmpeg is on PATH; it resamples WAV without one.
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment

    audio = AudioSegment.from_wav(str(clip.path)).set_frame_rate(SAMPLE_RATE).set_channels(1).set_sample_width(2)
    return np.frombuffer(audio.raw_data, dtype="<i2")


def fragment_pcm(fragment: Fragment, gain_db: float | None, analyses: Path | None = None) -> bytes:
    """The fragment's PCM (16-bit mono): each clip levelled by `gain_db` (None: as synthesised), silences between."""
    from .loudness import level

    parts: list[bytes] = []
    silence = bytes(2 * fragment.gap)
    for i, clip in enumerate(fragment.clips):
        if i:
            parts.append(silence)
        pcm = _read_clip(clip)
        if gain_db is not None:
            pcm = level(pcm, clip, gain_db, analyses)
        parts.append(pcm.astype("<i2").tobytes())
    parts.append(bytes(2 * fragment.tail))
    return b"".join(parts)


def _encoder(bitrate: int) -> lameenc.Encoder:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(bitrate)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    return encoder


def encode_fragment(fragment: Fragment, bitrate: int, gain_db: float | None, analyses: Path | None = None) -> bytes:
    """The fragment as a complete MP3 stream of exactly `fragment.mp3_frames` frames."""
    encoder = _encoder(bitrate)
    data = bytes(encoder.encode(fragment_pcm(fragment, gain_db, analyses))) + bytes(encoder.flush())
    got = xing.count_frames(data)
    if got != fragment.mp3_frames:  # the timeline's splice arithmetic would be wrong: never write such a file
        raise OutputError(f"the MP3 encoder wrote {got} frames for {fragment.length} samples, expected "
                          f"{fragment.mp3_frames} (lameenc {_lame_version()} is not supported)")
    return data


class FragmentStore:
    """Encoded fragments on disk, named by content (`fragment_key`): `<root>/fragments/<2 hex>/<key>.mp3`."""

    FOLDER = "fragments"

    def __init__(self, root: Path) -> None:
        self.root = root / self.FOLDER

    def path(self, key: str) -> Path:
        """Where the fragment with this key lives."""
        return self.root / key[:2] / f"{key}.mp3"

    def has(self, key: str) -> bool:
        """Whether the fragment is there (a hit counts as a use for eviction)."""
        path = self.path(key)
        try:
            os.utime(path)
        except OSError:
            return False
        return True

    def put(self, key: str, data: bytes) -> None:
        """Store a fragment atomically (a concurrent render storing the same one is harmless)."""
        from .cache import put_file

        try:
            put_file(self.path(key), data)
        except OSError as exc:
            raise OutputError(f"cannot write to the cache {self.root}: {exc.strerror or exc}") from None

    def get(self, key: str) -> bytes:
        """The fragment's bytes."""
        try:
            return self.path(key).read_bytes()
        except OSError as exc:
            raise OutputError(f"the cached fragment {self.path(key)} is gone: {exc.strerror or exc}") from None


def write_mp3(dest: Path, timeline: Timeline, fragments: Iterator[bytes], *, append: bool = False) -> None:
    """Write the Info frame then every fragment's frames (in timeline order) to `dest` (after what it holds,
    with `append`: the ID3 tag written first, so the file is never rewritten to make room for it)."""
    crc = xing.Crc16()
    size = 0
    first = b""
    with open(dest, "r+b" if append else "wb") as out:
        out.seek(0, 2)
        start = out.tell()
        for data in fragments:
            if not first:  # the Info frame's size follows the stream's bitrate: leave room for it
                first = data[:4]
                out.write(bytes(len(xing.info_frame(first, 0, 0, 0, 0))))
            crc.update(data)
            size += len(data)
            out.write(data)
        if not first:
            raise OutputError(f"{dest}: nothing to encode")
        # A gapless decoder drops the encoder delay at the start and, at the end, the last fragment's
        # flush: the file then plays exactly `timeline.frames` samples.
        padding = timeline.mp3_frames * FRAME - xing.ENCODER_DELAY - timeline.frames
        out.seek(start)
        out.write(xing.info_frame(first, timeline.mp3_frames, size, crc.value, padding))


def encode_timeline(timeline: Timeline, dest: Path, *, bitrate: int = 64,
                    gains: Mapping[str, float] | None = None, analyses: Path | None = None) -> None:
    """Encode every fragment of `timeline` in this process and write the MP3 (no cache)."""
    def pieces() -> Iterator[bytes]:
        for f in timeline.fragments:
            yield encode_fragment(f, bitrate, None if gains is None else gains.get(f.group, 0.0), analyses)

    try:
        write_mp3(dest, timeline, pieces())
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc.strerror or exc}") from None


def encode(spoken: Sequence[Spoken], dest: Path, *, pauses: Pauses, bitrate: int = 64,
           lead: Sequence[Clip] = ()) -> tuple[int, tuple[Cue, ...]]:
    """Lay out `lead` (the chapter title) and every segment's clips, encode them unlevelled into `dest`.

    Returns the duration in milliseconds and where each segment sits.
    """
    timeline = build_timeline(spoken, pauses, lead)
    encode_timeline(timeline, dest, bitrate=bitrate)
    return timeline.duration_ms, timeline.cues
