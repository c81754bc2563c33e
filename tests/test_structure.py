"""Layout of texts: chapters, headings, paragraphs, scene breaks, front matter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audiobook.structure import layout


def _texts(text: str, paras) -> list[str]:
    return [text[p.start:p.end] for p in paras]


def test_user_sample_chapter(user_chapter: Path) -> None:
    text = user_chapter.read_text(encoding="utf-8")
    lay = layout(text)
    assert lay.title == "His Heartbreak for Hers"
    assert lay.summary is not None and lay.summary.startswith("He did it for her")
    assert lay.summary.endswith("Alt-canon.")
    [chapter] = lay.chapters
    assert chapter.title == "Chapter One: His Decision"
    assert chapter.number == 1
    assert text[chapter.heading.start:chapter.heading.end] == "Chapter One: His Decision"
    paras = _texts(text, chapter.paragraphs)
    assert paras[0] == "He had almost lost her…"
    assert paras[-1] == "But for her, he'd break his own heart."
    assert not any("A/N" in p for p in paras)
    [note] = chapter.skipped
    assert note.label == "author's note"
    assert text[note.start:note.end].startswith("A/N: I know")
    assert text[note.end - 20:note.end].endswith("within it).")
    assert [s.label for s in lay.front] == ["summary", "title"]


def test_dev_chapters_are_one_chapter_with_every_paragraph_intact(shared_dir: Path) -> None:
    chapters = sorted((shared_dir / "attribution-dev" / "chapters").glob("*.txt"))
    if not chapters:
        pytest.skip("no dev chapters")
    for path in chapters:
        text = path.read_text(encoding="utf-8")
        lay = layout(text)
        assert len(lay.chapters) == 1, path.name
        [ch] = lay.chapters
        first_line = text.split("\n", 1)[0].strip()
        # The title starts from the heading's keyword and number ("CHAPTER II." -> "Chapter II").
        kw, num = first_line.split()[:2]
        assert ch.title.startswith(f"{kw.capitalize()} {num.rstrip('.')}"), (path.name, ch.title)
        # Every blank-line separated block after the heading is exactly one paragraph.
        blocks = []
        for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
            s = m.group()
            start = m.start() + len(s) - len(s.lstrip())
            blocks.append((start, m.start() + len(s.rstrip())))
        body = [b for b in blocks if b[0] >= ch.heading.end]
        assert [(p.start, p.end) for p in ch.paragraphs] == body, path.name
        assert not ch.skipped and not lay.front
