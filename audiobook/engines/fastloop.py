"""pyttsx3's espeak driver without its fixed 10 ms sleep per utterance, and without its race.

`runAndWait` ends in the driver's `startLoop`, which starts the utterance and then sleeps 10 ms
once, whether or not synthesis is over: the driver initialises espeak in AUDIO_OUTPUT_RETRIEVAL
mode, which is *asynchronous* (espeak synthesises on its own thread and calls the driver back;
the driver writes the WAV on MSG_TERMINATED). So a sentence espeak needs ~2 ms for costs 10 ms,
and text that needs more than 10 ms comes back before its file exists (the "no file for long
text" failure), or worse: the late callback writes whatever is in the buffer then, possibly cut
short by the next utterance.

Why a subclass of the driver rather than the other ways pyttsx3 offers:

- `engine.startLoop(False)` + `engine.iterate()` (an external loop) is broken for this driver: the
  proxy expects `driver.iterate()` to be a generator, but the espeak driver's `iterate` returns
  None, so the first `iterate()` raises TypeError.
- several `save_to_file` calls before one `runAndWait` do not batch: the proxy pumps the whole
  queue before synthesis starts (saving a file does not mark the driver busy), so each call
  overwrites the previous text and only the last one is spoken.

So we keep pyttsx3's driver, its callback, its WAV writing and its proxy protocol unchanged and
override only `startLoop`: the same steps, but instead of a fixed sleep it waits for the
utterance to end, told by pyttsx3's public `finished-utterance` notification (sent after the WAV
is written), then until espeak's thread has left the callback (`espeak_IsPlaying()` is 0, a few
microseconds later), so the next utterance never races the previous one's callback. A timeout
keeps a wedged espeak from hanging the render (the caller finds no file and retries). Callers
still check every clip they get.

Every utterance carries a ticket (espeak's `user_data`), and the driver's callback hears only the
current one. A loop that gives up on an utterance (espeak silent too long, the timeout) cancels it and
takes a new ticket, so its audio can never turn up later: a late start was once taken for the end and
the caller's retry reset the buffer under it, and the late end-of-message wrote a clip cut short (a
worker's first clip 13-14% short under load). Audio of an old ticket aborts that synthesis. A callback
that fails (the WAV cannot be written: a full disk, a missing folder) is noticed at once, not guessed
from espeak going idle.
"""

from __future__ import annotations

import threading
import time
from typing import Any

#: Longest we wait for one utterance (a 180-character sentence takes ~20 ms).
TIMEOUT_S = 30.0
#: How often the wait looks at espeak when no notification has come.
POLL_S = 0.02
#: Silent this long (no callback, espeak not busy) means our text never started: give it up and cancel it.
#: Generous, since giving up costs a retry and a machine under load can keep espeak's thread waiting.
IDLE_GIVEUP_S = 2.0


def _fast_driver_class(base: type) -> type:
    """A subclass of pyttsx3's EspeakDriver whose startLoop waits for the utterance instead of sleeping."""
    from pyttsx3.drivers import _espeak  # loaded: the driver being patched imported it

    class FastEspeakDriver(base):  # type: ignore[misc]
        _finished: threading.Event
        _failed: threading.Event
        _heard: threading.Event
        _ticket: int

        def _start_synthesis(self, text: str) -> None:
            """As pyttsx3's, but the text carries this utterance's ticket."""
            self._proxy.setBusy(True)
            self._proxy.notify("started-utterance")
            self._speaking = True
            self._data_buffer = b""
            try:
                _espeak.Synth(str(text).encode("utf-8"), flags=_espeak.ENDPAUSE | _espeak.CHARS_UTF8,
                              user_data=self._ticket)
            except Exception as exc:
                self._proxy.setBusy(False)
                self._proxy.notify("error", exception=exc)
                raise

        def _onSynth(self, wav: Any, numsamples: int, events: Any) -> int:  # noqa: N802  (pyttsx3's name)
            """pyttsx3's callback for the current ticket; 1 (abort) to an abandoned utterance's audio."""
            if events[0].user_data != self._ticket:
                return 1
            self._heard.set()
            try:
                return int(super()._onSynth(wav, numsamples, events) or 0)
            except Exception:  # the driver could not write the WAV: no clip, and the caller says why
                self._failed.set()
                return 1

        def startLoop(self) -> None:  # noqa: N802  (pyttsx3's name)
            self._looping = True
            for event in (self._finished, self._failed, self._heard):
                event.clear()
            # As the original: let the proxy pump its queue (voice settings, save_to_file, endLoop),
            # then start the pending text, which espeak synthesises on its own thread.
            self._proxy.setBusy(False)
            if self._text_to_say:
                self._start_synthesis(self._text_to_say)
                deadline = time.monotonic() + TIMEOUT_S
                if not _wait_for_end(self, _espeak, deadline):
                    # Given up: nothing of this utterance may land later in a file or a buffer.
                    self._ticket += 1
                    self._speaking = False
                    _espeak.Cancel()
                while _espeak.IsPlaying() and time.monotonic() < deadline:
                    time.sleep(0.0001)  # the callback is returning: microseconds
            self.iterate()
            self._looping = False

    FastEspeakDriver.__name__ = FastEspeakDriver.__qualname__ = "FastEspeakDriver"
    return FastEspeakDriver


def _wait_for_end(driver: Any, espeak: Any, deadline: float) -> bool:
    """Wait for the utterance's end; False when it failed, timed out or never started."""
    # Woken by the notification as soon as the WAV is written. Once espeak has called back the end is
    # sure to come (or the failure); before that, espeak reading idle may only mean its thread has not
    # picked our text up yet (it reads idle for a moment while closing its stream): wait, and give up
    # only after a long silence.
    silent_since: float | None = None
    while not driver._finished.wait(POLL_S):
        now = time.monotonic()
        if driver._failed.is_set() or now > deadline:
            return False
        if driver._heard.is_set() or espeak.IsPlaying():
            silent_since = None
        elif silent_since is None:
            silent_since = now
        elif now - silent_since > IDLE_GIVEUP_S:
            return False
    return True


_CLASSES: dict[type, type] = {}


def install(tts: Any) -> bool:
    """Switch a pyttsx3 engine's espeak driver to the no-sleep loop; False when it is not that driver."""
    driver = getattr(getattr(tts, "proxy", None), "_driver", None)
    if driver is None:
        return False
    cls = type(driver)
    if cls in _CLASSES.values():
        return True
    if cls.__name__ != "EspeakDriver" or not all(
        hasattr(cls, name) for name in ("startLoop", "iterate", "_start_synthesis", "_onSynth")
    ):
        return False  # another driver, or a pyttsx3 whose espeak driver we have not read: leave it alone
    if cls not in _CLASSES:
        _CLASSES[cls] = _fast_driver_class(cls)
    finished = threading.Event()
    tts.connect("finished-utterance", lambda name=None, completed=True: finished.set())
    driver._finished, driver._failed, driver._heard = finished, threading.Event(), threading.Event()
    driver._ticket = 1
    driver.__class__ = _CLASSES[cls]
    # espeak calls back whatever was registered: our callback, so that it can check the ticket.
    _espeak_module().SetSynthCallback(driver._onSynth)
    return True


def _espeak_module() -> Any:
    """pyttsx3's espeak bindings (imported once the engine has loaded the library)."""
    from pyttsx3.drivers import _espeak

    return _espeak
