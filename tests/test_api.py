"""The package's library API: what README's library example uses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import audiobook


def test_public_names_import_from_the_package() -> None:
    from audiobook import AudiobookError, RenderOptions, Segment, read_book, render
    from audiobook.errors import AudiobookError as Defined
    from audiobook.pipeline import render as defined_render

    assert AudiobookError is Defined and render is defined_render
    assert RenderOptions().out_dir == Path("output")
    assert callable(read_book) and Segment.__name__ == "Segment"
    assert set(audiobook.__all__) == set(audiobook._WHERE)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        audiobook.nope  # noqa: B018


def test_importing_a_leaf_module_does_not_load_the_pipeline() -> None:
    code = "import sys, audiobook.model; print('audiobook.pipeline' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_library_example_reads_a_book(tmp_path: Path) -> None:
    from audiobook import read_book

    src = tmp_path / "ch.txt"
    src.write_text('Chapter One\n\n"Hello," said Mara.\n', encoding="utf-8")
    book = read_book(src)
    assert [(s.kind, s.speaker) for s in book.chapters[0].segments if s.kind == "dialogue"] == [("dialogue", "Mara")]


def test_reading_a_plain_text_file_does_not_import_an_html_parser(tmp_path: Path) -> None:
    # An unchanged re-render costs what opening the file costs: BeautifulSoup is for HTML and EPUB.
    src = tmp_path / "ch.txt"
    src.write_text('Chapter One\n\n"Hello," said Mara.\n', encoding="utf-8")
    code = ("import sys; from pathlib import Path; from audiobook import read_book; "
            f"read_book(Path({str(src)!r})); print('bs4' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
