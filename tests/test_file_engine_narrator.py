"""A voices.yaml on a neural `engine:` without `narrator:`: the narrator is cast on that engine, first, and written.

And `--engine` re-casting the narrator gives it a main voice of its own without taking a main character's.
A stand-in engine ("tones": a buzz at a pitch per voice) keeps these fast; its voices are measured as any.
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

import numpy as np
import pytest

from audiobook import engines
from audiobook.errors import ConfigError
from audiobook.model import NARRATOR, Character, Voice, VoiceInfo
from audiobook.pipeline import cast_new_speakers
from audiobook.voices import casting
from audiobook.voices.autocast import cast
from audiobook.voices.castsheet import cast_sheet, write_cast
from audiobook.voices.config import load_config
from audiobook.voices.switch import on_engine

RATE = 16000
PITCHES = {"low": 100.0, "mid": 150.0, "high": 220.0, "top": 240.0, "murky": 400.0}


class _Tones:
    """Five voices, each a buzz at its own pitch; `murky` is the least clear (CLARITY, set by the fixture)."""

    name, sample_rate = "tones", RATE

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo(v, v, "en", None, "tones") for v in PITCHES]

    def version(self) -> str:
        return "1"

    def synthesize(self, text: str, voice: Voice, path: Path) -> None:
        f0 = PITCHES[voice.voice]
        t = np.arange(RATE) / RATE
        x = sum(np.sin(2 * math.pi * f0 * k * t) / k for k in range(1, 20) if f0 * k < RATE / 2)
        x = 0.3 * np.asarray(x) / np.max(np.abs(x))
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes((x * 32767).astype("<i2").tobytes())


@pytest.fixture(autouse=True)
def tones(monkeypatch: pytest.MonkeyPatch) -> _Tones:
    engine = _Tones()
    monkeypatch.setitem(engines._FACTORIES, "tones", lambda: engine)
    monkeypatch.setitem(engines._INSTANCES, "tones", engine)
    monkeypatch.setattr(casting, "CLARITY", {"low": 0.3, "mid": 0.3, "high": 0.3, "top": 0.3, "murky": 0.8})
    return engine


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_narrator_is_cast_on_the_files_engine_first_and_written(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "engine: tones\n")
    config = load_config(path)
    assert config.narrator.engine == "espeak" and not config.narrator_set  # the built-in one, until cast
    new = cast(config, [Character("Ann", "female", lines=5), Character("Bob", "male", lines=4)])
    # The narrator (either gender) first; then Ann on a voice measured female, Bob on the one male voice.
    assert new == {NARRATOR: Voice("mid", rate=175, pitch=50, engine="tones"),
                   "Ann": Voice("high", rate=175, pitch=50, engine="tones"),
                   "Bob": Voice("low", rate=160, pitch=50, engine="tones")}
    written, added = cast_new_speakers(config, [Character("Ann", "female", lines=5),
                                                Character("Bob", "male", lines=4)])
    assert added == (NARRATOR, "Ann", "Bob")
    assert path.read_text(encoding="utf-8") == (
        "engine: tones\n"
        "narrator:\n  voice: mid\n  rate: 175\n  pitch: 50\n"
        "characters:\n  Ann:\n    voice: high\n    rate: 175\n    pitch: 50\n"
        "  Bob:\n    voice: low\n    rate: 160\n    pitch: 50\n")
    assert written.narrator == Voice("mid", rate=175, pitch=50, engine="tones") and written.narrator_set
    assert cast(written, [Character("Ann", "female", lines=5)]) == {}  # cast once: nothing more to do


def test_a_narrator_in_the_file_or_an_espeak_file_is_left_alone(tmp_path: Path) -> None:
    path = _yaml(tmp_path, "engine: tones\nnarrator:\n  voice: murky\n")
    assert cast(load_config(path), []) == {}
    assert NARRATOR not in cast(load_config(_yaml(tmp_path, "engine: espeak\n")), [Character("Ann", "female")])


def test_the_cast_sheet_shows_and_writes_the_narrator_as_render_would(tmp_path: Path) -> None:
    chapter = tmp_path / "ch.txt"
    chapter.write_text('Chapter 1\n\nThe rain stopped.\n\n"Is it over?" asked Mia.\n', encoding="utf-8")
    path = _yaml(tmp_path, "engine: tones\n")
    config, rows = cast_sheet([chapter], path)
    assert config.narrator == Voice("mid", rate=175, pitch=50, engine="tones")
    assert [(r.name, r.voice.voice) for r in rows] == [("Mia", "low")]
    assert write_cast(config, rows) == [NARRATOR, "Mia"]
    assert load_config(path).narrator == config.narrator


def test_engine_recasts_the_narrator_as_a_main_voice_that_takes_no_characters_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobook.voices import switch

    path = _yaml(tmp_path, "characters:\n" + "".join(
        f"  {n}:\n    voice: {v}\n" for n, v in (("Ann", "gmw/en"), ("Bob", "gmw/en-us"), ("Cy", "gmw/en-gb-x-rp"))))
    moved = on_engine(load_config(path), "tones")
    voices = [moved.narrator, *(c.voice for c in moved.characters.values())]
    # Four main voices: the four clear ones, at the natural speed; the walk-ons' default gets what is left.
    assert [(v.voice, v.rate) for v in voices] == [("low", 175), ("mid", 175), ("high", 175), ("top", 175)]
    assert (moved.defaults["unknown"].voice, moved.defaults["unknown"].rate) == ("low", 145)
    # The narrator is cast as a main voice on top of the MAIN_CHARACTERS, not in one of their places.
    seen: list[int] = []

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs["main"])  # type: ignore[arg-type]
        return casting.cast_voices(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(switch, "cast_voices", spy)
    assert on_engine(load_config(path), "tones") == moved
    assert seen == [casting.MAIN_CHARACTERS + 1]


def test_main_counts_the_first_speakers_as_main_characters() -> None:
    measured = [casting.Neural(v, None, f, ()) for v, f in PITCHES.items()]
    speakers = [Character(n, None, lines=9 - i) for i, n in enumerate("ABCDE")]
    three = casting.cast_voices([], speakers, engine="tones", available=list(PITCHES), measured=measured, main=3)
    four = casting.cast_voices([], speakers, engine="tones", available=list(PITCHES), measured=measured, main=4)
    assert [three[n] for n in "ABC"] == [four[n] for n in "ABC"]
    assert four["D"].rate in casting.MODEL_RATES[:3] and casting.clarity(four["D"].voice) <= 0.40


def test_a_file_engine_that_is_not_installed_names_its_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> engines.Engine:
        raise ConfigError("the 'absent' engine needs a package that is not installed")

    monkeypatch.setitem(engines._FACTORIES, "absent", missing)
    path = _yaml(tmp_path, "# cast on an engine this machine lacks\nengine: absent\n")
    with pytest.raises(ConfigError) as caught:
        cast(load_config(path), [Character("Ann", "female")])
    assert str(caught.value) == ("voices.yaml, line 2: engine: the 'absent' engine needs a package that is not "
                                 "installed")
    assert path.read_text(encoding="utf-8") == "# cast on an engine this machine lacks\nengine: absent\n"
