"""Loudness: rendered chapters at -16 LUFS / -1 dBTP by pyloudnorm's meter, voices level with each other."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import lameenc
import numpy as np
import pyloudnorm
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from podcast_book import render_book

from audiobook.audio import loudness
from audiobook.audio.assemble import LAME_QUALITY, SAMPLE_RATE, ffmpeg_exe
from audiobook.audio.loudness import (
    ENCODER_GAIN_DB,
    LIMIT_DBTP,
    TARGET_LUFS,
    TRUE_PEAK_DBTP,
    block_energies,
    decode,
    gated_loudness,
    limit,
    measure_file,
    true_peak,
)

RATE = SAMPLE_RATE


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("loud")
    return root, render_book(root)


def test_every_chapter_is_at_minus_16_lufs_and_under_minus_1_dbtp(book) -> None:
    _, report = book
    for chapter in report.chapters:
        m = measure_file(chapter.path)
        assert abs(m.lufs - TARGET_LUFS) <= 1.0, (chapter.path.name, m)
        assert m.true_peak_dbtp <= TRUE_PEAK_DBTP, (chapter.path.name, m)


def test_no_character_is_quieter_than_the_narrator(book) -> None:
    _, report = book
    meter = pyloudnorm.Meter(RATE)
    for chapter in report.chapters:
        samples, rate = decode(chapter.path, RATE)
        per_voice: dict[str, list[np.ndarray]] = {}
        for cue in chapter.cues:
            who = cue.segment.speaker if cue.segment.kind == "dialogue" else "narration"
            per_voice.setdefault(who or "?", []).append(samples[cue.start_ms * rate // 1000:cue.end_ms * rate // 1000])
        loud = {who: meter.integrated_loudness(np.concatenate(parts + [np.zeros(rate // 2)]))
                for who, parts in per_voice.items()}
        assert {"narration", "Souta", "Hana"} <= loud.keys()
        for lufs in loud.values():
            # Short lines measure a little apart (few gating blocks), but none is left quieter.
            assert lufs >= loud["narration"] - 1.5, (chapter.path.name, loud)


def test_rerender_keeps_the_chapters_and_measures_nothing(book, monkeypatch: pytest.MonkeyPatch) -> None:
    root, report = book
    before = {c.path: c.path.stat().st_mtime_ns for c in report.chapters}
    calls: list[int] = []
    real = loudness.analyse
    monkeypatch.setattr(loudness, "analyse", lambda *a, **k: calls.append(1) or real(*a, **k))
    from audiobook.audio import assemble

    monkeypatch.setattr(assemble, "fragment_pcm", lambda *a, **k: calls.append(2))
    again = render_book(root)
    assert calls == []  # measurements came from the cache, and no fragment was levelled or encoded again
    assert {c.path: c.path.stat().st_mtime_ns for c in again.chapters} == before


def test_lame_gain_constant_matches_the_encoder() -> None:
    t = np.arange(RATE * 3) / RATE
    x = 0.3 * np.sin(2 * np.pi * 440 * t)
    enc = lameenc.Encoder()
    enc.set_bit_rate(64)
    enc.set_in_sample_rate(RATE)
    enc.set_channels(1)
    enc.set_quality(LAME_QUALITY)
    mp3 = enc.encode((x * 32767).astype("<i2").tobytes()) + enc.flush()
    y = np.frombuffer(subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "mp3", "-i", "-", "-f", "f32le", "-"],
                                     input=mp3, capture_output=True, check=True).stdout, dtype=np.float32)
    gain = 20 * np.log10(np.sqrt(np.mean(y[RATE // 2:-RATE // 2] ** 2)) / np.sqrt(np.mean(x ** 2)))
    assert abs(gain - ENCODER_GAIN_DB) < 0.05


def _speechlike(seed: int, seconds: float) -> np.ndarray:
    """Noise bursts of varying level with gaps: something gating has to work on."""
    rng = np.random.default_rng(seed)
    out = []
    while sum(map(len, out)) < seconds * RATE:
        n = int(rng.uniform(0.05, 1.5) * RATE)
        level = 10 ** (rng.uniform(-40, -6) / 20) if rng.random() > 0.25 else 0.0
        out.append(level * rng.standard_normal(n))
    return np.concatenate(out)[: int(seconds * RATE)]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), hops=st.integers(0, 120))
def test_block_meter_equals_pyloudnorm(seed: int, hops: int) -> None:
    # Lengths of whole blocks: pyloudnorm counts a last partial block, we do not (a chapter's last
    # block is silence anyway); otherwise the two must agree.
    n = int(0.4 * RATE) + hops * int(0.1 * RATE)  # exact sample counts: no float rounding of the length
    x = _speechlike(seed, n / RATE + 0.1)[:n]
    ours = gated_loudness(block_energies(x, RATE))
    theirs = pyloudnorm.Meter(RATE).integrated_loudness(x)
    if np.isfinite(theirs):
        assert ours == pytest.approx(theirs, abs=0.02)
    else:
        assert not np.isfinite(ours)


def test_true_peak_sees_between_samples() -> None:
    # A sine at a quarter of the rate, 45 degrees off: every sample is at 0.707, the wave reaches 1.0.
    n = np.arange(RATE)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4)
    assert np.max(np.abs(x)) == pytest.approx(0.7071, abs=1e-3)
    assert true_peak(x) == pytest.approx(0.0, abs=0.3)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), boost=st.floats(0, 30))
def test_limiter_keeps_true_peak_under_the_ceiling(seed: int, boost: float) -> None:
    x = _speechlike(seed, 2.0) * 10 ** (boost / 20)
    y = limit(x, RATE)
    assert true_peak(y) <= LIMIT_DBTP + 0.1
    assert np.all(np.abs(y) <= np.abs(x) + 1e-12)  # it only ever turns down


def test_limiter_leaves_quiet_audio_alone() -> None:
    x = _speechlike(3, 2.0) * 0.1
    assert true_peak(x) < LIMIT_DBTP
    assert np.array_equal(limit(x, RATE), x)


def test_measure_file_reports_an_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio")
    from audiobook.errors import OutputError

    with pytest.raises(OutputError, match="bad.mp3"):
        measure_file(bad)


def _spoken(tmp_path: Path, n: int, seconds: float, scale: float) -> list:
    from audiobook.audio.timeline import Spoken
    from audiobook.model import Clip, Segment

    spoken = []
    for i in range(n):
        path = tmp_path / f"{i:02d}clip.wav"
        x = np.clip(_speechlike(i, seconds) * scale, -1, 1)
        loudness.write_wav(path, x, RATE)
        seg = Segment("dialogue" if i % 2 else "narration", "x", 0, 1, speaker="A" if i % 2 else None, paragraph=i)
        spoken.append(Spoken(seg, (Clip(path, len(x), RATE),)))
    return spoken


def test_levelling_costs_less_than_real_time_by_far(tmp_path: Path) -> None:
    """A minute of speech-like audio is measured and levelled in well under a second (far faster than espeak)."""
    from audiobook.audio.assemble import fragment_pcm
    from audiobook.audio.timeline import build_timeline
    from audiobook.model import Pauses

    timeline = build_timeline(_spoken(tmp_path, 20, 3.0, 0.5), Pauses())
    start = time.perf_counter()
    gains = loudness.voice_gains(timeline, analyses=tmp_path / "analyses")
    pcm = [fragment_pcm(f, gains[f.group], tmp_path / "analyses") for f in timeline.fragments]
    elapsed = time.perf_counter() - start
    assert sum(len(p) for p in pcm) // 2 >= 60 * RATE
    assert elapsed < 6.0  # 60 s of audio: >10x real time even on a loaded machine (typically ~0.3 s)


def test_k_weighting_is_pyloudnorms() -> None:
    meter = pyloudnorm.Meter(RATE)
    for (b, a), stage in zip(loudness.k_coefficients(RATE), meter._filters.values(), strict=True):
        assert np.allclose(b, stage.b / stage.a[0], rtol=1e-12) and np.allclose(a, stage.a / stage.a[0], rtol=1e-12)
    from scipy.signal import lfilter

    x = _speechlike(5, 3.0)
    want = x
    for stage in meter._filters.values():
        want = lfilter(stage.b, stage.a, want)
    assert np.max(np.abs(loudness.k_weight(x, RATE) - want)) < 1e-9


def test_levelling_and_encoding_import_no_scipy(tmp_path: Path) -> None:
    # scipy.signal costs each process ~50-100 MB: rendering (measure, limit, encode) must not load it.
    code = (
        "import sys, numpy as np\n"
        "from audiobook import pipeline\n"
        "from audiobook.audio import loudness, outputs\n"
        "from audiobook.publish import steps as publish\n"
        "from audiobook.audio.assemble import encode_timeline\n"
        "from audiobook.audio.timeline import Spoken, build_timeline\n"
        "from audiobook.model import Clip, Segment\n"
        "from audiobook.model import Pauses\n"
        "from pathlib import Path\n"
        f"d = Path({str(tmp_path)!r})\n"
        "x = np.random.default_rng(1).standard_normal(22050 * 2) * 0.5\n"
        "loudness.write_wav(d / 'a.wav', x, 22050)\n"
        "seg = Segment(kind='narration', text='x', start=0, end=1)\n"
        "t = build_timeline([Spoken(seg, (Clip(d / 'a.wav', len(x), 22050),))], Pauses())\n"
        "encode_timeline(t, d / 'a.mp3', gains=loudness.voice_gains(t, analyses=d / 'an'), analyses=d / 'an')\n"
        "print(sorted(m for m in sys.modules if m.startswith(('scipy', 'pyloudnorm'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_clip_measurements_are_reused_by_gains_and_limiting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobook.audio.assemble import fragment_pcm
    from audiobook.audio.timeline import build_timeline
    from audiobook.model import Pauses

    timeline = build_timeline(_spoken(tmp_path, 4, 2.0, 4.0), Pauses())  # loud: the limiter has work to do
    cache = tmp_path / "analyses"
    gains = loudness.voice_gains(timeline, analyses=cache)
    assert gains == loudness.voice_gains(timeline)  # the same gains as measuring afresh
    measured: list[int] = []
    real = loudness.analyse
    monkeypatch.setattr(loudness, "analyse", lambda *a, **k: measured.append(1) or real(*a, **k))
    assert loudness.voice_gains(timeline, analyses=cache) == gains
    for fragment in timeline.fragments:
        pcm = np.frombuffer(fragment_pcm(fragment, gains[fragment.group], cache), dtype="<i2") / 32768.0
        assert true_peak(pcm) <= LIMIT_DBTP + 0.1
    assert measured == []  # new gains (a one-voice change) and the limiter measured no clip again


def test_a_voices_gain_depends_on_its_own_lines_only(tmp_path: Path) -> None:
    """Changing one character's clips changes no other voice's gain (so their fragments are kept)."""
    from dataclasses import replace

    from audiobook.audio.timeline import build_timeline
    from audiobook.model import Clip, Pauses

    spoken = _spoken(tmp_path, 6, 2.0, 0.5)
    before = loudness.voice_gains(build_timeline(spoken, Pauses()))
    louder = tmp_path / "louder.wav"
    loudness.write_wav(louder, np.clip(_speechlike(99, 3.0) * 0.9, -1, 1), RATE)
    changed = [replace(s, clips=(Clip(louder, 3 * RATE, RATE),)) if s.segment.speaker == "A" else s for s in spoken]
    after = loudness.voice_gains(build_timeline(changed, Pauses()))
    assert after["narration"] == before["narration"]
    assert after["speaker:A"] != before["speaker:A"]
