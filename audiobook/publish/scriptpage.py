"""A self-contained HTML script page: who says what, in colour, following the rendered audio if there is one."""

from __future__ import annotations

import colorsys
import html
import json
import os
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..attribution.review import words
from ..errors import InputError, OutputError
from ..fsutil import atomic_output, safe_name
from ..model import Book, Chapter, Cue, RenderedChapter

#: Dialogue below this confidence is marked as uncertain on the page.
UNCERTAIN = 0.6

#: Page background, the narration colour and the highlight behind the line being played.
PAGE_BG = "#ffffff"
NARRATION_FG = "#262626"
CURRENT_BG = "#ffe98f"
UNKNOWN_FG = "#5c5c5c"

# Dark hues picked for distance from each other in CIELAB (every pair > 25 dE) and from the grey narration; each
# reads at >= 4.5:1 on white, on its own tint and on the highlight (tests check both); more speakers get generated
# hues, readable but no longer guaranteed distinct.
_PALETTE = ("#0a58a8", "#b0241c", "#067906", "#8f0fff", "#c2008e", "#7a6200", "#007556", "#a04f08",
            "#0d59f2", "#bc2f5e", "#086d91", "#9933cc")

Timings = Mapping[int, tuple[float, float]]  # segment index in its chapter -> (start, end) in seconds


# ---------------------------------------------------------------- colours

def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb: Sequence[float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _rgb(hex_colour)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21; body text needs 4.5)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def tint(fg: str, amount: float = 0.09) -> str:
    """A pale background of the speaker's hue: fg mixed into white."""
    return _hex([1 - amount * (1 - c) for c in _rgb(fg)])


def _generated(i: int) -> str:
    # Golden-angle hues, darkened until the text passes 4.5:1 on every background it sits on.
    hue = (0.07 + i * 0.381966) % 1.0
    light = 0.42
    while True:
        fg = _hex(colorsys.hls_to_rgb(hue, light, 0.75))
        if min(contrast(fg, tint(fg)), contrast(fg, CURRENT_BG)) >= 4.6 or light <= 0.1:
            return fg
        light -= 0.02


def speaker_colours(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """A (text colour, background tint) pair per speaker, distinct and readable, in the order given."""
    out = {}
    for i, name in enumerate(names):
        fg = _PALETTE[i] if i < len(_PALETTE) else _generated(i - len(_PALETTE))
        out[name] = (fg, tint(fg))
    return out


# ---------------------------------------------------------------- timings

@dataclass(frozen=True)
class VttCue:
    """One WebVTT cue: times in seconds, the <v> voice if any, and the plain text."""

    start: float
    end: float
    voice: str | None
    text: str


_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAG = re.compile(r"<[^>]*>")


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_vtt(text: str, name: str = "subtitles.vtt") -> list[VttCue]:
    """The cues of a WebVTT file (NOTE/STYLE blocks and cue settings ignored)."""
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise InputError(f"{name}: not a WebVTT file (it must start with WEBVTT)")
    cues = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.split("\n")
        for i, line in enumerate(lines):
            m = _TIMING.match(line)
            if m:
                body = "\n".join(lines[i + 1:])
                voice = _VOICE.search(body)
                plain = html.unescape(_TAG.sub("", body))
                cues.append(VttCue(_seconds(*m.group(1, 2, 3, 4)), _seconds(*m.group(5, 6, 7, 8)),
                                   voice.group(1).strip() if voice else None, " ".join(plain.split())))
                break
    return cues


def timings_from_vtt(chapter: Chapter, cues: Sequence[VttCue]) -> dict[int, tuple[float, float]]:
    """Each segment's time span, found by walking the segments' words and the cues' words side by side.

    Word alignment (not cue counting) keeps this right when a cue holds part of a segment, several
    segments, or the chapter title, and it resynchronises after words the audio says differently.
    """
    seg_words = [(i, w) for i, seg in enumerate(chapter.segments) for w in words(seg.text)]
    cue_words = [(k, w) for k, cue in enumerate(cues) for w in words(cue.text)]
    spans: dict[int, tuple[float, float]] = {}

    def hit(i: int, k: int) -> None:
        s, e = spans.get(i, (cues[k].start, cues[k].end))
        spans[i] = (min(s, cues[k].start), max(e, cues[k].end))

    p = q = 0
    synced = False  # a lone common word ("the") must not latch onto the title: re-sync on three words
    while p < len(seg_words) and q < len(cue_words):
        if synced and seg_words[p][1] == cue_words[q][1]:
            hit(seg_words[p][0], cue_words[q][0])
            p += 1
            q += 1
            continue
        found = _resync(seg_words, cue_words, p, q)
        if found is None:
            p += 1  # a word the audio does not say (or says differently): skip it
        else:
            p, q = found
        synced = found is not None
    return spans


def _resync(seg_words: list[tuple[int, str]], cue_words: list[tuple[int, str]], p: int,
            q: int) -> tuple[int, int] | None:
    """The nearest positions from which the next three words (or all that are left of both) agree again."""
    want = 3
    for dp in range(0, 6):
        probe = [w for _, w in seg_words[p + dp:p + dp + want]]
        if not probe:
            return None
        for dq in range(0, 60):
            # Near the end the probe is shorter; the cue words must then end with it too (no false anchor).
            if [w for _, w in cue_words[q + dq:q + dq + want]] == probe:
                return p + dp, q + dq
    return None


def timings_from_cues(chapter: Chapter, cues: Sequence[Cue]) -> dict[int, tuple[float, float]]:
    """Each segment's time span from a render's cue list (RenderedChapter.cues)."""
    index = {(seg.start, seg.end): i for i, seg in enumerate(chapter.segments)}
    out = {}
    for cue in cues:
        i = index.get((cue.segment.start, cue.segment.end))
        if i is not None:
            out[i] = (cue.start_ms / 1000, cue.end_ms / 1000)
    return out


# ---------------------------------------------------------------- finding a render

@dataclass(frozen=True)
class ChapterAudio:
    """A rendered chapter's MP3 and, if it was written, its subtitle sidecar."""

    mp3: Path
    vtt: Path | None


def book_folder(books: Sequence[Book], out_dir: Path) -> Path:
    """Where `audiobook render` puts these books' MP3s (same rule as pipeline.render)."""
    first = books[0]
    title = next((b.title for b in books if b.title), None) or (first.source.stem if first.source else "book")
    return out_dir / safe_name(title)


def find_rendered(books: Sequence[Book], out_dir: Path) -> dict[tuple[int, int], ChapterAudio]:
    """The MP3 (and .vtt) a render wrote for each chapter, keyed by (book index, chapter index)."""
    folder = book_folder(books, out_dir)
    if not folder.is_dir():
        return {}
    mp3s = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".mp3")
    found = {}
    track = 0
    for b, book in enumerate(books):
        for c, chapter in enumerate(book.chapters):
            track += 1
            name = safe_name(chapter.title)
            expected = folder / f"{track:02d} - {name}.mp3"
            # The same chapter rendered in another batch has another track number: match the title too.
            same = [p for p in mp3s if re.fullmatch(rf"\d+ - {re.escape(name)}", p.stem)]
            mp3 = expected if expected.is_file() else (same[0] if len(same) == 1 else None)
            if mp3 is not None:
                vtt = mp3.with_suffix(".vtt")
                found[(b, c)] = ChapterAudio(mp3, vtt if vtt.is_file() else None)
    return found


def default_page_path(books: Sequence[Book], out_dir: Path) -> Path:
    """Beside the MP3s: `NN - <chapter>.html` for one chapter, `<book>.html` for several."""
    folder = book_folder(books, out_dir)
    chapters = [ch for b in books for ch in b.chapters]
    if len(chapters) == 1:
        found = find_rendered(books, out_dir).get((0, 0))
        return found.mp3.with_suffix(".html") if found else folder / f"01 - {safe_name(chapters[0].title)}.html"
    return folder / f"{folder.name}.html"


# ---------------------------------------------------------------- the page

@dataclass(frozen=True)
class PageAudio:
    """What the page needs to play one chapter: a URL relative to the page and segment timings."""

    src: str
    timings: Timings


def _relative_url(target: Path, page: Path) -> str:
    rel = os.path.relpath(target.resolve(), page.resolve().parent)
    return urllib.parse.quote(Path(rel).as_posix(), safe="/")


def _cast(books: Sequence[Book]) -> list[tuple[str, int, int]]:
    """(speaker, lines, uncertain lines), most lines first; the unknown speaker is left to the caller."""
    lines: dict[str, int] = {}
    doubtful: dict[str, int] = {}
    for book in books:
        for ch in book.chapters:
            for seg in ch.segments:
                if seg.kind == "dialogue" and seg.speaker:
                    lines[seg.speaker] = lines.get(seg.speaker, 0) + 1
                    doubtful[seg.speaker] = doubtful.get(seg.speaker, 0) + (seg.confidence < UNCERTAIN)
    return sorted(((n, lines[n], doubtful[n]) for n in lines), key=lambda t: -t[1])


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _chapter_html(chapter: Chapter, ci: int, classes: Mapping[str | None, str],
                  audio: PageAudio | None, uncertain: float) -> str:
    out = [f'<section class="chapter" id="ch{ci}">', f"<h2>{_e(chapter.title)}</h2>"]
    if chapter.summary:
        out.append(f'<p class="chapter-summary">{_e(chapter.summary)}</p>')
    cue_list = []
    if audio is not None:
        out.append('<div class="player">'
                   f'<audio controls preload="metadata" src="{_e(audio.src)}"></audio>'
                   '<label><input type="checkbox" class="follow" checked> follow the audio</label></div>')
    para = scene = None
    last_speaker: str | None = None
    for i, seg in enumerate(chapter.segments):
        if seg.paragraph != para:
            if para is not None:
                out.append("</p>")
            if scene is not None and seg.scene != scene:
                out.append('<hr class="scene">')
            out.append("<p>")
            para, scene, last_speaker = seg.paragraph, seg.scene, None
        else:
            out.append(" ")
        sid = f"c{ci}s{i}"
        attrs = f'id="{sid}"'
        if audio is not None and i in audio.timings:
            start, end = audio.timings[i]
            attrs += f' data-start="{start:.3f}" data-end="{end:.3f}"'
            cue_list.append({"id": sid, "start": round(start, 3), "end": round(end, 3)})
        text = _e(" ".join(seg.text.split()))
        if seg.kind == "narration":
            out.append(f'<span class="seg narration" {attrs}>{text}</span>')
            continue
        who = seg.speaker or "unknown speaker"
        doubt = seg.confidence < uncertain
        tip = f"{who} · confidence {seg.confidence:.2f}" + (f" · {seg.reason}" if seg.reason else "")
        cls = f"seg line {classes[seg.speaker]}" + (" uncertain" if doubt else "")
        label = ""
        if seg.speaker != last_speaker or doubt:
            label = f'<span class="who">{_e(seg.speaker or "?")}{"?" if doubt and seg.speaker else ""}</span>'
        last_speaker = seg.speaker
        out.append(f'<span class="{cls}" {attrs} data-speaker="{_e(who)}" data-confidence="{seg.confidence:.2f}" '
                   f'title="{_e(tip)}">{label}“{text}”</span>')
    if para is not None:
        out.append("</p>")
    if audio is not None:
        data = json.dumps(cue_list).replace("</", "<\\/")
        out.append(f'<script type="application/json" class="cues">{data}</script>')
    out.append("</section>")
    return "".join(out)


def build_page(books: Sequence[Book], audio: Mapping[tuple[int, int], PageAudio] | None = None, *,
               uncertain: float = UNCERTAIN) -> str:
    """The whole HTML page for the books' chapters; `audio` keyed by (book index, chapter index)."""
    audio = audio or {}
    cast = _cast(books)
    colours = speaker_colours([n for n, _, _ in cast])
    classes: dict[str | None, str] = {n: f"sp{i}" for i, (n, _, _) in enumerate(cast)}
    classes[None] = "sp-unknown"
    unknown = sum(1 for b in books for ch in b.chapters for s in ch.segments if s.kind == "dialogue" and not s.speaker)
    first = books[0] if books else Book(())
    title = next((b.title for b in books if b.title), None) or (first.source.stem if first.source else "Script")
    author = next((b.author for b in books if b.author), None)

    css = [_CSS]
    for name, (fg, bg) in colours.items():
        css.append(f".{classes[name]}{{--fg:{fg};--bg:{bg}}}")
    css.append(f".sp-unknown{{--fg:{UNKNOWN_FG};--bg:{tint(UNKNOWN_FG)}}}")

    legend = []
    for name, n, doubtful in cast:
        note = f", {doubtful} uncertain" if doubtful else ""
        legend.append(f'<li class="{classes[name]}" data-speaker="{_e(name)}"><span class="swatch"></span>'
                      f'<b>{_e(name)}</b> <span class="count">{n} line{"s" if n != 1 else ""}{note}</span></li>')
    if unknown:
        legend.append(f'<li class="sp-unknown" data-speaker="unknown speaker"><span class="swatch"></span>'
                      f'<b>unknown speaker</b> <span class="count">{unknown} line{"s" if unknown != 1 else ""}'
                      f'</span></li>')
    legend.append('<li class="narr"><span class="swatch"></span><b>Narration</b></li>')

    body = []
    ci = 0
    for b, book in enumerate(books):
        for c, chapter in enumerate(book.chapters):
            body.append(_chapter_html(chapter, ci, classes, audio.get((b, c)), uncertain))
            ci += 1
    return _TEMPLATE.format(
        title=_e(title),
        byline=(f'<p class="byline">by {_e(author)}</p>' if author else "") + _about(books),
        css="\n".join(css),
        legend="".join(legend),
        threshold=f"{uncertain:.2f}",
        body="\n".join(body),
        js=_JS,
    )


def _about(books: Sequence[Book]) -> str:
    """The work's summary, fandom, relationship and rating, as the source gives them (or nothing)."""
    description = next((b.description for b in books if b.description), None)
    if not description:
        return ""
    return '<div class="about">' + "".join(f"<p>{_e(p)}</p>" for p in description.split("\n\n")) + "</div>"


def write_script_page(books: Sequence[Book], dest: Path | None = None, *, out_dir: Path = Path("output"),
                      rendered: Sequence[RenderedChapter] = (), uncertain: float = UNCERTAIN) -> tuple[Path, int]:
    """Write the script page (default: beside the MP3s, see default_page_path); returns (path, chapters with audio).

    Timings come from `rendered` (a render's report, same process) when given, else from the .vtt beside each MP3.
    """
    if not books or not any(b.chapters for b in books):
        raise InputError("nothing to show: the input has no chapters")
    dest = dest or default_page_path(books, out_dir)
    audio: dict[tuple[int, int], PageAudio] = {}
    by_chapter = {(r.chapter.title, r.chapter.start, r.chapter.end): r for r in rendered}
    for key, found in find_rendered(books, out_dir).items():
        chapter = books[key[0]].chapters[key[1]]
        timings: Timings = {}
        report = by_chapter.get((chapter.title, chapter.start, chapter.end))
        if report is not None and report.path.resolve() == found.mp3.resolve():
            timings = timings_from_cues(chapter, report.cues)
        elif found.vtt is not None:
            try:
                text = found.vtt.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{found.vtt}: cannot read the subtitles: {exc}") from None
            timings = timings_from_vtt(chapter, parse_vtt(text, str(found.vtt)))
        audio[key] = PageAudio(_relative_url(found.mp3, dest), timings)
    page = build_page(books, audio, uncertain=uncertain)
    try:
        with atomic_output(dest) as tmp:
            tmp.write_text(page, encoding="utf-8")
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(f"{dest}: cannot write the script page: {exc.strerror or exc}") from None
    return dest, len(audio)


_CSS = """
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:%(page)s;color:%(narr)s;font:18px/1.65 Georgia,'Iowan Old Style','Times New Roman',serif}
header{background:#f6f6f4;border-bottom:1px solid #d0d0cc;padding:.6rem 1.2rem}
header h1{margin:0;font-size:1.35rem}
.byline{margin:0;color:#4a4a4a;font-size:.95rem}
.legend{list-style:none;margin:.4rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.3rem 1rem;
 font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif}
.legend li{display:flex;align-items:center;gap:.35rem;color:var(--fg,%(narr)s)}
.legend .count{color:#4a4a4a}
.swatch{display:inline-block;width:.9rem;height:.9rem;border-radius:3px;background:var(--bg,#fff);
 border:2px solid var(--fg,#888)}
.legend .narr .swatch{border-color:#8c8c8c;background:#fff}
.key{margin:.25rem 0 0;font:13px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;color:#4a4a4a}
.key .uncertain-demo{text-decoration:underline dotted 2px;text-underline-offset:3px}
main{max-width:46rem;margin:0 auto;padding:.5rem 1.2rem 4rem}
h2{font-size:1.25rem;margin:1.6rem 0 .6rem}
.player{position:sticky;top:0;z-index:1;background:#fafaf8;border:1px solid #d0d0cc;
 border-radius:8px;padding:.4rem .6rem;display:flex;align-items:center;gap:1rem;
 font:14px system-ui,-apple-system,'Segoe UI',sans-serif}
.player audio{flex:1;min-width:0}
p{margin:0 0 .9rem}
hr.scene{border:0;text-align:center;margin:1.2rem 0}
hr.scene::after{content:'* * *';color:#6b6b6b}
.seg{border-radius:3px;transition:background-color .15s}
.line{color:var(--fg);background:var(--bg);padding:0 .15em;
 box-decoration-break:clone;-webkit-box-decoration-break:clone}
.who{font:600 11px/1 system-ui,-apple-system,'Segoe UI',sans-serif;letter-spacing:.02em;text-transform:uppercase;
 color:#fff;background:var(--fg);border-radius:3px;padding:2px 4px;margin-right:.3em;vertical-align:2px}
.line.uncertain{text-decoration:underline dotted 2px;text-underline-offset:3px;cursor:help}
[data-start]{cursor:pointer}
.seg.current{background:%(cur)s;outline:2px solid #7a5c00;outline-offset:0}
@media print{.player{display:none}}
""" % {"page": PAGE_BG, "narr": NARRATION_FG, "cur": CURRENT_BG}  # noqa: UP031  (CSS is full of braces)

_JS = r"""
(function () {
  "use strict";
  document.querySelectorAll("section.chapter").forEach(function (section) {
    var audio = section.querySelector("audio");
    var data = section.querySelector("script.cues");
    if (!audio || !data) return;
    var follow = section.querySelector("input.follow");
    var cues = JSON.parse(data.textContent).map(function (c) {
      return { start: c.start, end: c.end, el: document.getElementById(c.id) };
    }).filter(function (c) { return c.el; });
    cues.sort(function (a, b) { return a.start - b.start; });
    var current = null;

    // The cue being spoken: the last one starting at or before t, kept through the pause after it.
    function find(t) {
      var lo = 0, hi = cues.length - 1, best = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (cues[mid].start <= t) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      if (best < 0) return null;
      var next = cues[best + 1];
      var until = next ? Math.max(cues[best].end, next.start) : cues[best].end;
      return t < until ? cues[best] : null;
    }

    function update() {
      var cue = find(audio.currentTime);
      if (cue === current) return;
      if (current) current.el.classList.remove("current");
      current = cue;
      if (!cue) return;
      cue.el.classList.add("current");
      if (follow && follow.checked && !audio.paused) {
        var r = cue.el.getBoundingClientRect();
        if (r.top < window.innerHeight * 0.25 || r.bottom > window.innerHeight * 0.85) {
          cue.el.scrollIntoView({ block: "center", behavior: "smooth" });
        }
      }
    }

    var ticking = false;
    function tick() {
      update();
      if (!audio.paused && !audio.ended) { requestAnimationFrame(tick); } else { ticking = false; }
    }
    audio.addEventListener("timeupdate", update);
    audio.addEventListener("seeked", update);
    audio.addEventListener("play", function () { if (!ticking) { ticking = true; requestAnimationFrame(tick); } });

    // Clicking a line plays from it.
    section.addEventListener("click", function (e) {
      var el = e.target.closest("[data-start]");
      if (!el) return;
      audio.currentTime = parseFloat(el.getAttribute("data-start")) + 0.001;
      update();
    });
  });
})();
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="audiobook script --html">
<link rel="icon" href="data:,">
<title>{title} — script</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>{title}</h1>{byline}
<ul class="legend" aria-label="Cast">{legend}</ul>
<p class="key"><span class="uncertain-demo">Dotted underline</span>: speaker uncertain
(confidence below {threshold}; hover a line for its confidence and how the speaker was found).</p>
</header>
<main>
{body}
</main>
<script>{js}</script>
</body>
</html>
"""

__all__ = [
    "build_page", "write_script_page", "default_page_path", "find_rendered", "book_folder", "ChapterAudio",
    "PageAudio", "VttCue", "parse_vtt", "timings_from_vtt", "timings_from_cues", "speaker_colours", "contrast",
    "luminance", "tint", "UNCERTAIN",
]
