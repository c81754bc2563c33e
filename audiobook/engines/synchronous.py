"""pyttsx3's espeak driver run synchronously: espeak-ng speaks in the caller's thread, with no thread of its own.

pyttsx3 starts espeak-ng in its asynchronous retrieval mode: espeak synthesises on a thread of its own, fed by a
command queue, and calls the driver back; the driver writes the WAV when the message ends, while its loop
sleeps a fixed 10 ms per utterance and returns whether or not synthesis is over. Everything that went wrong
with espeak here came from that second thread:

- a sentence espeak needs ~2 ms for cost 10 ms, and text that needed more than 10 ms came back before its
  file existed (the "no file for long text" failure), or was cut short by the next utterance;
- a text queued while espeak's thread closed its stream read as done before it started, and the caller's
  retry then reset the buffer under it (a clip 13-14% short);
- espeak-ng itself races: a voice is set at once, in the caller (`espeak_SetVoiceByName`), while rate, pitch
  and volume go through the queue. Under load, 2 of 500 fresh worker processes spoke every clip at espeak's
  default 200 words a minute instead of the voice's 175 (each of their eight clips 13% short; two processes
  at a time, beside three busy loops on the two cores).

Synchronous mode (AUDIO_OUTPUT_SYNCHRONOUS) has no thread and no queue: every setting applies before the
call returns, and `espeak_Synth` returns once the whole text has been spoken into the callback. It has to be
chosen when espeak is initialised, which pyttsx3's driver does once per process on its first use, in its own
mode: `initialize` does it first, the way the driver would have. In this mode espeak sends no end-of-message
event, so the driver's callback only gathers the audio, and the WAV is written here when `Synth` returns.

Why a subclass of the driver rather than the other ways pyttsx3 offers: `engine.startLoop(False)` with
`engine.iterate()` is broken for this driver (the proxy expects `iterate()` to be a generator), and several
`save_to_file` calls before one `runAndWait` do not batch (each overwrites the previous text). So we keep
pyttsx3's driver, its callback, its settings and its proxy protocol, and override `_start_synthesis` (speak,
then write the WAV) and `startLoop` (the same steps as pyttsx3's, without its wait).
"""

from __future__ import annotations

import contextlib
import os
import wave
from typing import Any

#: The WAV pyttsx3 writes: mono, 16-bit samples, at the rate espeak-ng reports when it starts.
CHANNELS, SAMPLE_WIDTH = 1, 2
#: The sample rate espeak-ng reported, once this process started it synchronously (0: it did not, and the
#: driver may not skip waiting for espeak's own thread).
_rate = 0


def initialize() -> None:
    """Start espeak-ng in synchronous mode before pyttsx3's driver would start it asynchronously (once per process).

    Call after the library is loaded and before `pyttsx3.init`; raises RuntimeError when espeak cannot start.
    """
    global _rate
    from pyttsx3.drivers import _espeak
    from pyttsx3.drivers.espeak import EspeakDriver

    if EspeakDriver._moduleInitialized:
        return  # started already (in whichever mode): espeak cannot be started twice in a process
    rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 1000)
    if rate == -1:
        raise RuntimeError("could not initialize espeak")
    current = _espeak.GetCurrentVoice()
    # as pyttsx3's driver does when it starts espeak itself
    EspeakDriver._defaultVoice = current.contents.name.decode("utf-8") if current and current.contents.name \
        else "gmw/en"
    EspeakDriver._moduleInitialized = True
    _rate = rate


def _sync_driver_class(base: type) -> type:
    """A subclass of pyttsx3's EspeakDriver that speaks synchronously and writes the WAV itself."""
    from pyttsx3.drivers import _espeak  # loaded: the driver being patched imported it

    class SyncEspeakDriver(base):  # type: ignore[misc]
        def _start_synthesis(self, text: str) -> None:
            """As pyttsx3's, but espeak has spoken the whole text when `Synth` returns: write it out now."""
            self._proxy.setBusy(True)
            self._proxy.notify("started-utterance")
            self._speaking = True
            self._data_buffer = b""
            try:
                _espeak.Synth(str(text).encode("utf-8"), flags=_espeak.ENDPAUSE | _espeak.CHARS_UTF8)
            except Exception as exc:
                self._speaking = False
                self._proxy.setBusy(False)
                self._proxy.notify("error", exception=exc)
                raise
            if self._speaking and self._save_file:
                _write_wav(self._save_file, self._data_buffer)
            self._data_buffer = b""
            self._speaking = False
            self._proxy.notify("finished-utterance", completed=True)
            self._proxy.setBusy(False)

        def startLoop(self) -> None:  # noqa: N802  (pyttsx3's name)
            # As the original: let the proxy pump its queue (voice settings, save_to_file, endLoop), then speak
            # the pending text; the original then sleeps 10 ms at a time until espeak's thread has called back.
            self._looping = True
            self._proxy.setBusy(False)
            if self._text_to_say:
                self._start_synthesis(self._text_to_say)
            self.iterate()
            self._looping = False

    SyncEspeakDriver.__name__ = SyncEspeakDriver.__qualname__ = "SyncEspeakDriver"
    return SyncEspeakDriver


def _write_wav(path: str, pcm: bytes) -> None:
    """The clip as pyttsx3 writes it; a file that cannot be written is left unwritten (the caller checks)."""
    try:
        with wave.open(path, "wb") as f:
            f.setnchannels(CHANNELS)
            f.setsampwidth(SAMPLE_WIDTH)
            f.setframerate(_rate)
            f.writeframes(pcm)
    except OSError:  # a full disk, a missing folder: no clip, and the caller finds out why (synth._probe_space)
        with contextlib.suppress(OSError):
            os.unlink(path)


_CLASSES: dict[type, type] = {}


def install(tts: Any) -> bool:
    """Switch a pyttsx3 engine's espeak driver to synchronous speech; False when it is not that driver or espeak
    was not started synchronously (by `initialize`)."""
    driver = getattr(getattr(tts, "proxy", None), "_driver", None)
    if driver is None or not _rate:
        return False  # espeak runs on its own thread: pyttsx3's own loop is slow but waits for it
    cls = type(driver)
    if cls in _CLASSES.values():
        return True
    if cls.__name__ != "EspeakDriver" or not all(
        hasattr(cls, name) for name in ("startLoop", "iterate", "_start_synthesis", "_onSynth")
    ):
        return False  # another driver, or a pyttsx3 whose espeak driver we have not read: leave it alone
    if cls not in _CLASSES:
        _CLASSES[cls] = _sync_driver_class(cls)
    driver.__class__ = _CLASSES[cls]
    return True
