"""Sidecar subtitles: a cue per sentence (the spoken title first) at the render's real times, read by ffmpeg and
webvtt-py."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from podcast_book import render_book

from audiobook.audio.assemble import ffmpeg_exe
from audiobook.model import Cue, Segment
from audiobook.publish.subtitles import srt, vtt, write_subtitles

STAMP = r"(\d\d):(\d\d):(\d\d)[.,](\d\d\d)"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("subs")
    return root, render_book(root)


def _ms(h: str, m: str, s: str, f: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(f)


def _ffmpeg_cues(path: Path) -> list[tuple[int, int, str]]:
    """ffmpeg reads the subtitle file and writes it back as SRT: (start_ms, end_ms, text) per cue."""
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "srt", "-"],
                         capture_output=True, text=True, check=True).stdout
    cues = []
    for block in out.strip().split("\n\n"):
        lines = block.splitlines()
        m = re.match(STAMP + " --> " + STAMP, lines[1])
        assert m, block
        cues.append((_ms(*m.groups()[:4]), _ms(*m.groups()[4:]), "\n".join(lines[2:])))
    return cues


@pytest.mark.parametrize("suffix", [".vtt", ".srt"])
def test_ffmpeg_reads_a_cue_per_sentence_at_the_render_times(book, suffix: str) -> None:
    _, report = book
    for chapter in report.chapters:
        path = chapter.path.with_suffix(suffix)
        cues = _ffmpeg_cues(path)
        assert [(a, b) for a, b, _ in cues] == [(c.start_ms, c.end_ms) for c in chapter.captions]
        assert all(a < b <= chapter.duration_ms for a, b, _ in cues)
        # Every segment's span is covered by its sentences' cues, from its start to its end.
        for cue in chapter.cues:
            mine = [c for c in chapter.captions if c.segment == cue.segment]
            assert (mine[0].start_ms, mine[-1].end_ms) == (cue.start_ms, cue.end_ms)


def test_a_subtitle_library_reads_sentence_cues_from_the_title_at_zero(book) -> None:
    import webvtt

    _, report = book
    for chapter in report.chapters:
        captions = list(webvtt.read(str(chapter.path.with_suffix(".vtt"))))
        assert captions[0].start_in_seconds == 0 and captions[0].voice == "Narrator"
        assert captions[0].text == chapter.chapter.title
        assert all(c.end_in_seconds - c.start_in_seconds <= 8 for c in captions)
        assert all(a.end_in_seconds <= b.start_in_seconds for a, b in zip(captions, captions[1:]))
        spoken = " ".join(" ".join(s.text.split()) for s in chapter.chapter.segments)
        assert " ".join(c.text for c in captions[1:]) == spoken  # every word, each once, in order
    first = list(webvtt.read(str(report.chapters[0].path.with_suffix(".vtt"))))
    assert [(c.voice, c.text) for c in first[1:3]] == [
        ("Narrator", "Souta walked into the orchard at dusk."),
        ("Narrator", "The trees were made of glass, and they rang softly in the wind.")]


def test_a_long_paragraph_is_cut_into_sentence_cues(tmp_path: Path) -> None:
    from audiobook.pipeline import RenderOptions, render

    sentence = "The wind came down from the hills and rattled every shutter in the sleeping town"
    src = tmp_path / "long.txt"
    src.write_text("Chapter One\n\n" + " ".join(f"{sentence} for the {n} time." for n in
                                               ("first", "second", "third", "fourth", "fifth")) + "\n",
                   encoding="utf-8")
    report = render([src], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out",
                                         cache_dir=tmp_path / "cache", jobs=1))
    (chapter,) = report.chapters
    (cue,) = chapter.cues
    assert cue.end_ms - cue.start_ms > 20_000  # one paragraph, one segment: far too long for one cue
    assert len(chapter.captions) == 6 and chapter.captions[0].text == "Chapter One"
    assert max(c.end_ms - c.start_ms for c in chapter.captions) < 8000


def test_vtt_names_the_speaker_in_a_voice_tag(book) -> None:
    _, report = book
    text = report.chapters[0].path.with_suffix(".vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n")
    assert "<v Souta>What happened to her?" in text
    assert "<v Hana>We should go," in text
    assert "<v Narrator>Souta asked." in text


def test_srt_prefixes_dialogue_with_the_speaker(book) -> None:
    _, report = book
    text = report.chapters[0].path.with_suffix(".srt").read_text(encoding="utf-8")
    assert "\nSouta: What happened to her?\n" in text
    assert "\nSouta asked.\n" in text


def _cue(text: str, start: int, end: int, speaker: str | None = "A") -> Cue:
    kind = "dialogue" if speaker else "narration"
    return Cue(Segment(kind, text, 0, len(text), speaker=speaker), start, end)  # type: ignore[arg-type]


def test_markup_and_arrows_in_text_are_escaped() -> None:
    out = vtt([_cue("a <b> & --> c", 0, 1000, "Tom & <Jerry>")])
    assert "<v Tom &amp; &lt;Jerry&gt;>a &lt;b&gt; &amp; -&gt; c" in out


def test_times_past_an_hour() -> None:
    out = srt([_cue("x", 3_723_004, 3_723_500)])
    assert "01:02:03,004 --> 01:02:03,500" in out


@given(st.lists(st.text(min_size=1), min_size=1, max_size=6))
def test_any_text_makes_one_cue_each_with_no_blank_lines_inside(texts: list[str]) -> None:
    cues = [_cue(t, i * 1000, i * 1000 + 500) for i, t in enumerate(texts)]
    kept = [c for c in cues if " ".join(c.segment.text.split())]
    doc = vtt(cues)
    blocks = doc.strip().split("\n\n")
    assert blocks[0] == "WEBVTT"
    assert len(blocks) - 1 == len(kept)
    for block in blocks[1:]:
        assert re.match(r"\d+\n" + STAMP + " --> " + STAMP + r"\n<v [^\n]*>[^\n]*$", block), block


def test_written_atomically_and_unchanged_files_kept(tmp_path: Path) -> None:
    audio = tmp_path / "01 - One.mp3"
    cues = [_cue("hello", 0, 500)]
    vtt_path, srt_path = write_subtitles(audio, cues)
    assert (vtt_path.name, srt_path.name) == ("01 - One.vtt", "01 - One.srt")
    before = vtt_path.stat().st_mtime_ns
    write_subtitles(audio, cues)
    assert vtt_path.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01 - One.srt", "01 - One.vtt"]  # no temp files left
