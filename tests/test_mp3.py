"""MP3s that players trust: an Info frame with a LAME tag, exact length, CBR, every clip where the timeline says.

Read back with tools we did not write: ffmpeg (libavformat, what ffprobe and mpv use) and mutagen.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.mp3 import MP3, BitrateMode
from podcast_book import render_book

from audiobook.audio import xing
from audiobook.audio.assemble import SAMPLE_RATE, Spoken, encode, ffmpeg_exe
from audiobook.audio.loudness import write_wav
from audiobook.audio.timeline import FRAME, build_timeline
from audiobook.model import Clip, Pauses, Segment


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("mp3")
    return root, render_book(root)


def decoded_samples(path: Path) -> np.ndarray:
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a", "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<i2")


def probe(path: Path) -> str:
    """What libavformat says opening the file (ffprobe's and ffmpeg's probing are the same code)."""
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-v", "info", "-i", str(path)],
                          capture_output=True, text=True).stderr


def test_every_chapter_has_an_exact_length_for_ffmpeg_and_mutagen(book) -> None:
    _, report = book
    for chapter in report.chapters:
        info = probe(chapter.path)
        assert "Estimating duration from bitrate" not in info, info
        assert "CRC" not in info.upper().replace("CRCS", ""), info
        m = re.search(r"Duration: (\d\d):(\d\d):(\d\d\.\d\d)", info)
        assert m and abs(float(m.group(3)) + 60 * int(m.group(2)) - chapter.duration_ms / 1000) <= 0.011
        samples = len(decoded_samples(chapter.path))
        frames = chapter.duration_ms * SAMPLE_RATE // 1000
        assert abs(samples - frames) <= SAMPLE_RATE // 1000 + 1  # to the millisecond the report rounds to
        audio = MP3(chapter.path)
        assert audio.info.bitrate_mode == BitrateMode.CBR
        assert audio.info.encoder_info.startswith("LAME")
        assert abs(audio.info.length * SAMPLE_RATE - samples) < FRAME  # within one frame: it is exact
        assert round(audio.info.length * SAMPLE_RATE) == samples


def test_the_info_frame_counts_every_frame_and_byte_and_its_crcs_hold(book) -> None:
    _, report = book
    data = report.chapters[0].path.read_bytes()
    start = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))  # past the ID3v2 tag
    assert data[start:start + 2] == b"\xff\xf3"
    size = xing.frame_size(data[start:start + 4])
    info = data[start:start + size]
    assert info[13:17] == b"Info"
    frames, total = int.from_bytes(info[21:25], "big"), int.from_bytes(info[25:29], "big")
    audio = data[start + size:start + total]
    assert len(audio) == total - size and xing.count_frames(audio) == frames
    lame = info[13 + 120:13 + 120 + 36]
    assert lame[:4] == b"LAME" and lame[9] & 0x0F == 1  # VBR method 1: constant bitrate
    delay, padding = lame[21] << 4 | lame[22] >> 4, (lame[22] & 0x0F) << 8 | lame[23]
    assert (delay, padding) == (576, 576)
    assert int.from_bytes(lame[28:32], "big") == total
    assert int.from_bytes(lame[32:34], "big") == _slow_crc16(audio)
    assert int.from_bytes(lame[34:36], "big") == _slow_crc16(info[:13 + 120 + 34])


def _slow_crc16(data: bytes) -> int:
    """CRC-16/ARC bit by bit, the textbook way (to check the fast one)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@given(st.binary(max_size=5000), st.integers(0, 3))
@settings(max_examples=30, deadline=None)
def test_fast_crc_is_the_textbook_crc_fed_in_any_pieces(data: bytes, cut: int) -> None:
    c = xing.Crc16()
    pieces = [data[:cut * 1000], data[cut * 1000:]]
    for piece in pieces:
        c.update(piece)
    assert c.value == xing.crc16(data) == _slow_crc16(data)


@pytest.fixture(scope="module")
def wav_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wavs")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lengths=st.lists(st.lists(st.integers(2000, 9000), min_size=1, max_size=3), min_size=1, max_size=4),
       lead=st.lists(st.integers(2000, 5000), max_size=2), scenes=st.lists(st.integers(0, 2), min_size=4, max_size=4),
       paras=st.lists(st.integers(0, 3), min_size=4, max_size=4),
       pause=st.tuples(*[st.integers(0, 900)] * 5))
def test_the_decoded_file_is_the_timeline_sample_for_sample(wav_dir: Path, lengths, lead, scenes, paras,
                                                            pause) -> None:
    """Each clip (a tone) is heard where the timeline placed it, and the file is exactly as long."""
    def clip(n: int) -> Clip:
        path = wav_dir / f"{n}.wav"
        if not path.exists():
            t = np.arange(n) / SAMPLE_RATE
            write_wav(path, 0.5 * np.sin(2 * np.pi * 440 * t), SAMPLE_RATE)
        return Clip(path, n, SAMPLE_RATE)

    pauses = Pauses(*pause)
    spoken = [Spoken(Segment("narration", "x", i, i + 1, paragraph=sorted(paras)[i], scene=sorted(scenes)[i]),
                     tuple(clip(n) for n in group)) for i, group in enumerate(lengths)]
    lead_clips = [clip(n) for n in lead]
    dest = wav_dir / "out.mp3"
    duration, cues = encode(spoken, dest, pauses=pauses, lead=lead_clips)
    planned = build_timeline(spoken, pauses, lead_clips)
    assert (duration, cues) == (planned.duration_ms, planned.cues)
    y = decoded_samples(dest).astype(np.float64) / 32768
    assert len(y) == planned.frames
    loud = np.abs(y) > 0.05
    for fragment in planned.fragments:
        for i, (start, c) in enumerate(zip(fragment.clip_starts(), fragment.clips)):
            # The tone is there from its first samples to its last (MP3 smears edges by a few samples)...
            assert loud[start + 32:start + c.frames - 32].mean() > 0.5
            # ...and silence just before it where there is a pause (a fragment's first clip follows one of
            # at least the splice's 52 ms; inside a fragment, the sentence pause).
            if i == 0 or fragment.gap >= 1000:
                assert not loud[max(0, start - 1000):max(0, start - 64)].any()
