"""Full ID3 tags on rendered chapters, read back by ffmpeg and mutagen: text, cover, transcript, chapters."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from PIL import Image
from podcast_book import ffmetadata, ffmpeg_streams, render_book

from audiobook.audio.assemble import ffmpeg_exe
from audiobook.errors import InputError
from audiobook.model import Cue, Segment
from audiobook.publish.cover import generate_cover, prepare_cover
from audiobook.publish.tags import (
    ChapterMark,
    TrackTags,
    chapter_marks,
    transcript,
    write_tags,
)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("tags")
    return root, render_book(root)


def test_ffmpeg_reads_the_text_tags(book) -> None:
    _, report = book
    for chapter in report.chapters:
        tags, _ = ffmetadata(chapter.path)
        assert tags["title"] == chapter.chapter.title
        assert tags["album"] == "The Glass Orchard"
        assert tags["artist"] == tags["album_artist"] == "Iris Vale"
        assert tags["track"] == f"{chapter.track}/2"
        assert tags["genre"] == "Audiobook"
        assert tags["comment"] == "Two friends walk through an orchard of glass trees."


def test_ffmpeg_lists_a_chapter_at_the_start_and_at_each_scene_break(book) -> None:
    _, report = book
    first, second = report.chapters
    # Chapter frames count from the first sample a gapless player plays. ffmpeg counts from its first
    # decoded sample, which it stamps 50 ms (the encoder delay it trims, 1105 samples) into the stream,
    # so it shows every mark that much earlier (the one at 0 stays at 0).
    shift = 1105 * 1000 // 22050
    _, marks = ffmetadata(first.path)
    scene_start = next(c.start_ms for c in first.cues if c.segment.scene == 1)
    assert [(m["title"], int(m["START"]), int(m["END"])) for m in marks] == [
        ("Chapter 1: Lanterns", 0, scene_start - shift),
        ("Chapter 1: Lanterns (scene 2)", scene_start - shift, first.duration_ms - shift),
    ]
    _, marks = ffmetadata(second.path)  # no scene break: one chapter frame over the whole file
    assert [(m["title"], int(m["START"]), int(m["END"])) for m in marks] == [
        ("Chapter 2: The Road", 0, second.duration_ms - shift)]
    chap = sorted(ID3(first.path).getall("CHAP"), key=lambda f: f.start_time)
    assert [(f.start_time, f.end_time) for f in chap] == [(0, scene_start), (scene_start, first.duration_ms)]


def test_mutagen_sees_an_ordered_top_level_table_of_contents(book) -> None:
    _, report = book
    id3 = ID3(report.chapters[0].path)
    assert id3.version == (2, 4, 0)
    (toc,) = id3.getall("CTOC")
    assert toc.flags & 1 and toc.flags & 2  # ORDERED | TOP_LEVEL
    assert toc.child_element_ids == [c.element_id for c in id3.getall("CHAP")]


def test_cover_is_embedded_and_decodes_as_a_square_picture(book, tmp_path: Path) -> None:
    root, report = book
    path = report.chapters[0].path
    assert "(attached pic)" in ffmpeg_streams(path)
    out = tmp_path / "cover.png"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v", "-frames:v", "1", str(out)],
                   check=True)
    with Image.open(out) as img:
        assert img.size == (1400, 1400)
    # The feed's cover.jpg beside the chapters is the same picture.
    assert (path.parent / "cover.jpg").read_bytes() == ID3(path).getall("APIC")[0].data


def test_transcript_is_in_the_lyrics_with_speaker_names(book) -> None:
    _, report = book
    tags, _ = ffmetadata(report.chapters[0].path)
    lyrics = tags["lyrics-eng"]
    assert "Souta: What happened to her?" in lyrics.splitlines()
    assert "Hana: We should go," in lyrics.splitlines()
    assert "Souta walked into the orchard at dusk." in lyrics
    assert "* * *" in lyrics.splitlines()  # the scene break


def test_id3v23_for_old_players(book, tmp_path: Path) -> None:
    _, report = book
    copy = tmp_path / "old.mp3"
    shutil.copy(report.chapters[0].path, copy)
    tags = TrackTags("Chapter 1: Lanterns", "The Glass Orchard", "Iris Vale", 1, 2, year="2024",
                     lyrics="Souta: Hi.", chapters=(ChapterMark("One", 0, 1000), ChapterMark("Two", 1000, 2000)),
                     id3_version=3)
    write_tags(copy, tags)
    id3 = ID3(copy, translate=False)  # as stored, not upgraded to v2.4 frames on load
    assert id3.version == (2, 3, 0)
    assert str(id3["TYER"]) == "2024" and "TDRC" not in id3
    assert id3.getall("USLT")[0].encoding != 3  # v2.3 has no UTF-8: mutagen stored UTF-16
    meta, marks = ffmetadata(copy)
    assert meta["title"] == "Chapter 1: Lanterns" and meta["artist"] == "Iris Vale" and meta["date"] == "2024"
    assert [m["title"] for m in marks] == ["One", "Two"]


def test_user_cover_is_letterboxed_not_cropped(tmp_path: Path) -> None:
    src = tmp_path / "portrait.png"
    Image.new("RGB", (600, 900), (200, 30, 30)).save(src)
    with Image.open(io.BytesIO(prepare_cover(src))) as img:
        assert img.format == "JPEG" and img.size == (1400, 1400)
        # the middle is the picture's red, the left edge is letterbox (the average colour: red too)
        r, g, b = img.getpixel((700, 700))
        assert r > 150 and g < 80


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\nbroken"])
def test_bad_cover_names_the_file(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "cover.png"
    src.write_bytes(content)
    with pytest.raises(InputError, match=r"cover .*cover\.png"):
        prepare_cover(src)


def test_missing_cover_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        prepare_cover(tmp_path / "nope.jpg")


@pytest.mark.parametrize("title,author", [("A", None), ("The Extraordinarily Long Title of a Web Serial That "
                                                         "Goes On and On Without Any End in Sight", "Somebody")])
def test_generated_cover_is_a_square_jpeg(title: str, author: str | None) -> None:
    with Image.open(io.BytesIO(generate_cover(title, author))) as img:
        assert img.format == "JPEG" and img.size == (1400, 1400)
        assert sum(1 for n in img.convert("L").histogram() if n) > 10  # text was drawn, not a blank square


def _seg(i: int, scene: int, paragraph: int, kind: str = "narration", speaker: str | None = None) -> Segment:
    return Segment(kind, f"words {i}", 0, 7, speaker=speaker, paragraph=paragraph, scene=scene)  # type: ignore[arg-type]


@pytest.mark.parametrize("scenes,expected", [
    ([0, 0, 0], [("T", 0, 900)]),
    ([0, 1, 1], [("T", 0, 300), ("T (scene 2)", 300, 900)]),
    ([0, 1, 2], [("T", 0, 300), ("T (scene 2)", 300, 600), ("T (scene 3)", 600, 900)]),
    ([1, 1, 1], [("T", 0, 900)]),  # a chapter that starts in scene 1 has no break at its start
])
def test_chapter_marks(scenes: list[int], expected: list[tuple[str, int, int]]) -> None:
    cues = [Cue(_seg(i, s, i), i * 300, i * 300 + 250) for i, s in enumerate(scenes)]
    assert [(m.title, m.start_ms, m.end_ms) for m in chapter_marks("T", cues, 900)] == expected


def test_transcript_names_speakers_and_keeps_paragraphs() -> None:
    segs = [_seg(0, 0, 0), _seg(1, 0, 1, "dialogue", "Souta"), _seg(2, 0, 1), _seg(3, 0, 2, "dialogue", None),
            _seg(4, 0, 3, "dialogue", "Narrator")]
    assert transcript("T", segs) == "T\n\nwords 0\n\nSouta: words 1\nwords 2\n\nUnknown: words 3\n\nwords 4\n"


def test_cli_cover_id3v23_and_no_normalize(book, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiobook.audio.loudness import measure_file
    from audiobook.cli import main

    root, _ = book
    cover = tmp_path / "mine.png"
    Image.new("RGB", (1600, 1600), (10, 200, 10)).save(cover)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "render", str(root / "glass.txt"), "--voices", str(root / "voices.yaml"), "--cache-dir", str(root / "cache"),
        "-o", str(out), "-q", "--cover", str(cover), "--id3v2.3", "--no-normalize", "--base-url", "http://h:1/b/",
        "--year", "2024"])
    assert result.exit_code == 0, result.output
    first = out / "The Glass Orchard" / "01 - Chapter 1 Lanterns.mp3"
    assert ID3(first, translate=False).version == (2, 3, 0)
    assert str(ID3(first, translate=False)["TYER"]) == "2024"
    with Image.open(io.BytesIO(ID3(first).getall("APIC")[0].data)) as img:
        assert img.size == (1600, 1600) and img.getpixel((800, 800))[1] > 150  # the user's green picture
    assert measure_file(first).lufs < -18  # espeak's own level, about -21 LUFS, left alone
    assert "http://h:1/b/01%20-%20Chapter" in (first.parent / "feed.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", ["24", "2024/05", "next year"])
def test_bad_year_is_a_config_error(year: str) -> None:
    from audiobook.errors import ConfigError
    from audiobook.publish.steps import PublishOptions

    with pytest.raises(ConfigError, match="year"):
        PublishOptions(year=year)


def test_cli_bad_cover_is_one_error_line(book, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiobook.cli import main

    root, _ = book
    bad = tmp_path / "cover.jpg"
    bad.write_text("no picture here")
    result = CliRunner().invoke(main, ["render", str(root / "glass.txt"), "--voices", str(root / "voices.yaml"),
                                       "--cache-dir", str(root / "cache"), "-o", str(tmp_path / "o"), "-q",
                                       "--cover", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cover ") and "cover.jpg" in result.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.mp3"))
