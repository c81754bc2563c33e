"""A plain-text file is read in chunks and laid out chapter by chapter: same result, bounded memory."""

from __future__ import annotations

import gc
import re
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_structure import _documents

from audiobook.errors import InputError
from audiobook.text import plain
from audiobook.text.decode import decode, decode_warned
from audiobook.text.reader import open_document
from audiobook.text.structure import layout

_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"]  # BOM-less UTF-16 is only guessed


def _in_memory(text: str, include: bool, stem: str):
    lay = layout(text, include_front_matter=include, default_title=stem)
    return tuple(lay.chapters), lay.title, lay.author, lay.summary, lay.front


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_documents(), st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from(_ENCODINGS), st.booleans(),
       st.sampled_from([1, 3, 7, 64, 1 << 20]))
def test_streamed_file_lays_out_exactly_like_its_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                                      newline: str, encoding: str, include: bool, chunk: int) -> None:
    # Tiny chunks split multi-byte characters, CRLF pairs and lines across reads.
    monkeypatch.setattr(plain, "_CHUNK", chunk)
    try:
        data = text.replace("\n", newline).encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    expected = _in_memory(text, include, "book")
    if not any(re.search(r"[^\W_]", text[p.start:p.end]) for ch in expected[0] for p in ch.paragraphs):
        with pytest.raises(InputError):
            open_document(path, include_front_matter=include)
        return
    doc = open_document(path, include_front_matter=include)
    chapters = tuple(doc.layout.chapters)
    assert (chapters, doc.layout.title, doc.layout.author, doc.layout.summary, doc.layout.front) == expected
    for ch in chapters:
        assert doc.read(ch) == text[ch.start:ch.end]


def test_streamed_shared_chapter_matches(user_chapter: Path, tmp_path: Path) -> None:
    text = decode(user_chapter.read_bytes(), str(user_chapter))
    doc = open_document(user_chapter)
    assert tuple(doc.layout.chapters) == tuple(layout(text, default_title=user_chapter.stem).chapters)


def _book(chapters: int) -> str:
    para = ("\u201cThe lamp is lit,\u201d said Mira. \u201cGo down to the harbour before the tide turns "
            "and the\nfog comes in off the water.\u201d She waited\u2014then smiled.\n\n")
    body = "".join(f"Chapter {n}: The Well\n\n" + para * 60 for n in range(1, chapters + 1))
    return "Title: The Long Road\nAuthor: Nobody\n\n" + body


def _peak_opening(path: Path) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        doc = open_document(path)
        for ch in doc.layout.chapters:  # lay out and read every chapter, keeping none
            assert ch.paragraphs
            doc.read(ch)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_opening_and_reading_does_not_grow_with_the_file(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plain, "_CHUNK", 1 << 16)
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text(_book(40), encoding="utf-8")
    big.write_text(_book(160), encoding="utf-8")
    grown = big.stat().st_size - small.stat().st_size
    growth = _peak_opening(big) - _peak_opening(small)
    # Reading the whole file at once grew the peak by 4x what the file grew. What remains is the unit
    # index held while opening: 13 bytes a paragraph (8% of these short paragraphs) and the outline.
    assert growth < 0.15 * grown, f"peak grew by {growth} bytes for {grown} more bytes of file"


@pytest.mark.parametrize("items", [[], [{"a": 1}], [{"text": "two\nlines \u201cq\u201d", "n": [1, {"x": None}]}, {"b": "\u00e9"}]])
def test_script_json_is_printed_item_by_item_as_one_array(items: list) -> None:
    import json

    import click
    from click.testing import CliRunner

    from audiobook.cli.script import _echo_json_array

    @click.command()
    def show() -> None:
        _echo_json_array(iter(items))

    assert CliRunner().invoke(show).output == json.dumps(items, ensure_ascii=False, indent=1) + "\n"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(["Chapter 2\n\n", "\n\n", "\r\n", " ", "said Ann. ", "\u201cHi,\u201d ",
                                           "caf\u00e9 ", "na\u00efve ", "\u2014", "\u674e "]).map(str.encode),
                          st.binary(min_size=1, max_size=2).filter(lambda b: all(x >= 0x80 for x in b))),
                min_size=1, max_size=40).map(b"".join),
       st.sampled_from([1, 2, 5, 64, 1 << 20]))
def test_a_file_with_bad_bytes_streams_like_it_decodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes,
                                                      chunk: int) -> None:
    # Bytes that are not UTF-8 among UTF-8 text: either mode (UTF-8 with a warning, or Windows-1252) must be
    # decided, offset and read back alike by the streamed reader at any chunk size.
    monkeypatch.setattr(plain, "_CHUNK", chunk)
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"Chapter 1\n\nIt began.\n\n" + data)
    try:
        text, warnings = decode_warned(path.read_bytes(), str(path))
    except InputError as exc:
        with pytest.raises(InputError) as err:
            open_document(path)
        assert str(err.value) == str(exc)
        return
    doc = open_document(path)
    assert doc.layout.warnings == warnings
    assert tuple(doc.layout.chapters) == tuple(layout(text, default_title="mixed").chapters)
    for ch in doc.layout.chapters:
        assert doc.read(ch) == text[ch.start:ch.end]
