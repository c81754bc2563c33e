"""The resources of one render: worker processes, the cache lock, clean-up of a killed predecessor, eviction."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from .audio.cache import evict, sweep_temp, using_cache
from .fsutil import sweep_parts
from .workers import Workers


@contextlib.contextmanager
def render_session(cache_root: Path, out_folder: Path, *, jobs: int, keep_cache: bool,
                   limit: int | None = None) -> Iterator[Workers]:
    """Workers for one render, with what a killed or interrupted render leaves behind swept away.

    Before: remove temp files of dead writers (clips in the cache, `.part` chapter files in the
    output folder). During: hold the cache shared, so eviction and `cache clear` by other processes
    wait. On an exception (Ctrl-C included): terminate the workers and sweep again, so nothing
    half-written stays. After a finished render: evict least-recently-used clips over the limit.
    """
    sweep_temp(cache_root)
    sweep_parts(out_folder)

    def abort() -> None:
        sweep_temp(cache_root)
        sweep_parts(out_folder)

    with using_cache(cache_root), Workers(jobs, on_abort=abort) as workers:
        yield workers
    if keep_cache:
        evict(cache_root, limit)

