"""Layout of texts: chapters, headings, paragraphs, scene breaks, front matter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audiobook.text.structure import layout


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


# ----------------------------------------------------------------------------------------------
# Properties: no word is ever lost or read twice

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from audiobook.text.structure import is_scene_break  # noqa: E402

_WORDS = st.sampled_from(
    "the a keeper lamp sea said Mira Tobias orchard quiet wasp plum chapter part book one two "
    "summary note Rated by and then Mr. Mrs. A/N I OK 42 1999 — … \"Yes,\" 'no' well".split()
)


@st.composite
def _paragraph(draw) -> str:
    words = draw(st.lists(_WORDS, min_size=1, max_size=40))
    words[0] = words[0].capitalize()
    text = " ".join(words) + draw(st.sampled_from([".", "!", "?", "", '."', "…"]))
    if draw(st.booleans()):  # hard-wrap at a random width
        width = draw(st.integers(20, 80))
        lines, cur = [], ""
        for w in text.split(" "):
            if cur and len(cur) + 1 + len(w) > width:
                lines.append(cur)
                cur = w
            else:
                cur = f"{cur} {w}" if cur else w
        lines.append(cur)
        text = "\n".join(lines)
    if draw(st.booleans()):
        text = "    " + text
    return text


_PIECES = st.one_of(
    _paragraph(),
    _paragraph(),
    _paragraph(),
    st.builds("Chapter {}: {}".format, st.integers(1, 40), st.sampled_from(["The Well", "Fog", "ENDINGS"])),
    st.builds("CHAPTER {}.".format, st.sampled_from(["I", "II", "IV", "XII", "XL"])),
    st.sampled_from(["PART TWO", "Prologue", "Epilogue", "Contents", "by Ann Lee", "The Title Line",
                     "I.", "II", "III. THE END", "1.", "2."]),
    st.sampled_from(["***", "* * *", "~~~", "oOo", "xXx", "---", "§", "#"]),
    st.builds("A/N: {}".format, _paragraph()),
    st.builds("Summary: {}".format, _paragraph()),
    st.builds("Disclaimer: {}".format, _paragraph()),
    st.just("*** START OF THE PROJECT GUTENBERG EBOOK X ***"),
    st.just("*** END OF THE PROJECT GUTENBERG EBOOK X ***"),
)


@st.composite
def _documents(draw) -> str:
    pieces = draw(st.lists(_PIECES, min_size=1, max_size=25))
    seps = draw(st.lists(st.sampled_from(["\n", "\n\n", "\n\n\n", "\n \n"]), min_size=len(pieces),
                         max_size=len(pieces)))
    return "".join(p + s for p, s in zip(pieces, seps))


def _check_coverage(text: str, include_front_matter: bool, hints: list[tuple[int, int]] = ()) -> None:
    lay = layout(text, include_front_matter=include_front_matter, heading_spans=hints)
    spans: list[tuple[int, int, str]] = []
    for ch in lay.chapters:
        starts = [p.start for p in ch.paragraphs]
        assert starts == sorted(starts)
        for p in ch.paragraphs:
            piece = text[p.start:p.end]
            assert piece and piece == piece.strip(), (p, piece)
            assert ch.start <= p.start and p.end <= ch.end
            spans.append((p.start, p.end, "paragraph"))
        if ch.heading:
            spans.append((ch.heading.start, ch.heading.end, "heading"))
        spans.extend((s.start, s.end, s.label) for s in ch.skipped)
        if include_front_matter:
            assert not ch.skipped
    spans.extend((s.start, s.end, s.label) for s in lay.front)
    if include_front_matter:
        assert {s.label for s in lay.front} <= {"title", "byline"}
    spans.sort()
    for (a0, a1, la), (b0, b1, lb) in zip(spans, spans[1:]):
        assert a1 <= b0, f"{la} [{a0},{a1}) overlaps {lb} [{b0},{b1})"
    # Every word lies in exactly one span, unless it is part of a scene-break line ("oOo").
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    import bisect

    for m in re.finditer(r"\w+", text):
        inside = [s for s in spans if s[0] <= m.start() and m.end() <= s[1]]
        if not inside:
            k = bisect.bisect_right(line_starts, m.start()) - 1
            line = text[line_starts[k]:text.find("\n", m.start()) if "\n" in text[m.start():] else len(text)]
            assert is_scene_break(line), f"word {m.group()!r} at {m.start()} lost (line {line!r})"
        else:
            assert len(inside) == 1


@settings(max_examples=300, deadline=None)
@given(_documents(), st.booleans())
def test_every_word_lands_in_exactly_one_place(text: str, include_front_matter: bool) -> None:
    _check_coverage(text, include_front_matter)


@settings(max_examples=200, deadline=None)
@given(_documents(), st.booleans(), st.data())
def test_known_heading_spans_keep_every_word_in_one_place(text: str, include_front_matter: bool, data) -> None:
    # As for HTML pages: some lines are known to be headings (<h1>-<h3>).
    lines = [m for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    chosen = data.draw(st.lists(st.sampled_from(lines), max_size=4)) if lines else []
    hints = sorted({(m.start() + len(m.group()) - len(m.group().lstrip()), m.end()) for m in chosen})
    _check_coverage(text, include_front_matter, hints)


def test_a_numbered_line_also_marked_a_heading_is_one_heading() -> None:
    # "<h2>2.</h2>": numbered and hinted at once; it once made two sections of one line
    _check_coverage("1.\nThe.\n2.\nThe.\n", False, [(8, 10), (11, 15)])


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans())
def test_layout_never_raises_and_covers_any_string(text: str, include_front_matter: bool) -> None:
    _check_coverage(text, include_front_matter)


# ----------------------------------------------------------------------------------------------
# Small cases: (text, expected) with expected = (title, author, front labels,
#               [(chapter title, number, [paragraph texts], [skipped labels])])

CASES = {
    "heading forms": (
        "~ Chapter 1 ~\n\nA.\n\n**Chapter 2**\n\nB.\n\nCHAPTER VIII.\n\nC.\n\nChapter Twenty-Three: Home\n\nD.\n\n"
        "BOOK II\n\nE.\n\nVolume 3 - The End\n\nF.\n",
        (None, None, [], [
            ("Chapter 1", 1, ["A."], []), ("Chapter 2", 2, ["B."], []), ("Chapter VIII", 8, ["C."], []),
            ("Chapter Twenty-Three: Home", 23, ["D."], []), ("Book II", 2, ["E."], []),
            ("Volume 3: The End", 3, ["F."], []),
        ]),
    ),
    "prose that starts like a heading": (
        "Chapter one was the hardest to write.\n\nPart of me wanted to stop.\n\nBook two, she said, was easier.\n",
        (None, None, [], [("Chapter 1", 1, ["Chapter one was the hardest to write.", "Part of me wanted to stop.",
                                            "Book two, she said, was easier."], [])]),
    ),
    "one-line labels never take the next paragraph": (
        "Rated: T\n\nWarning: fluff\n\nThe kettle sang.\n",
        (None, None, ["rating", "notes"], [("Chapter 1", 1, ["The kettle sang."], [])]),
    ),
    "a bare Notes: line takes the paragraph under it": (
        "Notes:\n\nThanks to my beta.\n\nThe kettle sang.\n\nIt sang again.\n",
        (None, None, ["author's note"], [("Chapter 1", 1, ["The kettle sang.", "It sang again."], [])]),
    ),
    "prose starting with By is not a byline": (
        "Moonlight\n\nBy the river they waited\n\nThe moon rose.\n",
        ("Moonlight", None, ["title"], [("Moonlight", 1, ["By the river they waited", "The moon rose."], [])]),
    ),
    "a story line starting with Rated is story": (
        "Chapter 1\n\nRated the best baker in town, Horace never slept.\n",
        (None, None, [], [("Chapter 1", 1, ["Rated the best baker in town, Horace never slept."], [])]),
    ),
    "a Contents line in a story without chapters is story": (
        "Contents\n\nThe box held only dust.\n",
        ("Contents", None, ["title"], [("Contents", 1, ["The box held only dust."], [])]),
    ),
    "a shout under a bare heading is story": (
        "Chapter 5\n\nNO!\n\nShe ran.\n",
        (None, None, [], [("Chapter 5", 5, ["NO!", "She ran."], [])]),
    ),
    "author label and byline": (
        "Title: Moss\nAuthor: June Oak\n\nThe moss grew.\n",
        ("Moss", "June Oak", ["title", "byline"], [("Moss", 1, ["The moss grew."], [])]),
    ),
    "a note inside the story is story": (
        "Chapter 1\n\nShe found a card.\n\nNote: the key is under the mat.\n\nShe lifted the mat.\n",
        (None, None, [], [("Chapter 1", 1, ["She found a card.", "Note: the key is under the mat.",
                                            "She lifted the mat."], [])]),
    ),
    "leading note up to a scene break": (
        "Chapter 2\n\nA/N: Sorry for the wait!\n\nLife got busy.\n\n***\n\nThe rain stopped.\n\nA/N: Review!\n",
        (None, None, [], [("Chapter 2", 2, ["The rain stopped."], ["author's note", "author's note"])]),
    ),
    "a trailing note never swallows a long run of story": (
        "Chapter 3\n\nOne.\n\nA/N: quick note mid-chapter.\n\n" + "".join(f"Para {n}.\n\n" for n in range(10)),
        (None, None, [], [("Chapter 3", 3, ["One."] + [f"Para {n}." for n in range(10)], ["author's note"])]),
    ),
    "empty trailing heading": (
        "Chapter 1\n\nText.\n\nChapter 2\n",
        (None, None, [], [("Chapter 1", 1, ["Text."], ["empty heading"])]),
    ),
    "fan-fiction scene breaks": (
        "Chapter 4\n\nA.\n\n-x-x-x-\n\nB.\n\n(Line Break)\n\nC.\n\n~*~*~\n\nD.\n",
        (None, None, [], [("Chapter 4", 4, ["A.", "B.", "C.", "D."], [])]),
    ),
    "bare numbered headings": (
        "I. THE RED LAMP\n\nIt glowed.\n\nII. THE BLUE DOOR\n\nIt opened.\n\nIII\n\nIt closed.\n",
        (None, None, [], [("Chapter 1: The Red Lamp", 1, ["It glowed."], []),
                          ("Chapter 2: The Blue Door", 2, ["It opened."], []), ("Chapter 3", 3, ["It closed."], [])]),
    ),
    "a lone number is story": (
        "They counted down.\n\n3.\n\nNothing happened.\n",
        (None, None, [], [("Chapter 1", 1, ["They counted down.", "3.", "Nothing happened."], [])]),
    ),
    "per-line text with a title and an author": (
        "Moonlight\nby Ann Lee\nChapter 1\n" + "\n".join(f"Line {n} of the story, said plainly." for n in range(5)),
        ("Moonlight", "Ann Lee", ["title", "byline"],
         [("Chapter 1", 1, [f"Line {n} of the story, said plainly." for n in range(5)], [])]),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layout_cases(name: str) -> None:
    text, (title, author, front, chapters) = CASES[name]
    lay = layout(text)
    assert (lay.title, lay.author) == (title, author)
    assert [s.label for s in lay.front] == front
    got = [(ch.title, ch.number, _texts(text, ch.paragraphs), [s.label for s in ch.skipped]) for ch in lay.chapters]
    assert got == chapters


def test_scenes_are_numbered_per_chapter() -> None:
    text = "Chapter 1\n\nA.\n\n***\n\nB.\n\nChapter 2\n\n***\n\nC.\n\n* * *\n\n* * *\n\nD.\n"
    lay = layout(text)
    assert [[p.scene for p in ch.paragraphs] for ch in lay.chapters] == [[0, 1], [0, 1]]


def test_default_title_names_a_headless_text() -> None:
    assert layout("Just words.", default_title="ch07").chapters[0].title == "ch07"
    assert layout("Just words.").chapters[0].title == "Chapter 1"
