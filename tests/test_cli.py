"""The CLI: exact messages and exit codes for bad input, and the script command's JSON interface."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE

from audiobook.cli import main


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def chapter(tmp_path: Path) -> Path:
    path = tmp_path / "chapter.txt"
    path.write_text('Chapter 1\n\n"Hello," said Anna.\n\n"Hi," said Ben.\n', encoding="utf-8")
    return path


def test_missing_file(run) -> None:
    result = run("render", "nope.txt")
    assert result.exit_code == 1
    assert result.output == "Error: nope.txt: no such file\n"


def test_empty_file(run, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    result = run("render", "empty.txt")
    assert (result.exit_code, result.output) == (1, "Error: empty.txt: the file is empty\n")


def test_binary_file(run, tmp_path: Path) -> None:
    (tmp_path / "song.txt").write_bytes(b"ID3\x04\x00\x00\x00\x00\x00")
    result = run("script", "song.txt")
    assert (result.exit_code, result.output) == (1, "Error: song.txt: not a text file (binary byte 0x04 at offset 3)\n")


def test_malformed_voices_yaml_is_named_with_its_line_and_left_alone(run, tmp_path: Path, chapter: Path) -> None:
    broken = "narrator:\n  voice: gmw/en-us\ncharacters: [oops\n"
    (tmp_path / "voices.yaml").write_text(broken, encoding="utf-8")
    result = run("render", str(chapter))
    assert result.exit_code == 1
    assert result.output == (
        "Error: voices.yaml, line 4, column 1: malformed YAML: expected ',' or ']', but got '<stream end>'\n"
    )
    assert (tmp_path / "voices.yaml").read_text(encoding="utf-8") == broken
    assert not (tmp_path / "output").exists()


def test_unknown_voice_id_names_key_line_and_suggests(run, tmp_path: Path, chapter: Path) -> None:
    (tmp_path / "voices.yaml").write_text(
        "characters:\n  Anna:\n    voice: gmw/en-us+f3\n  Ben:\n    pitch: 40\n    voice: gmw/en-uss+m3\n",
        encoding="utf-8",
    )
    result = run("render", str(chapter))
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: voices.yaml, line 6: characters.Ben.voice: unknown voice id 'gmw/en-uss+m3' for engine espeak;"
        " did you mean gmw/en-us+m3"
    )
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("narrator:\n  voice: gmw/en-us\n  colour: red\n",
         "voices.yaml, line 3: narrator.colour: unknown key (expected one of: engine, length_scale, noise_scale, pitch, rate, voice, volume)"),
        ("narrator:\n  voice: gmw/en-us\n  pitch: 140\n", "voices.yaml, line 3: narrator.pitch: 140 is out of range (0-100)"),
        ("narrator:\n  voice: gmw/en-us\n  rate: fast\n",
         "voices.yaml, line 3: narrator.rate: expected a whole number, got 'fast'"),
        ("bitrate: 65\n", "voices.yaml, line 1: bitrate: 65 is not an MP3 bitrate"),
        ("narator:\n  voice: gmw/en-us\n", "voices.yaml, line 1: narator: unknown key"),
        ("characters:\n  Anna:\n    rate: 150\n", "voices.yaml, line 2: characters.Anna: missing required key 'voice'"),
        ("- just\n- a list\n", "voices.yaml: expected a mapping of settings at the top level, got CommentedSeq"),
    ],
)
def test_config_errors(run, tmp_path: Path, chapter: Path, yaml_text: str, message: str) -> None:
    (tmp_path / "voices.yaml").write_text(yaml_text, encoding="utf-8")
    result = run("script", str(chapter))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {message}")
    assert "Traceback" not in result.output


def test_non_utf8_voices_yaml(run, tmp_path: Path, chapter: Path) -> None:
    (tmp_path / "voices.yaml").write_bytes(b"narrator:\n  voice: caf\xe9\n")
    result = run("script", str(chapter))
    assert (result.exit_code, result.output) == (1, "Error: voices.yaml, line 2: not UTF-8 text (byte 0xe9 at offset 22)\n")


def test_script_json_is_the_stable_interface(run, tmp_path: Path) -> None:
    src = tmp_path / "sample.txt"
    src.write_bytes(SAMPLE.read_bytes())
    result = run("script", "--format", "json", str(src))
    assert result.exit_code == 0, result.output
    segments = json.loads(result.output)
    text = src.read_text(encoding="utf-8")
    assert segments, "no segments"
    for seg in segments:
        assert {"kind", "speaker", "text", "start", "end"} <= set(seg)
        assert seg["kind"] in ("narration", "dialogue")
        assert text[seg["start"]:seg["end"]] == seg["text"]
        if seg["kind"] == "narration":
            assert seg["speaker"] is None
    starts = [s["start"] for s in segments]
    assert starts == sorted(starts)
    spoken = " ".join(s["text"] for s in segments)
    assert "Summary" not in spoken and "Thank you for listening" not in spoken
    assert any(s["speaker"] == "Jonah" for s in segments)


def test_script_text_shows_who_says_what(run, chapter: Path) -> None:
    result = run("script", str(chapter))
    assert result.exit_code == 0
    assert "Anna: “Hello,”" in result.output
    assert "Ben: “Hi,”" in result.output


def test_unknown_speakers_and_tag_contradictions_are_reported_never_silent(run, tmp_path: Path) -> None:
    src = tmp_path / "c.txt"
    src.write_text('Chapter 1\n\n"Hello," said Anna.\n\n"Who is there?" said Ben.\n', encoding="utf-8")
    (tmp_path / "voices.yaml").write_text(
        'overrides:\n  - line: "Who is there"\n    speaker: Anna\n', encoding="utf-8")
    result = run("script", str(src))
    assert result.exit_code == 0
    assert "Anna: “Who is there?”" in result.output  # the user's override wins ...
    assert "Check:" not in result.output  # ... and is not reported as a contradiction


def test_contradiction_check_reports_a_line_against_its_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from audiobook.attribution import book as parser
    from audiobook.attribution.book import read_book

    src = tmp_path / "c.txt"
    src.write_text('Chapter 1\n\n"Hello," said Anna.\n\n"Hi there," said Ben.\n', encoding="utf-8")
    real = parser.attribute

    def swapped(*args, **kwargs):
        segments, characters = real(*args, **kwargs)
        return tuple(replace(s, speaker="Anna") if s.kind == "dialogue" else s for s in segments), characters

    monkeypatch.setattr(parser, "attribute", swapped)
    chapter = read_book(src).chapters[0]
    assert [s.text for s in chapter.contradictions] == ["Hi there,"]
    assert chapter.unknown_lines == 0


def test_script_help_describes_its_own_options(run) -> None:
    """`script` shows text: its --author and --include-front-matter are not render's "tags" and "read aloud"."""
    out = " ".join(run("script", "--help").output.split())  # click wraps the help text
    assert "shown on the --html page" in out and "other front matter in the script" in out
    assert "for the tags" not in out and "read aloud" not in out
    render_help = " ".join(run("render", "--help").output.split())
    assert "Author name for the tags" in render_help and "--title" in render_help and "--m4b" in render_help
