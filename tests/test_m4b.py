"""`render --format m4b`: one AAC audiobook with a chapter per chapter, cover and tags, read back by ffmpeg."""

from __future__ import annotations

import re
from fractions import Fraction

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
    starts = [float(int(c["START"]) * Fraction(c["TIMEBASE"])) for c in chapters]  # TIMEBASE like 1/22050
    lengths = [MP3(c.path).info.length for c in report.chapters]
    assert starts[0] == 0
    assert starts[1] == pytest.approx(lengths[0], abs=0.2)
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
