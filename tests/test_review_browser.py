"""The review page in real headless Chromium, driven like a user; voices.yaml and `script --format json` checked
after every change. Skipped visibly without Playwright or Chromium.

`AUDIOBOOK_SCREENSHOTS=docs pytest tests/test_review_browser.py` also copies the page's screenshot to
docs/review-page.png (by default it is written in the test's tmp_path only).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_review_app import STORY, VOICES, script_json
from test_scriptpage import browser  # noqa: F401  (the module's Chromium fixture, shared)

from audiobook.pipeline import RenderOptions, render
from audiobook.review.server import ReviewServer, make_server
from audiobook.review.session import Review
from audiobook.voices.config import load_config


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The story rendered once with real speech, so the page has a player (voices.yaml copied per test)."""
    root = tmp_path_factory.mktemp("review-render")
    src = root / "harbour.txt"
    src.write_text(STORY, encoding="utf-8")
    voices = root / "voices.yaml"
    voices.write_text(VOICES, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:  # a module fixture runs before conftest's per-test cache isolation
        mp.setenv("AUDIOBOOK_CACHE_DIR", str(root / "cache"))
        render([src], RenderOptions(voices=voices, out_dir=root / "output", jobs=1, cache_dir=root / "cache"))
    return src, root / "output", voices


@pytest.fixture
def app(rendered: tuple[Path, Path, Path], tmp_path: Path) -> Iterator[tuple[ReviewServer, Path, Path]]:
    src, out, _ = rendered
    voices = tmp_path / "voices.yaml"
    voices.write_text(VOICES + "# A comment at the end, far from every edit.\n", encoding="utf-8")
    srv = make_server(Review([src], voices, out))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv, src, voices
    srv.shutdown()
    srv.server_close()


def open_review(browser: Any, srv: ReviewServer) -> tuple[Any, list[str]]:  # noqa: F811
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.goto(srv.url)
    return page, errors


def act(page: Any, click: str) -> str:
    """Click a control that edits voices.yaml; the page reloads and says what the change did."""
    with page.expect_navigation():
        page.click(click)
    return str(page.inner_text("#status"))


def page_script(page: Any) -> list[tuple[str, str | None]]:
    """(kind, speaker) of every segment as the page shows it."""
    rows = page.eval_on_selector_all(".seg", "els => els.map(e => [e.classList.contains('line') ? 'dialogue' : "
                                             "'narration', e.getAttribute('data-speaker')])")
    return [(k, None if k == "narration" or s == "unknown speaker" else s) for k, s in rows]


def agrees(page: Any, src: Path, voices: Path) -> None:
    """voices.yaml still holds the user's comments, and `script --format json` says what the page shows."""
    text = voices.read_text(encoding="utf-8")
    assert "This comment must survive" in text and "keep this comment too" in text and "far from every edit" in text
    assert [(s["kind"], s["speaker"]) for s in script_json(src, voices)] == page_script(page)


def open_character(page: Any, name: str) -> Any:
    box = page.locator(f'details.char[data-name="{name}"]')
    box.locator("summary").click()
    return box


def test_reassign_a_line_and_step_through_uncertain_lines(browser: Any, app: Any,  # noqa: F811
                                                          rendered: tuple[Path, Path, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    srv, src, voices = app
    page, errors = open_review(browser, srv)
    try:
        assert page.locator("section.chapter audio").first.get_attribute("src") == "/audio/0-0.mp3"  # the render plays here
        page.locator(".seg.line", has_text="Did you hear that").click()
        assert "Did you hear that?" in page.inner_text("#line-text")
        page.fill("#speaker", "Mister Gull")
        status = act(page, "#assign")
        assert status == "line given to Mister Gull: 1 line moved (Ben → Mister Gull: 1)."
        (override,) = load_config(voices).overrides
        assert (override.line, override.speaker) == ("Did you hear that", "Mister Gull")
        assert page.locator(".seg.line", has_text="Did you hear that").get_attribute("data-speaker") == "Mister Gull"
        agrees(page, src, voices)
        # A new name typed in, then narration, by keyboard on the selected line (kept selected across the reload).
        page.keyboard.press("r")
        page.keyboard.type("Harbourmaster")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.inner_text("#status") == ("line given to Harbourmaster: 1 line moved "
                                              "(Mister Gull → Harbourmaster: 1).")
        with page.expect_navigation():
            page.keyboard.press("n")
        assert page.inner_text("#status") == "line read as narration: 1 line moved (Harbourmaster → Narrator: 1)."
        assert len(load_config(voices).overrides) == 1  # one line, one entry, changed each time
        agrees(page, src, voices)
        # Re-render from the page: a child `audiobook render` with the render's own clip cache.
        monkeypatch.setenv("AUDIOBOOK_CACHE_DIR", str(rendered[1].parent / "cache"))
        with page.expect_navigation(timeout=300_000):
            page.click("#rerender")
        status = page.inner_text("#status")
        assert status.startswith("Rendered: ") and status.endswith("clips synthesised, the rest from the cache."), \
            status
        assert errors == []
    finally:
        page.close()


def test_merge_rename_phantom_and_voice_like_a_user(browser: Any, app: Any, tmp_path: Path) -> None:  # noqa: F811
    srv, src, voices = app
    page, errors = open_review(browser, srv)
    try:
        box = open_character(page, "Mister Gull")
        box.locator(".merge-into").select_option("Ben")
        assert act(page, 'details.char[data-name="Mister Gull"] .do-merge') == (
            "Mister Gull is now a name of Ben: 1 line moved (Mister Gull → Ben: 1).")
        assert "Mister Gull" in load_config(voices).characters["Ben"].aliases
        assert page.locator('details.char[data-name="Mister Gull"]').count() == 0
        agrees(page, src, voices)

        box = open_character(page, "Ben")
        box.locator(".rename").fill("Benedict")
        status = act(page, 'details.char[data-name="Ben"] .do-rename')
        assert status.startswith("Ben renamed Benedict: 6 lines moved (Ben → Benedict: 6)")
        assert list(load_config(voices).characters)[:2] == ["Anna", "Benedict"]
        agrees(page, src, voices)

        open_character(page, "Old Harbour")
        assert act(page, 'details.char[data-name="Old Harbour"] .do-notchar') == (
            "Old Harbour is not a character: 1 line moved (Old Harbour → Narrator: 1).")
        assert load_config(voices).not_characters == ("Old Harbour",)
        agrees(page, src, voices)
        # Its line is now uncertain: the keyboard steps to it and accepts the narrator.
        page.keyboard.press("j")
        assert page.inner_text("#status").startswith("Uncertain line 1 of ")
        assert "Liar" in page.inner_text("#line-text")

        box = open_character(page, "Anna")
        with page.expect_response(lambda r: "/api/preview" in r.url) as preview:
            box.locator(".voice-id").fill("gmw/en-gb-x-rp+f2")
            box.locator(".rate").fill("200")
            box.locator(".do-preview").click()
        assert preview.value.status == 200 and preview.value.header_value("content-type") == "audio/mpeg"
        assert load_config(voices).characters["Anna"].voice.voice == "gmw/en-us+f3"  # a preview saves nothing
        box.locator(".voice-id").fill("gmw/en-gb-x-rp+f2")
        box.locator(".rate").fill("200")
        assert act(page, 'details.char[data-name="Anna"] .do-voice') == "characters.Anna changed: 0 lines moved."
        anna = load_config(voices).characters["Anna"]
        assert (anna.voice.voice, anna.voice.rate, anna.voice.pitch) == ("gmw/en-gb-x-rp+f2", 200, 60)
        agrees(page, src, voices)

        assert errors == []
        page.locator(".seg.line", has_text="Honestly").click()
        page.set_viewport_size({"width": 1100, "height": 640})
        shot = tmp_path / "review-page.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size < 400_000
        if os.environ.get("AUDIOBOOK_SCREENSHOTS"):
            shutil.copy(shot, Path(os.environ["AUDIOBOOK_SCREENSHOTS"]) / "review-page.png")

        box = open_character(page, "Anna")
        box.locator(".rate").fill("999")
        page.click('details.char[data-name="Anna"] .do-voice')
        page.wait_for_selector("#status.error")
        assert page.inner_text("#status") == "voices.yaml, line 9: characters.Anna.rate: 999 is out of range (80-450)"
        assert load_config(voices).characters["Anna"].voice.rate == 200  # refused: nothing written
        assert [e for e in errors if "400 (Bad Request)" not in e] == []

    finally:
        page.close()


def test_the_page_refuses_a_post_from_another_origin(browser: Any, app: Any, tmp_path: Path) -> None:  # noqa: F811
    """A page on another origin cannot post an edit, even knowing the address (the browser sends its Origin)."""
    srv, _, voices = app
    before = voices.read_bytes()
    evil = tmp_path / "evil.html"
    evil.write_text("<!DOCTYPE html><title>evil</title>", encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(evil.as_uri())
        result = page.evaluate("""url => fetch(url + 'api/edit', {method: 'POST', mode: 'no-cors',
            headers: {'Content-Type': 'text/plain'}, body: JSON.stringify({op: 'merge', source: 'Anna',
            target: 'Ben'})}).then(() => 'sent', e => 'blocked: ' + e)""", srv.url)
        assert result in ("sent", "blocked: TypeError: Failed to fetch")
        assert voices.read_bytes() == before
        status = page.evaluate("""url => fetch(url + 'api/script').then(r => r.status, e => 'blocked')""", srv.url)
        assert status in ("blocked", 403)  # no CORS header: a foreign page cannot read the script either
    finally:
        page.close()
