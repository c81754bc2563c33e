"""One pool of worker processes shared by synthesis and encoding, started only when the work is worth it."""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal
import threading
import time
from collections.abc import Callable
from types import TracebackType

#: Below this many clips, synthesising in this process beats starting workers (each worker imports the
#: package and initialises espeak: ~0.35 s; a sentence takes 2-6 ms once pyttsx3's sleep is gone). Every
#: new clip is then encoded too (100 clips are ~5 minutes of audio, past MIN_AUDIO_S_FOR_POOL): started
#: for synthesis, the workers are ready when encoding begins.
MIN_CLIPS_FOR_POOL = 100
#: Below this much audio to encode (seconds), encoding in this process beats starting workers.
MIN_AUDIO_S_FOR_POOL = 120.0


def _init() -> None:
    # Ctrl-C reaches the whole foreground process group, but stopping is the parent's business:
    # it terminates the pool, then removes what the killed workers left half-written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A pool worker holds both ends of its task pipe, so it never sees EOF when the parent is
    # killed (SIGKILL, OOM killer): without this watch it would wait for tasks forever.
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="parent-watch").start()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)  # whatever this worker was writing is a pid-named temp file, swept by the next render


class Workers:
    """A lazily started spawn-context pool of `n` processes (espeak initialises once per process).

    Use as a context manager: on any exception (Ctrl-C included) the workers are terminated and
    `on_abort` runs (it sweeps the temp files the killed workers left), then the exception goes on.
    """

    def __init__(self, n: int, on_abort: Callable[[], None] | None = None) -> None:
        self.n = max(1, n)
        self._pool: multiprocessing.pool.Pool | None = None
        self._on_abort = on_abort

    @property
    def parallel(self) -> bool:
        """Whether more than one process may work."""
        return self.n > 1

    def worth_for_clips(self, n: int) -> bool:
        """Whether synthesising `n` clips should use the workers."""
        return self.parallel and n > 1 and (self.started or n >= MIN_CLIPS_FOR_POOL)

    def worth_for_audio(self, seconds: float, tasks: int) -> bool:
        """Whether encoding `tasks` chapters holding `seconds` of audio should use the workers."""
        return self.parallel and tasks > 1 and (self.started or seconds >= MIN_AUDIO_S_FOR_POOL)

    @property
    def started(self) -> bool:
        """Whether the worker processes exist already (then using them costs nothing extra)."""
        return self._pool is not None

    def pool(self) -> multiprocessing.pool.Pool:
        """The pool, started on first use."""
        if self._pool is None:
            self._pool = multiprocessing.get_context("spawn").Pool(self.n, initializer=_init)
        return self._pool

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        pool, self._pool = self._pool, None
        if kind is None:
            if pool is not None:
                pool.close()
                pool.join()
            return
        if pool is not None:
            pool.terminate()  # SIGTERM: a worker mid-write leaves a temp file named with its pid
            pool.join()
        if self._on_abort is not None:
            self._on_abort()


