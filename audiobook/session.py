"""The resources of one render: worker processes, the cache lock, scratch space, signals, clean-up and eviction."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .audio.cache import SCRATCH, evict, sweep_scratch, sweep_temp, using_cache
from .fsutil import sweep_parts
from .workers import Workers


@dataclass(frozen=True)
class Session:
    """What one render works with: the worker pool and the folder clips and fragments go to."""

    workers: Workers
    root: Path  # the clip cache, or with --no-cache this render's scratch folder inside it


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the render as Ctrl-C does (workers ended, temp files removed, a clear message)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def render_session(cache_root: Path, out_folder: Path, *, jobs: int, keep_cache: bool,
                   limit: int | None = None) -> Iterator[Session]:
    """Workers and a working folder for one render, with what a killed or interrupted render leaves swept away.

    Before: remove temp files of dead writers (clips and fragments in the cache, scratch folders of
    dead `--no-cache` renders, `.part` chapter files in the output folder). During: hold the cache
    shared, so eviction and `cache clear` by other processes wait; SIGTERM acts as Ctrl-C. On an
    exception (Ctrl-C included): terminate the workers and sweep again, so nothing half-written
    stays. After a finished render: evict least-recently-used clips over the limit. Without
    `keep_cache`, clips go to a scratch folder under the cache (named with our pid, so the next
    render sweeps it if we are killed) removed at the end.
    """
    sweep_temp(cache_root)
    sweep_scratch(cache_root)
    sweep_parts(out_folder)
    root = cache_root
    if not keep_cache:
        (cache_root / SCRATCH).mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=cache_root / SCRATCH))

    def abort() -> None:
        sweep_temp(cache_root)
        sweep_parts(out_folder)

    try:
        with _sigterm_as_interrupt(), using_cache(cache_root), Workers(jobs, on_abort=abort) as workers:
            yield Session(workers, root)
    finally:
        if root != cache_root:
            shutil.rmtree(root, ignore_errors=True)
    if keep_cache:
        evict(cache_root, limit)
