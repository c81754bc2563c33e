"""`audiobook review` as a user starts it: a free loopback port, the address printed, Ctrl-C stops it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from test_review_app import STORY, VOICES

from audiobook.cli import COMMANDS


def test_review_is_a_registered_command() -> None:
    assert "review" in [c.name for c in COMMANDS]


def test_the_command_serves_the_page_on_loopback_until_interrupted(tmp_path: Path) -> None:
    src = tmp_path / "harbour.txt"
    src.write_text(STORY, encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    exe = str(Path(sys.executable).parent / "audiobook")
    proc = subprocess.Popen([exe, "review", "--no-browser", "--voices", str(voices), str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        assert first == f"Reviewing {src}; changes go to {voices}\n"
        m = re.fullmatch(r"Open (http://127\.0\.0\.1:(\d+)/)  \(Ctrl-C stops\)\n", second)
        assert m and int(m.group(2)) > 0, second
        with urllib.request.urlopen(m.group(1), timeout=60) as resp:
            assert resp.status == 200 and b'id="review"' in resp.read()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=120)  # generous: a loaded 2-core machine is slow to stop it
        except subprocess.TimeoutExpired:
            proc.kill()  # never leave a server behind, even when the test fails
            proc.communicate()
            raise
    assert proc.returncode == 0, err
    assert out.strip().endswith("Stopped.")
    assert voices.read_text(encoding="utf-8") == VOICES  # looking changes nothing
