"""The review page and render together: voices.yaml is never corrupted, and a fix re-renders only its lines."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from test_review_app import STORY, VOICES, call, edit, segment_index

from audiobook.pipeline import RenderOptions, render
from audiobook.review.server import make_server
from audiobook.review.session import Review
from audiobook.voices.config import load_config

SECOND = """
Chapter 2: The Mill

"The wheel has stopped," said Anna.

"Then we will fix it tomorrow," Ben said.
"""


def test_the_page_and_a_running_render_never_corrupt_voices_yaml(tmp_path: Path) -> None:
    src = tmp_path / "harbour.txt"
    src.write_text(STORY, encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    srv = make_server(Review([src], voices, tmp_path / "output"))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        # Two renders in other processes add the new speakers (Mister Gull, Old Harbour) under the file lock...
        renders = [subprocess.Popen([str(Path(sys.executable).parent / "audiobook"), "render", "-q", "-j", "1", "--voices", str(voices), "-o", str(tmp_path / f"out{i}"),
                                     str(src)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                   for i in range(2)]
        # ...while the page keeps editing the same file.
        rates = []
        ci, si, text = segment_index(srv, "Did you hear")
        while any(p.poll() is None for p in renders) or len(rates) < 8:
            rate = 100 + len(rates)
            status, result = edit(srv, {"op": "voice", "name": "Anna", "voice": None, "rate": rate, "pitch": None})
            assert status == 200, result
            rates.append(rate)
            load_config(voices)  # every state a reader can see is a whole, valid file
        status, _ = edit(srv, {"op": "speaker", "chapter": ci, "segment": si, "text": text, "speaker": "Anna"})
        assert status == 200
        for p in renders:
            out, err = p.communicate(timeout=600)
            assert p.returncode == 0, err.decode()
        config = load_config(voices)
        assert config.characters["Anna"].voice.rate == rates[-1]  # every edit landed; the last one stands
        assert {"Anna", "Ben", "Mister Gull", "Old Harbour"} <= set(config.characters)  # the renders' additions too
        assert config.overrides[-1].speaker == "Anna"
        text_now = voices.read_text(encoding="utf-8")
        assert "This comment must survive" in text_now and "keep this comment too" in text_now
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") or p.suffix == ".part"]  # no litter
        assert call(srv, "GET", "/api/script")[0] == 200
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_fix_re_renders_only_its_lines_and_its_chapter(tmp_path: Path) -> None:
    src = tmp_path / "harbour.txt"
    src.write_text(STORY + SECOND, encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    options = RenderOptions(voices=voices, out_dir=tmp_path / "output", jobs=1, cache_dir=tmp_path / "cache")
    first = render([src], options)
    mtimes = {c.path: c.path.stat().st_mtime_ns for c in first.chapters}
    review = Review([src], voices, options.out_dir)
    ci, si, text = (0, *next((i, s.text) for i, s in enumerate(review.chapters()[0].segments)
                             if s.text.startswith("Did you hear")))
    result = review.apply({"op": "speaker", "chapter": ci, "segment": si, "text": text, "speaker": "Anna"})
    assert result.moved == 1
    again = render([src], options)
    assert again.clips_synthesized == 1  # "Did you hear that?" in Anna's voice: one sentence, one clip
    one, two = again.chapters
    assert one.path.stat().st_mtime_ns != mtimes[one.path]  # the chapter with the fixed line is rewritten
    assert two.path.stat().st_mtime_ns == mtimes[two.path]  # the other is left alone
    assert [c.segment.speaker for c in one.cues if c.segment.text.startswith("Did you hear")] == ["Anna"]


def test_the_pages_re_render_button_renders_only_the_fixed_line(tmp_path: Path) -> None:
    """POST /api/render runs `audiobook render` for the same inputs; the page polls GET /api/render."""
    src = tmp_path / "harbour.txt"
    src.write_text(STORY, encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    first = render([src], RenderOptions(voices=voices, out_dir=tmp_path / "output", jobs=1))  # the user's cache
    srv = make_server(Review([src], voices, tmp_path / "output"))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        ci, si, text = segment_index(srv, "Did you hear")
        assert edit(srv, {"op": "speaker", "chapter": ci, "segment": si, "text": text, "speaker": "Anna"})[0] == 200
        headers = {"X-Review-Token": srv.token}
        assert call(srv, "POST", "/api/render", b"", headers)[0] == 202
        assert call(srv, "POST", "/api/render", b"", headers)[0] in (409, 202)  # one at a time (or already done)
        assert call(srv, "POST", "/api/render", b"", {"X-Review-Token": "guess"})[0] == 403
        deadline = time.monotonic() + 600
        while True:
            state = json.loads(call(srv, "GET", "/api/render")[1])
            if not state["running"] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert state["returncode"] == 0, state["output"]
        assert state["output"].splitlines()[-1] == (f"1 of {first.clips_total} clips synthesised, "
                                                    "the rest from the cache.")
    finally:
        srv.shutdown()
        srv.server_close()
