"""No words dropped: every word of story text is in exactly one segment, in order, end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiobook.attribution.book import read_book
from audiobook.errors import InputError

WORD = re.compile(r"[A-Za-z0-9]+")

names = st.sampled_from(["Anna", "Ben", "Mr. Cole", "Dee", "the old man"])
words = st.lists(st.sampled_from(
    ["the", "lamp", "was", "lit", "Anna's", "'em", "rock'n'roll", "dogs'", "and", "then", "O'Brien", "it's",
     "x", "42", "…", "—", "well", "no"]), min_size=1, max_size=12).map(" ".join)
quote = st.tuples(st.sampled_from(['"%s"', "“%s”", "'%s'", '"%s', "‘%s’"]), words).map(lambda t: t[0] % t[1])
tag = st.tuples(names, st.sampled_from(["said", "asked", "muttered", "whispered"])).map(" ".join)
piece = st.one_of(words, quote, tag, st.tuples(quote, tag).map(", ".join), st.tuples(tag, quote).map(": ".join))
paragraph = st.lists(piece, min_size=1, max_size=6).map(lambda ps: " ".join(ps) + ".")
chapter = st.lists(paragraph, min_size=1, max_size=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=chapter, newline=st.sampled_from(["\n\n", "\n"]))
def test_every_story_word_is_spoken_exactly_once_in_order(tmp_path: Path, paragraphs: list[str], newline: str) -> None:
    body = newline.join(paragraphs)
    path = tmp_path / "story.txt"
    path.write_text(f"Chapter 1\n\n{body}\n", encoding="utf-8")
    if not WORD.search(body):  # only "…" and "—": nothing to say is refused, never spoken as punctuation
        with pytest.raises(InputError, match="no story text"):
            read_book(path)
        return
    book = read_book(path)
    text = path.read_text(encoding="utf-8")
    segments = [s for ch in book.chapters for s in ch.segments]
    for seg in segments:
        assert text[seg.start:seg.end] == seg.text
    assert all(a.end <= b.start for a, b in zip(segments, segments[1:])), "segments overlap or go backwards"
    spoken = [w for s in segments for w in WORD.findall(s.text)]
    assert spoken == WORD.findall(body)
