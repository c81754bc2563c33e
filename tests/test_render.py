"""End to end with real speech: chapter text in, tagged multi-voice MP3 out, read back by mutagen and ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLE
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from audiobook.audio import outputs
from audiobook.audio.assemble import ffmpeg_exe
from audiobook.errors import Interrupted
from audiobook.pipeline import RenderOptions, render


def ffmpeg_metadata(path: Path) -> dict[str, str]:
    """Tags as ffmpeg (not mutagen) reads them, and proof the whole file decodes."""
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
                         capture_output=True, text=True, check=True).stdout
    decode = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, text=True, check=True)
    assert decode.stderr == ""
    # Only the file's own tags: the [CHAPTER] sections that follow have `title=` lines of their own.
    head = out.split("\n[", 1)[0]
    return dict(line.split("=", 1) for line in head.splitlines() if "=" in line and not line.startswith(";"))


@pytest.fixture(scope="module")
def sample_render(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("render")
    src = root / "sample.txt"
    src.write_bytes(SAMPLE.read_bytes())
    options = RenderOptions(voices=root / "voices.yaml", out_dir=root / "output", cache_dir=root / "cache")
    return root, render([src], options)


def test_sample_renders_one_tagged_mp3(sample_render) -> None:
    root, report = sample_render
    assert len(report.chapters) == 1
    chapter = report.chapters[0]
    assert chapter.path == root / "output" / "The Lamplighter's Daughter" / "01 - Chapter One The Last Ferry.mp3"
    audio = MP3(chapter.path)
    assert (audio.info.sample_rate, audio.info.channels) == (22050, 1)
    assert abs(audio.info.length * 1000 - chapter.duration_ms) < 1500
    assert audio.info.length > 60
    tags = ID3(chapter.path)
    assert str(tags["TIT2"]) == "Chapter One: The Last Ferry"
    assert str(tags["TALB"]) == "The Lamplighter's Daughter"
    assert str(tags["TRCK"]) == "1/1"
    assert str(tags["TCON"]) == "Audiobook"
    assert str(tags["TPE1"]) == str(tags["TPE2"]) == "The Audiobook Project"  # the byline
    meta = ffmpeg_metadata(chapter.path)
    assert meta["title"] == "Chapter One: The Last Ferry"
    assert meta["album"] == "The Lamplighter's Daughter"
    assert meta["track"] == "1/1"
    assert meta["genre"] == "Audiobook"
    assert not list((root / "output").rglob("*.part"))


def test_sample_has_a_voice_per_speaker_and_skips_front_and_back_matter(sample_render) -> None:
    root, report = sample_render
    chapter = report.chapters[0]
    voices = dict(chapter.voices)
    assert {"Narrator", "Mara", "Tobias", "Jonah"} <= set(voices)
    assert len({v.voice for v in voices.values()}) >= 4
    spoken = " ".join(cue.segment.text for cue in chapter.cues)
    assert "longest night of the year" not in spoken  # the summary
    assert "Thank you for listening" not in spoken  # the author's note
    assert "The harbour lamps came on" in spoken
    times = [(c.start_ms, c.end_ms) for c in chapter.cues]
    assert all(a <= b for a, b in times)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(times, times[1:]))
    text = (root / "voices.yaml").read_text(encoding="utf-8")
    assert "# audiobook voice cast" in text and "  Mara:" in text


def test_rerender_from_the_cache_synthesises_nothing(sample_render) -> None:
    root, first = sample_render
    src = root / "sample.txt"
    options = RenderOptions(voices=root / "voices.yaml", out_dir=root / "output", cache_dir=root / "cache")
    again = render([src], options)
    assert again.clips_synthesized == 0
    assert again.clips_total == first.clips_total
    assert again.new_speakers == ()


def test_three_files_are_three_tracks(tmp_path: Path) -> None:
    files = []
    for n, who in enumerate(["Anna", "Ben", "Cleo"], start=1):
        f = tmp_path / f"ch{n}.txt"
        f.write_text(f"The Small Book\nChapter {n}\n\n\"Good morning,\" said {who}.\n", encoding="utf-8")
        files.append(f)
    report = render(files, RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out"))
    tracks = [str(ID3(c.path)["TRCK"]) for c in report.chapters]
    assert tracks == ["1/3", "2/3", "3/3"]
    assert [c.path.name for c in report.chapters] == ["01 - Chapter 1.mp3", "02 - Chapter 2.mp3", "03 - Chapter 3.mp3"]


def test_user_chapter_four_voices_and_no_author_note(user_chapter: Path, tmp_path: Path) -> None:
    report = render([user_chapter], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out"))
    assert len(report.chapters) == 1
    chapter = report.chapters[0]
    assert chapter.path.parent.name == "His Heartbreak for Hers"
    assert str(ID3(chapter.path)["TIT2"]) == "Chapter One: His Decision"
    voices = dict(chapter.voices)
    assert {"Narrator", "Inuyasha", "Souta", "Mr. Higurashi"} <= set(voices)
    assert len({voices[k].voice for k in ("Narrator", "Inuyasha", "Souta", "Mr. Higurashi")}) == 4
    spoken = " ".join(cue.segment.text for cue in chapter.cues)
    assert "unfinished stories" not in spoken and "Alt-canon" not in spoken


def test_failure_mid_render_leaves_no_mp3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "c.txt"
    src.write_text('Chapter 1\n\n"Stop," said Anna.\n', encoding="utf-8")

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "write_tags", boom)  # the fragments are encoded, the chapter file being written
    with pytest.raises(Interrupted, match="interrupted: no partial MP3 was written"):
        render([src], RenderOptions(voices=tmp_path / "voices.yaml", out_dir=tmp_path / "out"))
    assert [p.name for p in (tmp_path / "out").rglob("*") if p.is_file()] == []


def test_no_author_is_a_clear_warning_naming_the_flag_and_title_sets_the_book(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiobook.cli import main

    src = tmp_path / "story.txt"
    src.write_text('Chapter 1\n\n"Hello," said Ann.\n', encoding="utf-8")
    args = ["render", str(src), "--voices", str(tmp_path / "voices.yaml"), "-o", str(tmp_path / "out"), "-q",
            "--cache-dir", str(tmp_path / "cache")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr == ('Warning: the text names no author, so the files have no artist, album artist or author '
                             'tags; set one with --author "NAME"\n')
    named = CliRunner().invoke(main, args + ["--author", "Ann Vale", "--title", "The Long Night"])
    assert named.exit_code == 0 and named.stderr == ""
    path = tmp_path / "out" / "The Long Night" / "01 - Chapter 1.mp3"
    tags = MP3(path).tags
    assert tags is not None and str(tags["TALB"]) == "The Long Night" and str(tags["TPE1"]) == "Ann Vale"


def test_a_render_keeps_voices_yaml_mode_and_leaves_no_lock_file(tmp_path: Path) -> None:
    import os

    from audiobook.pipeline import RenderOptions, render

    src = tmp_path / "story.txt"
    src.write_text('Chapter 1\n\n"Hello," said Ann.\n\n"Hi," said Bob.\n', encoding="utf-8")
    voices = tmp_path / "voices.yaml"
    voices.write_text("bitrate: 64\n", encoding="utf-8")
    os.chmod(voices, 0o664)
    report = render([src], RenderOptions(voices=voices, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                                         jobs=1))
    assert set(report.new_speakers) == {"Ann", "Bob"} and "Ann:" in voices.read_text(encoding="utf-8")
    assert voices.stat().st_mode & 0o777 == 0o664
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no .voices.yaml.lock
