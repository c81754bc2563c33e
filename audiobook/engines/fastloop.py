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

`espeak_IsPlaying()` can read 0 while our text is still queued: espeak's command thread, idle for
150 ms, closes its stream by setting "running" on and off again, and a command added in that moment
is not seen as running until the thread loops round. A loop that took that 0 for "espeak went idle
without notifying" returned before synthesis began; the caller's retry then reset the driver's
buffer while the first synthesis was filling it, and the late end-of-message wrote a clip cut short
(seen under load: a worker's first clip 14% short). So idle counts only once this utterance has
spoken a word (pyttsx3's `started-word`), or when it lasts longer than any such window.
"""

from __future__ import annotations

import threading
import time
from typing import Any

#: Longest we wait for one utterance (a 180-character sentence takes ~20 ms).
TIMEOUT_S = 30.0
#: How often the wait looks at espeak when no notification has come.
POLL_S = 0.02
#: Idle this long with no word spoken means espeak is really idle (its stream-closing blip is microseconds).
IDLE_CONFIRM_S = 0.5


def _fast_driver_class(base: type) -> type:
    """A subclass of pyttsx3's EspeakDriver whose startLoop waits for the utterance instead of sleeping."""
    from pyttsx3.drivers import _espeak  # loaded: the driver being patched imported it

    class FastEspeakDriver(base):  # type: ignore[misc]
        _finished: threading.Event
        _spoke: threading.Event

        def startLoop(self) -> None:  # noqa: N802  (pyttsx3's name)
            self._looping = True
            self._finished.clear()
            self._spoke.clear()
            # As the original: let the proxy pump its queue (voice settings, save_to_file, endLoop),
            # then start the pending text, which espeak synthesises on its own thread.
            self._proxy.setBusy(False)
            if self._text_to_say:
                self._start_synthesis(self._text_to_say)
                deadline = time.monotonic() + TIMEOUT_S
                # Woken by the notification as soon as the WAV is written. If the driver's callback
                # fails before notifying (it cannot write the WAV: a full disk, a missing folder),
                # espeak goes idle without it: notice that instead of waiting for the timeout, but
                # never from an idle reading taken before our text started (see the module's note).
                idle_since: float | None = None
                while not self._finished.wait(POLL_S):
                    now = time.monotonic()
                    if _espeak.IsPlaying():
                        idle_since = None
                    else:
                        idle_since = now if idle_since is None else idle_since
                        if self._spoke.is_set() or now - idle_since > IDLE_CONFIRM_S:
                            break
                    if now > deadline:
                        _espeak.Cancel()
                        break
                while _espeak.IsPlaying() and time.monotonic() < deadline:
                    time.sleep(0.0001)  # the callback is returning: microseconds
            self.iterate()
            self._looping = False

    FastEspeakDriver.__name__ = FastEspeakDriver.__qualname__ = "FastEspeakDriver"
    return FastEspeakDriver


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
        hasattr(cls, name) for name in ("startLoop", "iterate", "_start_synthesis")
    ):
        return False  # another driver, or a pyttsx3 whose espeak driver we have not read: leave it alone
    if cls not in _CLASSES:
        _CLASSES[cls] = _fast_driver_class(cls)
    finished, spoke = threading.Event(), threading.Event()
    tts.connect("finished-utterance", lambda name=None, completed=True: finished.set())
    tts.connect("started-word", lambda name=None, location=0, length=0: spoke.set())
    driver._finished, driver._spoke = finished, spoke
    driver.__class__ = _CLASSES[cls]
    return True
