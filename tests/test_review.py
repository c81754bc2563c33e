"""`script --review`: the least certain lines, their context, and override snippets that really work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from audiobook.attribution.book import apply_overrides, read_book
from audiobook.attribution.review import (
    MIN_WORDS,
    format_item,
    format_review,
    opening_text,
    review_items,
    words,
)
from audiobook.cli import main
from audiobook.model import Book, Chapter, Character, Override, Segment
from audiobook.voices.config import load_config


def seg(kind: str, text: str, para: int, speaker: str | None = None, conf: float = 1.0, reason: str = "",
        at: list[int] = [0]) -> Segment:  # noqa: B006 - a running offset so every segment has its own span
    at[0] += len(text) + 1
    return Segment(kind, text, at[0] - len(text) - 1, at[0] - 1, speaker, para, 0, conf, reason)  # type: ignore[arg-type]


def book_of(*segments: Segment) -> Book:
    names = sorted({s.speaker for s in segments if s.speaker})
    return Book((Chapter("One", tuple(segments), tuple(Character(n, lines=1) for n in names)),), title="B")


def overrides_from(snippet: str, tmp_path: Path) -> tuple[Override, ...]:
    """The snippet pasted under `overrides:` in a real voices.yaml, read back by the real loader."""
    path = tmp_path / "voices.yaml"
    path.write_text("overrides:\n" + snippet + "\n", encoding="utf-8")
    return load_config(path).overrides


def test_lowest_confidence_first_and_limit() -> None:
    b = book_of(
        seg("narration", "Rain fell on the roofs of the town.", 0),
        seg("dialogue", "Where is the key to the cellar?", 1, "Ann", 0.9, "explicit"),
        seg("dialogue", "I have not seen it since Monday.", 2, "Ben", 0.3, "turn-taking"),
        seg("dialogue", "Then somebody must have taken it.", 3, "Ann", 0.5, "turn-taking"),
        seg("dialogue", "It was never mine to keep.", 4, None, 0.05, "unknown"),
        seg("dialogue", "This line was fixed by hand already.", 5, "Cy", 1.0, "override"),
    )
    items = review_items([b], limit=None)
    assert [it.line.text for it in items] == [
        "It was never mine to keep.", "I have not seen it since Monday.", "Then somebody must have taken it.",
        "Where is the key to the cellar?"]  # the override is not offered for review again
    assert [it.line.text for it in review_items([b], limit=2)] == [it.line.text for it in items[:2]]


def test_context_is_the_paragraph_before_the_line_and_its_narration() -> None:
    b = book_of(
        seg("narration", "The door opened.", 0),
        seg("dialogue", "Who goes there at this hour?", 1, "Ann", 0.9),
        seg("narration", "A lantern swung in the dark.", 2),
        seg("dialogue", "Only the night watchman, miss,", 3, "Ann", 0.2, "pronoun"),
        seg("narration", "he said, lifting it higher.", 3),
        seg("dialogue", "Nothing to fear from me.", 3, "Ann", 0.25, "continuation"),
        seg("narration", "She did not believe him.", 4),
    )
    (item,) = [it for it in review_items([b]) if it.line.paragraph == 3]
    assert item.line.text == "Only the night watchman, miss,"  # the least certain of the grouped lines
    assert [s.text for s in item.lines] == ["Only the night watchman, miss,", "Nothing to fear from me."]
    assert [s.text for s in item.before] == ["A lantern swung in the dark."]
    assert [s.text for s in item.after] == ["She did not believe him."]
    text = format_item(item, 1)
    assert "Ann, confidence 0.20 (pronoun)" in text
    assert "before: A lantern swung in the dark." in text
    assert ">>“Only the night watchman, miss,”<< he said, lifting it higher. >>“Nothing to fear from me.”<<" in text
    assert "after: She did not believe him." in text
    # Both lines of the paragraph move together when the user fixes the speaker.
    assert '- line: "Only the night watchman"' in text and '- line: "Nothing to fear from"' in text


def test_a_continuation_is_not_listed_twice() -> None:
    b = book_of(seg("dialogue", "One two three four five.", 0, "Ann", 0.4),
                seg("narration", "she said.", 0),
                seg("dialogue", "Six seven eight nine.", 0, "Ann", 0.3, "continuation"))
    assert len(review_items([b], limit=None)) == 1


def test_opening_grows_until_no_other_line_starts_the_same() -> None:
    b = book_of(
        seg("dialogue", "I don't know what you mean by that, sir.", 0, "Ann", 0.2),
        seg("dialogue", "I don't know what to say.", 1, "Ben", 0.9),
        seg("dialogue", "Yes.", 2, "Ann", 0.3),
        seg("dialogue", "Yes.", 3, "Ben", 0.9),
    )
    by_text = {it.line.text: it for it in review_items([b], limit=None)}
    first = by_text["I don't know what you mean by that, sir."]
    assert first.openings == ("I don't know what you",) and first.unique
    # A repeated line gets nth: (its place among the chapter's lines starting so) and picks only itself.
    ann, ben = (it for it in review_items([b], limit=None) if it.line.text == "Yes.")
    assert (ann.openings, ann.nths, ann.unique, ben.nths) == (("Yes",), (1,), True, (2,))
    assert "`nth:` picks this one" in format_item(ann, 1)
    assert ben.snippet("Cy") == '  - line: "Yes"\n    nth: 2\n    speaker: Cy'


@pytest.mark.parametrize("name", ["Ann", "Mr. O'Brien", "Yes", "No", "1984", "Anne-Marie", "Dr: Who", "#7",
                                  "Émile", "null", "Jean Luc"])
def test_snippet_is_valid_yaml_that_the_loader_reads_back(name: str, tmp_path: Path) -> None:
    b = book_of(seg("dialogue", 'He said "stop" \\ then: # left, quickly.', 0, "Ann", 0.1))
    (item,) = review_items([b])
    assert overrides_from(item.snippet(name), tmp_path) == (Override(item.openings[0], name),)


def test_snippet_suggests_the_speakers_nearby(tmp_path: Path) -> None:
    b = book_of(seg("dialogue", "Are you coming with us?", 0, "Ann", 0.9),
                seg("dialogue", "Not tonight, I think.", 1, "Ann", 0.3),
                seg("dialogue", "Suit yourself then.", 2, "Ben", 0.9))
    (item,) = [it for it in review_items([b]) if it.line.confidence == 0.3]
    assert item.nearby[0] == "Ben"
    assert "speaker: Ann  # or: Ben" in item.snippet()
    assert overrides_from(item.snippet(), tmp_path) == (Override("Not tonight, I think", "Ann"),)


def test_sample_snippets_fix_exactly_their_lines(tmp_path: Path) -> None:
    """Every suggested override, pasted into voices.yaml, changes its lines and no other line of the chapter."""
    book = read_book(SAMPLE)
    items = review_items([book], limit=None)
    assert items, "the sample has uncertain lines to review"
    assert [it.confidence for it in items] == sorted(it.confidence for it in items)
    segments = book.chapters[0].segments
    for item in items:
        assert item.unique
        wrong = "Zed"  # a speaker nobody has: every line it lands on is visible
        overrides = overrides_from(item.snippet(wrong), tmp_path)
        fixed = read_book(SAMPLE, overrides=overrides).chapters[0].segments
        changed = [a for a, b in zip(segments, fixed) if b.speaker == wrong]
        assert [(s.start, s.end) for s in changed] == [(s.start, s.end) for s in item.lines]
        assert all(b.reason == "override" for b in fixed if b.speaker == wrong)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["yes", "no", "I", "don't", "know", "Ann", "well"]), min_size=1,
                         max_size=7), min_size=1, max_size=8), st.data())
def test_unique_openings_pick_out_one_line(lines: list[list[str]], data: st.DataObject) -> None:
    segs = [seg("dialogue", " ".join(ws).capitalize() + ".", i, "Ann", 0.5) for i, ws in enumerate(lines)]
    b = book_of(*segs)
    for item in review_items([b], limit=None):
        opening = item.openings[0]
        mine = words(item.line.text)
        assert words(opening) == mine[:len(words(opening))]
        assert len(words(opening)) >= min(MIN_WORDS, len(mine))
        hit = [s for s in apply_overrides(segs, [Override(opening, "Zed", nth=item.nths[0])]) if s.speaker == "Zed"]
        assert item.unique  # one chapter: nth: always picks the line out
        assert [(s.start, s.end) for s in hit] == [(item.line.start, item.line.end)]


@pytest.mark.parametrize("text, n, expected", [
    ("“Well, I never!” she", 2, "Well, I"),
    ("'Tis the   season\nto be jolly", 3, "'Tis the season"),
    ("...and then?", 9, "and then"),
    ("!!!", 2, "!!!"),
])
def test_opening_text_keeps_the_lines_own_spelling(text: str, n: int, expected: str) -> None:
    assert opening_text(text, n) == expected


def test_nothing_to_review() -> None:
    b = book_of(seg("dialogue", "Fixed.", 0, "Ann", 1.0, "override"))
    assert review_items([b]) == []
    assert format_review([]).startswith("No dialogue lines to review")


def test_cli_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["script", "--review", "--limit", "2", str(SAMPLE)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1. Chapter One: The Last Ferry" in result.output and "\n2. " in result.output
    assert "\n3. " not in result.output
    assert "under `overrides:` in voices.yaml" in result.output
    first = review_items([read_book(SAMPLE)], limit=1)[0]
    assert first.snippet() in result.output
    # Pinning that line with an override takes it off the list.
    (tmp_path / "voices.yaml").write_text("overrides:\n" + first.snippet() + "\n", encoding="utf-8")
    again = runner.invoke(main, ["script", "--review", "--limit", "50", str(SAMPLE)], catch_exceptions=False)
    assert again.exit_code == 0
    assert first.snippet() not in again.output
    assert f"line: \"{first.openings[0]}\"" not in again.output


def test_an_unknown_speaker_gets_a_marked_guess(tmp_path: Path) -> None:
    b = book_of(seg("dialogue", "Is anybody there at all?", 0, "Ann", 0.9),
                seg("dialogue", "Only the wind, I think.", 1, None, 0.0, "unknown"))
    (item,) = [it for it in review_items([b]) if it.line.speaker is None]
    assert "(unknown speaker), confidence 0.00 (unknown)" in format_item(item, 1)
    assert item.snippet().endswith("speaker: Ann  # a guess: nobody is credited now")
    assert overrides_from(item.snippet(), tmp_path) == (Override("Only the wind, I", "Ann"),)


def test_long_context_is_shortened_for_the_terminal() -> None:
    long = " ".join(f"word{i}" for i in range(400))
    b = book_of(seg("narration", long, 0), seg("dialogue", "Short line here now.", 1, "Ann", 0.2),
                seg("narration", long, 2))
    text = format_item(review_items([b])[0], 1)
    assert len(text) < 1200 and text.count("…") >= 2
    assert "word399." not in text.split("before:")[0]
    assert "before: … " in text and "word399" in text.split(">>")[0]  # the end of the paragraph before is kept
