"""A speech engine's helper process: JSON-line requests over stdin/stdout, restarted once if it died."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from ..errors import EngineError


class HelperProcess:
    """One helper process per engine instance, started on the first request (engines whose library clashes
    with espeak-ng in one process synthesise there)."""

    def __init__(self, name: str, argv: Callable[[], list[str]]) -> None:
        self.name = name
        self._argv = argv  # called at each start: the arguments may depend on where we run
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def request(self, request: dict[str, Any]) -> None:
        """Send one request and wait for its reply; EngineError with the helper's own message on failure."""
        with self._lock:
            for _attempt in range(2):  # a helper that died (out of memory, killed) is restarted once
                if self._proc is None or self._proc.poll() is not None:
                    self._proc = subprocess.Popen(self._argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                                  text=True, encoding="utf-8", bufsize=1)
                assert self._proc.stdin and self._proc.stdout
                try:
                    self._proc.stdin.write(json.dumps(request) + "\n")
                    self._proc.stdin.flush()
                    line = self._proc.stdout.readline()
                except (BrokenPipeError, OSError):
                    line = ""
                if line:
                    reply = json.loads(line)
                    if reply.get("error"):
                        raise EngineError(f"{self.name}: {reply['error']}")
                    return
                self.close()  # reaped before the restart: no zombie left behind
            raise EngineError(f"{self.name}: the synthesis helper process stopped")

    def close(self) -> None:
        """Stop the helper process (it would also stop by itself when this process exits)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin:
                    proc.stdin.close()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
