"""Kokoro-82M neural voices (the optional `kokoro` extra: kokoro-onnx) behind the same Engine contract.

A voice id is a name from the voice pack (`jm_kumo`), or a blend of several: `jm_kumo:0.7+jf_alpha:0.3`
is the weighted sum of their style vectors, a new voice of its own. Weights must be above 0 and are
normalised to sum to 1 (`a:2+b:1` is `a:0.667+b:0.333`); a name without a weight weighs 1, so
`a+b` is an even mix. `rate` sets Kokoro's speed (175 words per minute is its natural speed, 1.0;
the model takes 0.5-2.0); `pitch` is ignored (Kokoro has no pitch control). English phonemes for
every voice, whatever its origin (`en-us`, from espeak-ng through phonemizer).

Kokoro runs in a helper process of its own, as piper does: phonemizer loads the espeak-ng library a
second time, and once pyttsx3 has initialised it for the espeak engine in the same process the
phonemizer copy no longer finds its languages ("language en-us is not supported"). The helper is
started with subprocess (render workers are daemonic) and talks JSON lines over stdin/stdout; it
exits when its stdin closes. In a render worker it uses one thread (the workers are the parallelism),
alone all the cores.
"""

from __future__ import annotations

import atexit
import json
import math
import multiprocessing
import os
import re
import sys
import wave
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import ConfigError, EngineError
from ..model import Gender, Voice, VoiceInfo
from . import known_id, kokorofiles, register
from .helper import HelperProcess
from .kokorofiles import INSTALL_HINT

#: Kokoro's natural speed, in the words-per-minute the `rate` key uses (as piper's).
NATURAL_RATE = 175
SPEED_RANGE = (0.5, 2.0)  # what the model accepts
SAMPLE_RATE = 24000
#: Kokoro's output can exceed full scale: a clip whose peak is above this is scaled down to it.
PEAK_LIMIT = 0.97
#: The phoneme language for every voice (the pip-shipped voices are Japanese ones speaking English).
LANGUAGE = "en-us"
#: Voice name prefixes: first letter the language, second the gender (kokoro's naming: `af_heart`).
LANGUAGES = {"a": "en-us", "b": "en-gb", "j": "ja", "z": "zh", "e": "es", "f": "fr-fr", "h": "hi", "i": "it",
             "p": "pt-br"}
GENDERS: dict[str, Gender] = {"f": "female", "m": "male"}
#: Symbols espeak-ng's phonemizer reads out by name (`*` is "asterisk", `~` "tilde", `=` "equals", an arrow
#: "right arrow") or as a short sound: never asked of Kokoro. speakable() drops most of them already; a title,
#: a `pronounce:` entry or a symbol it keeps may still bring one. Words, digits and `$ % & § °` stay.
UNSAID = re.compile(r"[*~=^|@#<>_\\{}\[\]`•·†‡¶※\u2190-\u21ff\u2500-\u257f]")


def sayable(text: str) -> str:
    """`text` without the symbols Kokoro would voice (UNSAID), spaces collapsed: every word and digit kept."""
    return re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", UNSAID.sub(" ", text))).strip()


def speed(rate: int) -> float:
    """Kokoro's speed for a rate in words per minute, within what the model accepts."""
    lo, hi = SPEED_RANGE
    return round(min(hi, max(lo, rate / NATURAL_RATE)), 4)


def parse_blend(spec: str) -> list[tuple[str, float]]:
    """`a:0.7+b:0.3` as [(a, 0.7), (b, 0.3)], weights normalised to sum to 1; ConfigError on bad syntax or weights."""
    parts = [p.strip() for p in spec.split("+")]
    if not spec.strip() or any(not p for p in parts):
        raise ConfigError(f"{spec!r} is not a voice or a blend (expected NAME or NAME:WEIGHT+NAME:WEIGHT, "
                          "e.g. jm_kumo:0.7+jf_alpha:0.3)")
    out: list[tuple[str, float]] = []
    for part in parts:
        name, sep, raw = (s.strip() for s in part.partition(":"))
        try:
            weight = float(raw) if sep else 1.0
        except ValueError:
            raise ConfigError(f"the weight of {name} in {spec!r} is not a number: {raw!r}") from None
        if not math.isfinite(weight) or weight <= 0:
            raise ConfigError(f"the weight of {name} in {spec!r} must be a number above 0, got {raw}")
        if not name:
            raise ConfigError(f"a weight in {spec!r} has no voice name before its colon")
        if name.lower() in (n.lower() for n, _ in out):
            raise ConfigError(f"{name} appears twice in the blend {spec!r}")
        out.append((name, weight))
    total = sum(w for _, w in out)
    return [(n, w / total) for n, w in out]


def blend_id(blend: list[tuple[str, float]]) -> str:
    """The canonical spelling of a blend: one name alone, else `name:weight` joined by `+` (weights to 4 places)."""
    if len(blend) == 1:
        return blend[0][0]
    return "+".join(f"{name}:{weight:.4g}" for name, weight in blend)


def voice_info(name: str) -> VoiceInfo:
    """What a pack's voice name says of it: `jf_alpha` is a Japanese female voice."""
    prefix = name.split("_", 1)[0].lower() if "_" in name else ""
    language = LANGUAGES.get(prefix[:1], "") if len(prefix) == 2 else ""
    gender = GENDERS.get(prefix[1:2]) if len(prefix) == 2 else None
    base = name.split("_", 1)[1] if len(prefix) == 2 else name
    return VoiceInfo(name, f"{base} ({gender or 'gender unknown'}, {language or 'language unknown'})", language,
                     gender, "kokoro")


def _require_kokoro() -> None:
    try:
        metadata.distribution("kokoro-onnx")
    except metadata.PackageNotFoundError:
        raise ConfigError(f"the kokoro engine needs the kokoro-onnx package: {INSTALL_HINT}") from None


class KokoroEngine:
    """Kokoro-82M (ONNX) with a voice pack, synthesised in a helper process."""

    name = "kokoro"
    sample_rate = SAMPLE_RATE

    def __init__(self, threads: int | None = None) -> None:
        _require_kokoro()
        self.threads = threads  # onnxruntime threads of the helper; None: one in a render worker, else every core
        kokorofiles.current_files()  # a missing voice pack is a ConfigError now, with the install line
        self._helper = HelperProcess(self.name, self._argv)
        atexit.register(self.close)

    def close(self) -> None:
        """Stop the helper process (it would also stop by itself when this process exits)."""
        self._helper.close()

    def version(self) -> str:
        """kokoro-onnx's version, the model's identity and the voice pack's sha256 (new vectors, new clips)."""
        files = kokorofiles.current_files()
        try:
            parts = [f"kokoro-onnx={metadata.version('kokoro-onnx')}"]
        except metadata.PackageNotFoundError:
            parts = ["kokoro-onnx=unknown"]
        if files.model is None:
            kokorofiles.shipped_model()  # assembled here, in the render's process, before its workers need it
            parts.append(f"model={kokorofiles.MODEL_SHA256}")
        else:  # the user's model, known by its content wherever it lives (hashed once: remembered)
            parts.append(f"model={kokorofiles.remembered_digest(files.model)}")
        parts.append(f"voices={kokorofiles.file_digest(files.voices)}")
        return ";".join(parts)

    def identity(self) -> tuple[str, str]:
        """The sha256s of the model and the voice pack spoken with (shipped voice measurements are keyed by them)."""
        files = kokorofiles.current_files()
        model = kokorofiles.MODEL_SHA256 if files.model is None else kokorofiles.remembered_digest(files.model)
        return model, kokorofiles.file_digest(files.voices)

    @property
    def revision(self) -> int:
        """Changes whenever the voice pack in use changes (voices.yaml named another): its ids are listed again."""
        voices = kokorofiles.current_files().voices
        return hash((str(voices), *kokorofiles.stamp(voices)))

    def voices(self) -> list[VoiceInfo]:
        """Every voice in the pack (blends of them are accepted too, but not listed)."""
        return [voice_info(n) for n in sorted(kokorofiles.voice_names(kokorofiles.current_files().voices))]

    def resolve_voice(self, voice_id: str, lookup: Callable[[str], str]) -> str:
        """A voice or blend id spelled canonically, each name checked by `lookup` (ConfigError otherwise)."""
        return blend_id([(lookup(name), weight) for name, weight in parse_blend(voice_id)])

    def synthesize(self, text: str, voice: Voice, path: Path) -> None:
        """Write `text` in the voice (or blend) to a mono 16-bit WAV at `path`, at most PEAK_LIMIT of full scale."""
        files = kokorofiles.current_files()
        ids = {n.lower(): n for n in kokorofiles.voice_names(files.voices)}
        try:
            blend = [(known_id(self.name, n, ids), w) for n, w in parse_blend(voice.voice)]
        except ConfigError as exc:
            raise EngineError(f"kokoro: {exc}") from None
        self._helper.request({"model": str(kokorofiles.model_path(files)), "voices": str(files.voices), "blend": blend,
                              "speed": speed(voice.rate), "volume": voice.volume, "text": sayable(text),
                              "out": str(path)})

    def _argv(self) -> list[str]:
        # In a render worker (daemonic) one thread: the workers are the parallelism. Alone, every core.
        threads = self.threads or (1 if multiprocessing.current_process().daemon else (os.cpu_count() or 1))
        return [sys.executable, "-m", "audiobook.engines.kokoro", str(threads)]


# --- the helper process ----------------------------------------------------------------------------

def _write_wav(path: str, samples: Any, volume: float) -> None:
    """Float samples to 16-bit PCM: scaled down to PEAK_LIMIT when they exceed it, then by `volume`."""
    import numpy as np

    audio = np.asarray(samples, dtype=np.float32).ravel()
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > PEAK_LIMIT:
        audio = audio * (PEAK_LIMIT / peak)
    pcm = np.clip(np.round(audio * volume * 32767.0), -32767, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())


class _Speaker:
    """The helper's loaded model and voice packs."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.sessions: dict[str, Any] = {}  # one loaded model per file, shared by every voice pack
        self.models: dict[tuple[str, str], Any] = {}

    def kokoro(self, model: str, voices: str) -> Any:
        if (model, voices) not in self.models:
            from kokoro_onnx import Kokoro

            if model not in self.sessions:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.log_severity_level = 3  # errors only: nothing on the user's terminal
                self.sessions[model] = onnxruntime.InferenceSession(model, sess_options=options,
                                                                    providers=["CPUExecutionProvider"])
            self.models[(model, voices)] = Kokoro.from_session(self.sessions[model], voices)
        return self.models[(model, voices)]

    def speak(self, req: dict[str, Any]) -> None:
        import numpy as np

        kokoro = self.kokoro(req["model"], req["voices"])
        style = sum(np.asarray(kokoro.voices[name], dtype=np.float32) * weight for name, weight in req["blend"])
        if not any(c.isalnum() for c in req["text"]):  # punctuation only ("..."): a breath of silence
            _write_wav(req["out"], np.zeros(SAMPLE_RATE // 20, dtype=np.float32), req["volume"])
            return
        try:
            samples, _ = kokoro.create(req["text"], voice=style, speed=req["speed"], lang=LANGUAGE)
        except ValueError as exc:
            if "phonemes" not in str(exc):
                raise
            samples = np.zeros(SAMPLE_RATE // 20, dtype=np.float32)  # nothing speakable ("..."): a breath of silence
        _write_wav(req["out"], samples, req["volume"])


def _serve(threads: int) -> None:
    """The helper process: one JSON request per stdin line, one JSON reply per stdout line."""
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing the libraries print may corrupt the reply stream
    speaker = _Speaker(threads)
    for line in sys.stdin:
        try:
            speaker.speak(json.loads(line))
            reply: dict[str, Any] = {"ok": True}
        except Exception as exc:  # reported to the parent, which raises EngineError
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def available() -> bool:
    """True when kokoro-onnx and the pip-shipped (or the user's) voice pack are installed."""
    try:
        _require_kokoro()
        kokorofiles.current_files()
    except ConfigError:
        return False
    return True


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
else:
    register("kokoro", KokoroEngine)
