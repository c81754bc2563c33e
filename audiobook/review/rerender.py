"""The page's Re-render button: `audiobook render` for the same inputs in a child process, one at a time.

A child process (not a thread) so the render's worker pool, its Ctrl-C handling and its file lock on voices.yaml
are exactly the command's; the clip cache makes it re-synthesise only the lines whose voice changed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

#: Lines of the render's output the page shows.
TAIL = 12


class Rerender:
    """At most one `audiobook render` child at a time, with its exit code and the end of its output."""

    def __init__(self, inputs: Sequence[Path], voices: Path, out_dir: Path, *, author: str | None = None,
                 include_front_matter: bool = False) -> None:
        self.argv = [sys.executable, "-c", "from audiobook.cli import main; main()", "render", "-q",
                     "--voices", str(voices), "-o", str(out_dir),
                     *(["--author", author] if author else []),
                     *(["--include-front-matter"] if include_front_matter else []),
                     *map(str, inputs)]
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> bool:
        """Start a render; False if one is already running."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                return False
            if self._log is not None:
                self._log.close()
            # kept open while the child writes to it; closed by the next start() or by stop()
            self._log = tempfile.TemporaryFile(prefix="audiobook-review-render-")  # noqa: SIM115
            self._proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
            return True

    def status(self) -> dict[str, Any]:
        """{'running', 'returncode', 'output'}: the page polls this until the render ends."""
        with self._lock:
            if self._proc is None or self._log is None:
                return {"running": False, "returncode": None, "output": ""}
            code = self._proc.poll()
            self._log.seek(0)
            lines = self._log.read().decode("utf-8", "replace").splitlines()
            return {"running": code is None, "returncode": code, "output": "\n".join(lines[-TAIL:])}

    def stop(self) -> None:
        """End a running render (when the review stops) and wait for it."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            if self._log is not None:
                self._log.close()
                self._log = None


__all__ = ["Rerender", "TAIL"]
