"""`render --m4b`: one AAC audiobook (brand M4B) with a chapter per chapter at exact sample positions, cover and
tags, true peak under -1 dBTP after AAC decoding, rebuilt only when a chapter changed; read back by ffmpeg."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from podcast_book import ffmetadata, ffmpeg_streams, render_book

from audiobook.publish.m4b import ffmetadata as m4b_metadata


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("m4b")
    report = render_book(root, formats=("mp3", "m4b"))
    return report, report.chapters[0].path.parent / "The Glass Orchard.m4b"


def test_one_m4b_with_a_chapter_per_chapter(book) -> None:
    report, m4b = book
    assert m4b.is_file()
    tags, chapters = ffmetadata(m4b)
    assert [c["title"] for c in chapters] == [c.chapter.title for c in report.chapters]
    starts = [int(c["START"]) * Fraction(c["TIMEBASE"]) for c in chapters]  # TIMEBASE like 1/22050
    lengths = [MP3(c.path).info.length for c in report.chapters]
    assert starts[0] == 0
    # At the sample where the first chapter's audio ends, exactly (MP3 lengths are exact: their Info frames).
    assert starts[1] * 22050 == round(lengths[0] * 22050)
    assert "major_brand     : M4B " in ffmpeg_streams(m4b)
    assert tags["title"] == tags["album"] == "The Glass Orchard"
    assert tags["artist"] == "Iris Vale" and tags["genre"] == "Audiobook"


def test_m4b_is_aac_with_the_cover_attached(book) -> None:
    report, m4b = book
    streams = ffmpeg_streams(m4b)
    assert re.search(r"Audio: aac", streams)
    assert "(attached pic)" in streams
    audio = MP4(m4b)
    assert audio.info.length == pytest.approx(sum(MP3(c.path).info.length for c in report.chapters), abs=0.5)
    assert audio.tags is not None and audio.tags.get("covr")  # players' cover atom


def test_metadata_escapes_special_characters() -> None:
    text = m4b_metadata("A=B; #1\\", "X\nY", None, [("Ch=1", 0, 10)])
    assert "title=A\\=B\\; \\#1\\\\" in text
    assert "artist=X\\\nY" in text
    assert "title=Ch\\=1" in text


def test_true_peak_of_the_decoded_aac_is_under_minus_1_dbtp(book) -> None:
    import subprocess

    from audiobook.audio.assemble import ffmpeg_exe
    from audiobook.audio.loudness import decode, true_peak

    _, m4b = book
    # ffmpeg's BS.1770 meter (ebur128 with true peak) on the decoded AAC, and ours on ffmpeg's decoding.
    run = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(m4b), "-map", "0:a",
                          "-af", "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True)
    peak = float(re.findall(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+)", run.stderr)[-1])
    assert peak <= -1.0, run.stderr[-500:]
    samples, _ = decode(m4b, 22050)
    assert true_peak(samples) <= -1.0


def test_m4b_is_rebuilt_only_when_a_chapter_changed(book, tmp_path: Path) -> None:
    from podcast_book import TEXT

    report, m4b = book
    root = report.chapters[0].path.parents[2]
    before = m4b.stat().st_mtime_ns
    again = render_book(root, formats=("mp3", "m4b"))
    assert m4b.stat().st_mtime_ns == before and again.m4b == report.m4b  # nothing changed: kept
    (root / "glass.txt").write_text(TEXT.replace("counted the stones", "counted the pebbles"), encoding="utf-8")
    try:
        changed = render_book(root, formats=("mp3", "m4b"), text=None)
    finally:
        (root / "glass.txt").write_text(TEXT, encoding="utf-8")
    assert m4b.stat().st_mtime_ns != before
    assert changed.m4b is not None and changed.m4b[0] == m4b


def test_summary_lists_the_m4b_and_voices_yaml_format_asks_for_it(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from podcast_book import TEXT

    from audiobook.cli import main

    src = tmp_path / "glass.txt"
    src.write_text(TEXT, encoding="utf-8")
    (tmp_path / "voices.yaml").write_text("format: m4b\n", encoding="utf-8")
    args = ["render", str(src), "--voices", str(tmp_path / "voices.yaml"), "-o", str(tmp_path / "out"),
            "--cache-dir", str(tmp_path / "cache"), "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    m4b = tmp_path / "out" / "The Glass Orchard" / "The Glass Orchard.m4b"
    assert re.search(r"^" + re.escape(str(m4b)) + r"  \(0:\d\d, the whole book, 2 chapters\)$", result.output, re.M)
    m4b.unlink()
    only_mp3 = CliRunner().invoke(main, args + ["--format", "mp3"])  # the command line overrides voices.yaml
    assert only_mp3.exit_code == 0 and not m4b.exists() and ".m4b" not in only_mp3.output
    with_flag = CliRunner().invoke(main, args + ["--format", "mp3", "--m4b"])
    assert with_flag.exit_code == 0 and m4b.is_file()


def test_a_bad_format_in_voices_yaml_names_the_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiobook.cli import main

    src = tmp_path / "a.txt"
    src.write_text("Chapter 1\n\nHello.\n", encoding="utf-8")
    (tmp_path / "voices.yaml").write_text("bitrate: 64\nformat: [mp3, flac]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(src), "--voices", str(tmp_path / "voices.yaml"),
                                       "-o", str(tmp_path / "out"), "-q"])
    assert (result.exit_code, result.output) == (
        1, "Error: voices.yaml, line 2: format: expected mp3, m4b or a list of them (got 'flac')\n")
