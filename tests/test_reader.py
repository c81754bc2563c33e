"""open_document / expand_inputs: bytes, encodings, formats and the errors users can cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiobook.errors import InputError
from audiobook.reader import expand_inputs, open_document


def test_user_chapter_opens(user_chapter: Path) -> None:
    doc = open_document(user_chapter)
    [ch] = doc.layout.chapters
    assert doc.layout.title == "His Heartbreak for Hers"
    assert ch.title == "Chapter One: His Decision"
    text = doc.read(ch)
    first = ch.paragraphs[0]
    assert text[first.start - ch.start:first.end - ch.start] == "He had almost lost her…"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: no such file"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: the file is empty"


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "chapter.bin"
    path.write_bytes(b"This is a line of text\x00\x01\x02")
    with pytest.raises(InputError) as err:
        open_document(path)
    assert str(err.value) == f"{path}: not a text file (binary byte 0x00 at offset 22)"


def test_natural_order(tmp_path: Path) -> None:
    for name in ("ch10.txt", "ch2.txt", "ch1.md", "notes.pdf"):
        (tmp_path / name).write_text("Some text.", encoding="utf-8")
    assert [p.name for p in expand_inputs([tmp_path])] == ["ch1.md", "ch2.txt", "ch10.txt"]
