"""Hostile input files (issue 16, the text side): each a clear error or the right answer, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

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
