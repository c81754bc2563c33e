"""Helpers for the hostile-input tests: a time limit that turns a hang into a failure, and a CLI runner
that fails the test on any traceback."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path

from click.testing import CliRunner, Result

from audiobook.cli import main


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the block after `seconds` (main thread only), so a hang fails instead of blocking."""
    def on_alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def cli(*args: str | Path, seconds: float = 60) -> Result:
    """Run the CLI in-process within a time limit; any exception other than a clean exit fails the test."""
    with time_limit(seconds):
        result = CliRunner().invoke(main, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback instead of a message: {result.exception!r}\n{result.output}") \
            from result.exception
    return result


def parts(folder: Path) -> list[str]:
    """Hidden temp files a writer left in `folder`."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))
