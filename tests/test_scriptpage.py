"""`script --html`: the colour-coded script page, its subtitle timings, and the page in a real headless browser."""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.attribution.book import read_book
from audiobook.cli import main
from audiobook.errors import InputError
from audiobook.model import Book, Chapter, Character, Segment
from audiobook.pipeline import RenderOptions, render
from audiobook.publish import scriptpage
from audiobook.publish.scriptpage import (
    CURRENT_BG,
    PAGE_BG,
    PageAudio,
    VttCue,
    build_page,
    contrast,
    default_page_path,
    find_rendered,
    parse_vtt,
    speaker_colours,
    timings_from_cues,
    timings_from_vtt,
    tint,
    write_script_page,
)

# ---------------------------------------------------------------- helpers


def chapter_of(*parts: tuple[str, str | None, int], title: str = "One") -> Chapter:
    """(text, speaker or None for narration, paragraph) triples as a chapter with real offsets."""
    segs, at = [], 0
    for text, speaker, para in parts:
        kind = "narration" if speaker is None else "dialogue"
        who = None if speaker in (None, "?") else speaker
        segs.append(Segment(kind, text, at, at + len(text), who, para, 0, 0.3 if speaker == "?" else 0.9, "test"))
        at += len(text) + 1
    names = sorted({s.speaker for s in segs if s.speaker})
    return Chapter(title, tuple(segs), tuple(Character(n) for n in names))


def vtt_of(cues: list[tuple[float, float, str | None, str]]) -> str:
    """A WebVTT file like the one the render writes beside each MP3: one cue per segment, <v> voice tags."""
    def ts(s: float) -> str:
        return f"{int(s // 3600):02d}:{int(s // 60 % 60):02d}:{s % 60:06.3f}"
    out = ["WEBVTT", ""]
    for n, (start, end, voice, text) in enumerate(cues, start=1):
        body = html.escape(text, quote=False)
        out += [str(n), f"{ts(start)} --> {ts(end)}", f"<v {voice}>{body}" if voice else body, ""]
    return "\n".join(out)


# ---------------------------------------------------------------- colours


def test_speaker_colours_are_readable_everywhere_they_appear() -> None:
    colours = speaker_colours([f"S{i}" for i in range(30)])
    for fg, bg in colours.values():
        assert contrast(fg, PAGE_BG) >= 4.5
        assert contrast(fg, bg) >= 4.5  # the line on its own tint
        assert contrast(fg, CURRENT_BG) >= 4.5  # the line while it is being played
        assert contrast("#ffffff", fg) >= 4.5  # the white speaker label on the speaker's colour
        assert bg == tint(fg)


def lab(colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour: distances there follow what eyes see."""
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
               for c in (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))]
    x, y, z = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
               (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116
    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_the_first_speakers_get_clearly_different_colours() -> None:
    fgs = [fg for fg, _ in speaker_colours([f"S{i}" for i in range(12)]).values()] + [scriptpage.NARRATION_FG]
    for a, b in itertools.combinations(fgs, 2):
        assert sum((x - y) ** 2 for x, y in zip(lab(a), lab(b))) ** 0.5 > 25, (a, b)


@pytest.mark.parametrize("a, b, ratio", [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0),
                                         ("#777777", "#ffffff", 4.48)])
def test_contrast_matches_wcag(a: str, b: str, ratio: float) -> None:
    assert contrast(a, b) == pytest.approx(ratio, abs=0.01)


# ---------------------------------------------------------------- WebVTT


def test_parse_vtt_reads_voices_times_and_entities() -> None:
    text = ("\ufeffWEBVTT - chapter\r\n\r\nNOTE made by audiobook\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\n"
            "c1\r\n00:01.500 --> 00:03.250 align:start\r\n<v.loud Mara>Tom &amp; Jerry &lt;3</v>\r\n\r\n"
            "1:02:03.004 --> 1:02:04.000\r\n<v Tobias Reed><i>Who</i>\r\nare you?\r\n")
    assert parse_vtt(text) == [VttCue(1.5, 3.25, "Mara", "Tom & Jerry <3"),
                               VttCue(3723.004, 3724.0, "Tobias Reed", "Who are you?")]


def test_parse_vtt_rejects_other_files() -> None:
    with pytest.raises(InputError, match=r"^ch\.vtt: not a WebVTT file"):
        parse_vtt("1\n00:00:01,000 --> 00:00:02,000\nhi\n", "ch.vtt")


def test_timings_skip_the_title_and_survive_split_and_reworded_cues() -> None:
    ch = chapter_of(("The night was cold.", None, 0), ("Dr. Reed is here!", "Mara", 1), ("she said.", None, 1),
                    ("Let him wait. I am busy.", "Mara", 1))
    cues = [VttCue(0, 2, "Narrator", "Chapter One"), VttCue(2.5, 4, "Narrator", "The night was cold."),
            VttCue(4.5, 6, "Mara", "Doctor Reed is here!"),  # the pronunciation differs from the text
            VttCue(6.1, 7, "Narrator", "she said."),
            VttCue(7.5, 8.5, "Mara", "Let him wait."), VttCue(8.6, 9.5, "Mara", "I am busy.")]
    assert timings_from_vtt(ch, cues) == {0: (2.5, 4), 1: (4.5, 6), 2: (6.1, 7), 3: (7.5, 9.5)}


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["the", "cat", "sat", "on", "a", "mat", "oh", "no"]), min_size=1,
                         max_size=9), min_size=1, max_size=8), st.data())
def test_timings_for_cues_split_anywhere(texts: list[list[str]], data: st.DataObject) -> None:
    """However the render splits segments into cues, each segment spans exactly its own cues."""
    ch = chapter_of(*[(" ".join(ws) + ".", "Ann" if i % 2 else None, i) for i, ws in enumerate(texts)])
    cues, expected, t = [], {}, 0.0
    if data.draw(st.booleans()):
        cues.append(VttCue(t, t + 1, None, "Chapter the first"))
        t += 1.5
    for i, ws in enumerate(texts):
        cuts = sorted(data.draw(st.sets(st.integers(1, len(ws) - 1), max_size=3)) if len(ws) > 1 else set())
        start = t
        for a, b in zip([0, *cuts], [*cuts, len(ws)]):
            cues.append(VttCue(t, t + 0.5, None, " ".join(ws[a:b])))
            t += 0.6
        expected[i] = (start, t - 0.1)
    got = timings_from_vtt(ch, cues)
    assert got.keys() == expected.keys()
    for i in expected:
        assert got[i] == pytest.approx(expected[i])


def test_timings_from_a_renders_cues() -> None:
    from audiobook.model import Cue

    ch = chapter_of(("Hello there.", "Ann", 0), ("She waved.", None, 0))
    assert timings_from_cues(ch, [Cue(ch.segments[1], 1500, 2250), Cue(ch.segments[0], 250, 1200)]) == {
        0: (0.25, 1.2), 1: (1.5, 2.25)}


# ---------------------------------------------------------------- the page


def test_page_escapes_text_and_names_and_marks_uncertain_lines() -> None:
    ch = chapter_of(("Fish & chips </script><b>", "<Ann>", 0), ("she said & left.", None, 0),
                    ("Who's there?", "?", 1), ("Not me.", "Bo \"B\"", 2))
    page = build_page([Book((ch,), title="T & <T>")], {(0, 0): PageAudio("a%20b.mp3", {0: (1.0, 2.5)})})
    assert "</script><b>" not in page and "Fish &amp; chips &lt;/script&gt;&lt;b&gt;" in page
    assert "<title>T &amp; &lt;T&gt; — script</title>" in page
    assert 'data-speaker="&lt;Ann&gt;"' in page and 'data-speaker="Bo &quot;B&quot;"' in page
    assert re.search(r'class="seg line sp-unknown uncertain"[^>]*title="unknown speaker · confidence 0\.30', page)
    assert '<audio controls preload="metadata" src="a%20b.mp3">' in page
    assert 'data-start="1.000" data-end="2.500"' in page
    cues = json.loads(re.search(r'<script type="application/json" class="cues">(.*?)</script>', page).group(1))
    assert cues == [{"id": "c0s0", "start": 1.0, "end": 2.5}]
    assert "http://" not in page and "https://" not in page and "src=\"//" not in page  # nothing from the network


def test_page_without_a_render_has_no_player() -> None:
    page = build_page([Book((chapter_of(("Hi.", "Ann", 0)),))])
    assert not re.search(r"<audio\b", page) and '<script type="application/json"' not in page
    assert ' data-start="' not in page


def test_finds_the_render_under_another_track_number_and_links_it_relatively(tmp_path: Path) -> None:
    book = Book((chapter_of(("Hi.", "Ann", 0), title="Part: Two?"),), title="My/Book")
    folder = tmp_path / "out" / "My Book"
    folder.mkdir(parents=True)
    (folder / "07 - Part Two.mp3").write_bytes(b"ID3")
    (folder / "07 - Part Two.vtt").write_text(vtt_of([(0.5, 1.5, "Ann", "Hi.")]), encoding="utf-8")
    (folder / "08 - Part Three.mp3").write_bytes(b"ID3")
    found = find_rendered([book], tmp_path / "out")
    assert found[(0, 0)].mp3 == folder / "07 - Part Two.mp3" and found[(0, 0)].vtt == folder / "07 - Part Two.vtt"
    assert default_page_path([book], tmp_path / "out") == folder / "07 - Part Two.html"
    dest, played = write_script_page([book], tmp_path / "pages" / "p.html", out_dir=tmp_path / "out")
    assert played == 1
    page = dest.read_text(encoding="utf-8")
    assert 'src="../out/My%20Book/07%20-%20Part%20Two.mp3"' in page
    assert 'data-start="0.500" data-end="1.500"' in page


def test_cli_html_without_a_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["script", "--html", str(SAMPLE)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    dest = Path("output") / "The Lamplighter's Daughter" / "01 - Chapter One The Last Ferry.html"
    assert result.output == f"Wrote {dest} (no render found in output: no player)\n"
    assert "<audio" not in dest.read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["script", "--html", str(SAMPLE), "-o", "x/page.html"], catch_exceptions=False)
    assert result.exit_code == 0 and Path("x/page.html").is_file()


def test_cli_html_unwritable_page_is_one_readable_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("blocker").write_text("a file, not a folder")
    result = CliRunner().invoke(main, ["script", "--html", str(SAMPLE), "-o", "blocker/page.html"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write to blocker: ")


# ---------------------------------------------------------------- in a real browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    for name in (os.environ.get("AUDIOBOOK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Debian's Chromium driven by Playwright (no browser download); skipped visibly if either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    exe = _chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    home = tmp_path_factory.mktemp("chromium-home")  # Chromium also writes under $HOME (.pki, .cache)
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_CACHE_HOME": str(home / "cache")}
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=exe, headless=True, args=FLAGS,
            env=env, viewport={"width": 1100, "height": 900})
        yield context
        context.close()


def open_page(browser, path: Path):  # -> (playwright Page, list of errors)
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    # A seek cancels the media request in flight (net::ERR_ABORTED): that is not a failure.
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "") else None)
    page.goto(path.resolve().as_uri())
    return page, errors


def test_sample_page_in_a_browser_shows_every_speaker(browser, tmp_path: Path) -> None:
    book = read_book(SAMPLE)
    dest, _ = write_script_page([book], tmp_path / "page.html", out_dir=tmp_path / "none")
    page, errors = open_page(browser, dest)
    try:
        names = {c.name for c in book.chapters[0].characters}
        assert len(names) >= 2
        legend = page.eval_on_selector_all(".legend li[data-speaker]", "els => els.map(e => e.dataset.speaker)")
        assert names <= set(legend)
        for name in names:
            line = page.locator(f'.line[data-speaker="{name}"]').first
            assert line.is_visible()
            assert line.inner_text().strip().endswith("”")
        # Every line as the browser draws it: speaker colour on its tint, readable (WCAG AA).
        styles = page.eval_on_selector_all(".line", "els => els.map(e => [getComputedStyle(e).color, "
                                                    "getComputedStyle(e).backgroundColor])")

        def hexed(css: str) -> str:
            return "#" + "".join(f"{int(v):02x}" for v in re.findall(r"\d+", css)[:3])
        assert len({fg for fg, _ in styles}) >= len(names)
        assert all(contrast(hexed(fg), hexed(bg)) >= 4.5 for fg, bg in styles)
        uncertain = page.locator(".line.uncertain")
        if uncertain.count():
            assert page.evaluate("getComputedStyle(document.querySelector('.line.uncertain'))"
                                 ".textDecorationStyle") == "dotted"
            assert "confidence" in uncertain.first.get_attribute("title")
        assert errors == []
    finally:
        page.close()


@pytest.fixture(scope="module")
def short_render(tmp_path_factory: pytest.TempPathFactory):
    """Two speakers, a few sentences, rendered with real speech."""
    root = tmp_path_factory.mktemp("short")
    src = root / "short.txt"
    src.write_text('Chapter 1\n\n"Good evening," said Alice. "The tide is coming in."\n\n'
                   '"It is going out," said Bob. "Look at the boats."\n\nThe gulls did not care.\n', encoding="utf-8")
    # A module fixture runs before conftest's per-test cache isolation: keep the clip cache in tmp by hand.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUDIOBOOK_CACHE_DIR", str(root / "cache"))
        mp.setenv("XDG_CACHE_HOME", str(root / "xdg-cache"))
        report = render([src], RenderOptions(voices=root / "voices.yaml", out_dir=root / "output", jobs=1,
                                             cache_dir=root / "cache"))
    return root, src, report


@pytest.mark.parametrize("source", ["vtt", "cues"])
def test_player_highlights_the_line_being_played(browser, short_render, source: str) -> None:
    root, src, report = short_render
    (rendered,) = report.chapters
    book = read_book(src)
    if source == "vtt" and not rendered.path.with_suffix(".vtt").is_file():
        # The render has not written a subtitle sidecar: write one in its format from the render's own cues.
        rendered.path.with_suffix(".vtt").write_text(vtt_of(
            [(c.start_ms / 1000, c.end_ms / 1000, c.segment.speaker or "Narrator", c.segment.text)
             for c in rendered.cues]), encoding="utf-8")
    dest, played = write_script_page([book], root / f"page-{source}.html", out_dir=root / "output",
                                     rendered=report.chapters if source == "cues" else ())
    assert played == 1
    page, errors = open_page(browser, dest)
    try:
        # The MP3 really loads from the page's relative src.
        page.wait_for_function("document.querySelector('audio').readyState >= 1", timeout=15000)
        assert page.evaluate("document.querySelector('audio').duration") == pytest.approx(
            rendered.duration_ms / 1000, abs=1.0)
        lines = page.eval_on_selector_all("[data-start]", "els => els.map(e => [e.id, +e.dataset.start, "
                                                          "+e.dataset.end, e.dataset.speaker || null])")
        segs = book.chapters[0].segments
        assert len(lines) == len(segs)  # every segment is timed
        assert {s for *_, s in lines if s} == {"Alice", "Bob"}
        for sid, start, end, _speaker in lines:
            page.evaluate("""t => new Promise(done => {
                const a = document.querySelector('audio');
                a.addEventListener('seeked', () => done(), {once: true});
                a.currentTime = t;
            })""", (start + end) / 2)
            assert page.eval_on_selector_all(".current", "els => els.map(e => e.id)") == [sid]
        # Clicking a line plays from it.
        sid, start, _, _ = lines[-1]
        page.click(f"#{sid}")
        assert page.evaluate("document.querySelector('audio').currentTime") == pytest.approx(start, abs=0.05)
        assert errors == []
    finally:
        page.close()


def test_cli_html_finds_the_render(short_render, tmp_path: Path) -> None:
    root, src, report = short_render
    page = tmp_path / "page.html"
    result = CliRunner().invoke(main, ["script", "--html", str(src), "--voices", str(root / "voices.yaml"),
                                       "--output-dir", str(root / "output"), "-o", str(page)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote {page} (player for 1 rendered chapter(s))\n"
    mp3 = report.chapters[0].path
    assert (page.parent / urllib.parse.unquote(
        re.search(r'<audio [^>]*src="([^"]+)"', page.read_text(encoding="utf-8")).group(1))).resolve() == mp3.resolve()


class _Spans(__import__("html.parser").parser.HTMLParser):
    """Collects the text of each segment element, as a browser would read it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.segs: list[dict[str, object]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self.depth:
            self.depth += 1
            self.label = self.label or (a.get("class") == "who")
        elif "seg" in (a.get("class") or "").split():
            self.segs.append({"attrs": a, "text": ""})
            self.depth, self.label = 1, False

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            self.label = False

    def handle_data(self, data: str) -> None:
        if self.depth and not self.label:
            self.segs[-1]["text"] += data  # type: ignore[operator]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                                  max_size=30).filter(str.strip),
                          st.sampled_from([None, "Ann", "?", "<Bo & \"Co\">", "Ann"]),
                          st.integers(0, 3)), min_size=1, max_size=12))
def test_page_keeps_every_segment_in_order(parts: list[tuple[str, str | None, int]]) -> None:
    parts.sort(key=lambda p: p[2])  # paragraphs come in reading order
    ch = chapter_of(*parts)
    timings = {i: (float(i), i + 0.5) for i in range(0, len(ch.segments), 2)}
    parser = _Spans()
    parser.feed(build_page([Book((ch,))], {(0, 0): PageAudio("x.mp3", timings)}))
    assert len(parser.segs) == len(ch.segments)
    for i, (seg, got) in enumerate(zip(ch.segments, parser.segs)):
        text = " ".join(seg.text.split())
        assert got["text"] == (text if seg.kind == "narration" else f"“{text}”")
        attrs = got["attrs"]
        assert attrs.get("data-speaker") == (None if seg.kind == "narration" else seg.speaker or "unknown speaker")
        assert (attrs.get("data-start"), attrs.get("data-end")) == (
            (f"{timings[i][0]:.3f}", f"{timings[i][1]:.3f}") if i in timings else (None, None))
