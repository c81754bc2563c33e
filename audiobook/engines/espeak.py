"""espeak-ng through pyttsx3, with the library and data shipped by the espeakng-loader wheel."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import gc
import io
import os
import threading
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import EngineError
from ..model import Voice, VoiceInfo
from . import register, synchronous

SAMPLE_RATE = 22050


@cache
def _data_dir() -> Path | None:
    """Where espeak-ng's voice data lives once the library is loaded."""
    return Path(os.environ["ESPEAK_DATA_PATH"]) if os.environ.get("ESPEAK_DATA_PATH") else None


@cache
def _load_library() -> None:
    """Make `libespeak-ng.so.1` loadable by name, as pyttsx3's driver asks for it.

    pyttsx3 dlopens the library by soname; preloading the wheel's copy RTLD_GLOBAL satisfies that
    without any system package. A system espeak-ng is used only when the wheel is absent.
    """
    try:
        import espeakng_loader
    except ImportError:
        if ctypes.util.find_library("espeak-ng"):
            return
        raise EngineError(
            "espeak-ng is not available: install the espeakng-loader package (pip install espeakng-loader)"
        ) from None
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()


#: espeak-ng runs in the caller's thread (see synchronous.py) and is one library state per process: two threads
#: speaking at once (the review page's previews are served by a thread each) corrupt it and crash the process.
_SPEAKING = threading.Lock()


class EspeakEngine:
    """pyttsx3's espeak driver; one instance per process."""

    name = "espeak"
    sample_rate = SAMPLE_RATE

    def __init__(self) -> None:
        _load_library()
        try:
            import pyttsx3

            synchronous.initialize()  # espeak without a thread of its own, before pyttsx3 starts it with one
            # pyttsx3 prints "Audio saved to ..." on stdout: keep our stdout clean.
            with contextlib.redirect_stdout(io.StringIO()):
                self._tts: Any = pyttsx3.init("espeak")
        except Exception as exc:  # the driver raises RuntimeError/OSError of its own
            raise EngineError(f"could not start espeak-ng: {exc}") from exc
        # pyttsx3's loop sleeps 10 ms per utterance and waits for a thread espeak no longer has: replace it.
        synchronous.install(self._tts)
        self._current: Voice | None = None
        self._voices: list[VoiceInfo] | None = None
        # pyttsx3's DriverProxy.__del__ fails noisily if it runs during interpreter shutdown.
        atexit.register(self._close)

    def _close(self) -> None:
        self._tts = None
        gc.collect()

    def version(self) -> str:
        """pyttsx3 and espeakng-loader versions and espeak's mode (the clip cache key includes them)."""
        parts = []
        for dist in ("pyttsx3", "espeakng-loader"):
            try:
                parts.append(f"{dist}={metadata.version(dist)}")
            except metadata.PackageNotFoundError:
                parts.append(f"{dist}=system")
        # a clip spoken while espeak ran a thread of its own may carry espeak's default rate: none is reused
        parts.append("mode=synchronous")
        return ";".join(parts)

    def voices(self) -> list[VoiceInfo]:
        """Base voices from pyttsx3 plus every `base+variant` combination espeak accepts."""
        if self._voices is None:
            with _SPEAKING:
                bases = self._tts.getProperty("voices")
            variants = _variants()
            found: list[VoiceInfo] = []
            for v in bases:
                lang = (v.languages or [""])[0] if isinstance(v.languages, list) else str(v.languages)
                gender = {"Male": "male", "Female": "female"}.get(v.gender or "")
                found.append(VoiceInfo(v.id, v.name, lang, gender, self.name))  # type: ignore[arg-type]
                for variant, vgender in variants.items():
                    found.append(
                        VoiceInfo(f"{v.id}+{variant}", f"{v.name} ({variant})", lang, vgender, self.name)
                    )
            self._voices = found
        return self._voices

    def synthesize(self, text: str, voice: Voice, path: Path) -> None:
        """Speak `text` into a WAV at `path`; the driver sometimes writes nothing, callers check."""
        with _SPEAKING:  # one espeak per process, spoken to by one thread at a time
            self._synthesize(text, voice, path)

    def _synthesize(self, text: str, voice: Voice, path: Path) -> None:
        if voice != self._current:
            self._tts.setProperty("voice", voice.voice)
            self._tts.setProperty("rate", voice.rate)
            self._tts.setProperty("pitch", voice.pitch)
            self._tts.setProperty("volume", voice.volume)
            self._current = voice
        with contextlib.redirect_stdout(io.StringIO()):
            self._tts.save_to_file(text, str(path))
            self._tts.runAndWait()


@cache
def _variants() -> dict[str, Any]:
    """espeak voice variants (`+m3`, `+f2`, ...) and their gender, from the data directory."""
    data = _data_dir()
    if data is None:
        return {}
    folder = data / "voices" / "!v"
    out: dict[str, Any] = {}
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            gender = None
            with contextlib.suppress(OSError, UnicodeDecodeError):
                for line in f.read_text(encoding="utf-8").splitlines():
                    bits = line.split()
                    if len(bits) >= 2 and bits[0] == "gender":
                        gender = {"male": "male", "female": "female"}.get(bits[1])
                        break
            out[f.name] = gender
    return out


register("espeak", EspeakEngine)
