"""Hostile input files (issue 16, the text side): each a clear error or the right answer, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from audiobook.cli import main
from audiobook.errors import InputError
from audiobook.text import plain
from audiobook.text.decode import decode
from audiobook.text.reader import open_document


def _paragraphs(path: Path) -> list[str]:
    doc = open_document(path)
    return [doc.text[p.start:p.end] for ch in doc.layout.chapters for p in ch.paragraphs]


@pytest.mark.parametrize("markup, words", [
    # 1,200 unclosed <font> tags (a page saved from an old forum): each nests inside the one before.
    ("<p>It began.</p>" + "<font color=red>word " * 1200, ["It", "began."] + ["word"] * 1200),
    # 1,500 nested <i>.
    ("<p>" + "<i>" * 1500 + "deep words" + "</i>" * 1500 + "</p>", ["deep", "words"]),
])
def test_deeply_nested_html_is_walked_without_recursion(tmp_path: Path, markup: str, words: list[str]) -> None:
    path = tmp_path / "deep.html"
    path.write_text(f"<html><body>{markup}</body></html>", encoding="utf-8")
    assert " ".join(_paragraphs(path)).split() == words


# ----------------------------------------------------------------------------------------------
# 1. UTF-8 with a few bad bytes is read as UTF-8, each bad byte named in a warning; never as mojibake


MOJIBAKE = (b'Chapter One\n\nZo\xc3\xab didn\xe2\x80\x99t know the caf\xc3\xa9.\n\n'
            b'"Cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e?" asked Zo\xc3\xab.\n\nstray \xff\n')


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, [*args, "--voices", str(tmp_path / "none" / "voices.yaml")],
                                  catch_exceptions=False)

    return invoke


def test_utf8_with_a_stray_byte_is_read_as_utf8_with_a_warning(run, tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_bytes(MOJIBAKE)
    result = run("script", "m.txt")
    assert result.exit_code == 0
    assert result.stdout == ("== Chapter One ==\n  Zoë didn’t know the café.\nZoë: “Crème brûlée?”\n  asked Zoë.\n"
                             "  stray ÿ\n\n")
    assert result.stderr == ("Warning: m.txt: byte 0xff at offset 82 is not UTF-8: read as the Windows-1252 "
                             "character 'ÿ', the rest of the file as UTF-8\n")


def test_json_output_stays_json_when_there_is_a_warning(run, tmp_path: Path) -> None:
    (tmp_path / "m.txt").write_bytes(MOJIBAKE)
    result = run("script", "--format", "json", "m.txt")
    assert [s["text"] for s in json.loads(result.stdout)][:2] == ["Zoë didn’t know the café.", "Crème brûlée?"]
    assert result.stderr.startswith("Warning: m.txt: byte 0xff at offset 82 is not UTF-8")


PASTED = ("Chapter 1\n\nThe caf\u00e9 was shut \u2014 again.\n\n".encode()
          + b"\x93Open up,\x94 said Mara. \x93It\x92s cold.\x94\n\n" + "Nobody came. \u2026\n".encode())


@pytest.mark.parametrize("suffix", [".txt", ".md"])
@pytest.mark.parametrize("chunk", [3, 1 << 18])
def test_a_pasted_windows_paragraph_in_a_utf8_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str,
                                                   chunk: int) -> None:
    monkeypatch.setattr(plain, "_CHUNK", chunk)
    path = tmp_path / f"pasted{suffix}"
    path.write_bytes(PASTED)
    doc = open_document(path)
    assert doc.text == "Chapter 1\n\nThe café was shut — again.\n\n“Open up,” said Mara. “It’s cold.”\n\nNobody came. …\n"
    assert doc.layout.warnings == (
        f"{path}: 5 bytes are not UTF-8 (0x93 at offset 42, 0x94 at offset 51, 0x93 at offset 64, 0x92 at offset 67, "
        "0x94 at offset 75): read as Windows-1252 characters, the rest of the file as UTF-8",)
    assert decode(PASTED, str(path)) == doc.text


def test_many_bad_bytes_are_counted_after_the_first_ten(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    good = "The na\u00efve caf\u00e9s \u2014 ".encode() * 10
    path.write_bytes(good + b"\x85" * 25 + b"\n")
    [warning] = open_document(path).layout.warnings
    assert warning == (f"{path}: 25 bytes are not UTF-8 ("
                       + ", ".join(f"0x85 at offset {o}" for o in range(len(good), len(good) + 10))
                       + " and 15 more): read as Windows-1252 characters, the rest of the file as UTF-8")


@pytest.mark.parametrize("data, text", [
    # Windows-1252 through and through (no UTF-8 characters at all): read so, no warning.
    (b"\x93Hello,\x94 she said \x97 softly. Caf\xe9 cr\xe8me.\n", "“Hello,” she said — softly. Café crème.\n"),
    # An accented capital before a curly quote happens to be UTF-8 (0xc9 0x94), among many that are not.
    (b"\x93CAF\xc9\x94 \x93OUI\x94 \x93NON\x94 \x93PEUT-\xcaTRE\x94 \x91s\xfbr\x92 \x93bient\xf4t\x94 na\xefve\n",
     "“CAFÉ” “OUI” “NON” “PEUT-ÊTRE” ‘sûr’ “bientôt” naïve\n"),
])
def test_real_windows_1252_files_still_read_correctly(tmp_path: Path, data: bytes, text: str) -> None:
    path = tmp_path / "win.txt"
    path.write_bytes(data)
    doc = open_document(path)
    assert (doc.text, doc.layout.warnings) == (text, ())


# ----------------------------------------------------------------------------------------------
# 14. A file with nothing to say is an error, like a file of only front matter


@pytest.mark.parametrize("content", ['""""""', "\U0001f600\U0001f389 \U0001f600", "\u200b\u200c\u200d\u2060",
                                     "\u201c\u201d\n\n* * *\n\n\u2018\u2019", "Chapter 1\n\n\u2026 \u2014 !?"])
@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_a_file_with_nothing_to_say_is_an_error(run, tmp_path: Path, content: str, suffix: str) -> None:
    path = tmp_path / f"nothing{suffix}"
    html = "".join(f"<p>{part}</p>" for part in content.split("\n\n"))
    path.write_text(html if suffix == ".html" else content, encoding="utf-8")
    result = run("render", path.name)
    assert result.exit_code == 1
    assert result.output == f"Error: {path.name}: no story text (no letters or digits to read aloud)\n"
    assert not (tmp_path / "output").exists()


def test_a_word_in_any_script_is_something_to_say(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("\u201c\u674e\u201d", encoding="utf-8")
    assert [ch.title for ch in open_document(path).layout.chapters] == ["one"]


# ----------------------------------------------------------------------------------------------
# 19. A FIFO (or any file that is not a regular file) as the chapter is refused, never waited on


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_as_the_chapter_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "chapter.txt"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-c", "from audiobook.cli import main; main()", "script", "chapter.txt", "--voices", "none.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", "Error: chapter.txt: is a named pipe (FIFO), not a file\n")


def test_a_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        open_document(Path("/dev/null"))
    assert str(err.value) == "/dev/null: is a character device, not a file"
