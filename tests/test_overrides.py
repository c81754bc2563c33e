"""Overrides that pick exactly one line: nth:, chapter:, context:, and reports of overrides that miss or hit several."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from audiobook.attribution.book import read_book
from audiobook.attribution.review import review_items
from audiobook.cli import main
from audiobook.errors import ConfigError
from audiobook.model import Override
from audiobook.voices.config import load_config

TWO_CHAPTERS = """\
Chapter 1: The Bridge

"Stop right there," Anna said.

"Stop right there," Ben said, laughing at her.

The wind rose over the water.

"Stop right there," Anna said again, and this time she meant it.

Chapter 2: The Mill

"Stop right there," Ben said.
"""


def write(tmp_path: Path, voices: str, text: str = TWO_CHAPTERS) -> tuple[Path, Path]:
    book = tmp_path / "book.txt"
    book.write_text(text, encoding="utf-8")
    path = tmp_path / "voices.yaml"
    path.write_text(voices, encoding="utf-8")
    return book, path


def speakers(book: Path, voices: Path) -> list[list[str | None]]:
    parsed = read_book(book, overrides=load_config(voices).overrides)
    return [[s.speaker for s in ch.segments if s.kind == "dialogue"] for ch in parsed.chapters]


def test_user_chapter_only_the_second_repeat_is_reassigned(user_chapter: Path, tmp_path: Path) -> None:
    """The user's chapter opens two lines with "It's not your fault": nth: 2 moves the second and only it."""
    before = read_book(user_chapter).chapters[0].segments
    hits = [i for i, s in enumerate(before) if s.kind == "dialogue" and s.text.startswith("It's not your fault")]
    assert len(hits) == 2
    voices = tmp_path / "voices.yaml"
    voices.write_text('# my fixes\noverrides:\n  - line: "It\'s not your fault"\n    nth: 2\n'
                      '    speaker: Mrs. Higurashi\n', encoding="utf-8")
    book = read_book(user_chapter, overrides=load_config(voices).overrides)
    after = book.chapters[0].segments
    assert after[hits[0]].speaker == before[hits[0]].speaker != "Mrs. Higurashi"  # the first keeps its speaker
    assert after[hits[1]].speaker == "Mrs. Higurashi" and after[hits[1]].reason == "override"
    assert [a for a, b in zip(after, before) if a != b] == [after[hits[1]]]  # nothing else moved
    assert book.override_issues == ()


def test_user_chapter_review_snippet_uses_nth(user_chapter: Path, tmp_path: Path) -> None:
    """`script --review` prints the repeated opening with nth:, and pasting it picks out exactly that line."""
    book = read_book(user_chapter)
    items = [it for it in review_items([book], limit=None) if it.nths and any(n is not None for n in it.nths)]
    assert items, "the chapter's two lines starting \"It's not your fault\" need nth:"
    for item in items:
        snippet = item.snippet("Zed")
        assert "\n    nth: " in snippet
        (tmp_path / "voices.yaml").write_text("overrides:\n" + snippet + "\n", encoding="utf-8")
        fixed = read_book(user_chapter, overrides=load_config(tmp_path / "voices.yaml").overrides)
        moved = [s for s in fixed.chapters[0].segments if s.speaker == "Zed"]
        assert [(s.start, s.end) for s in moved] == [(s.start, s.end) for s in item.lines]


@pytest.mark.parametrize(("entry", "expected"), [
    ("", [["Anna", "Ben", "Anna"], ["Ben"]]),
    ('  - line: "Stop right there"\n    speaker: Zed\n', [["Zed", "Zed", "Zed"], ["Zed"]]),  # the old form: all
    ('  - line: "Stop right there"\n    nth: 2\n    speaker: Zed\n', [["Anna", "Zed", "Anna"], ["Ben"]]),
    ('  - line: "stop, right THERE!"\n    nth: 1\n    chapter: 2\n    speaker: Zed\n', [["Anna", "Ben", "Anna"],
                                                                                        ["Zed"]]),
    ('  - line: "Stop right there"\n    nth: 1\n    chapter: the mill\n    speaker: Zed\n',
     [["Anna", "Ben", "Anna"], ["Zed"]]),
    ('  - line: "Stop right there"\n    chapter: Bridge\n    context: this time she meant\n    speaker: Zed\n',
     [["Anna", "Ben", "Zed"], ["Ben"]]),
    ('  - line: "Stop right there"\n    context: the wind rose\n    speaker: Zed\n',  # a neighbouring paragraph
     [["Anna", "Zed", "Zed"], ["Ben"]]),
])
def test_nth_chapter_and_context_pick_lines(tmp_path: Path, entry: str, expected: list[list[str]]) -> None:
    book, voices = write(tmp_path, "overrides:\n" + entry if entry else "")
    assert speakers(book, voices) == expected


def test_an_edit_elsewhere_leaves_a_context_override_on_its_line(tmp_path: Path) -> None:
    """context: keeps the override on its line when a new line starting the same way is written before it."""
    entry = '  - line: "Stop right there"\n    context: this time she meant it\n    speaker: Zed\n'
    edited = TWO_CHAPTERS.replace('The wind rose', '"Stop right there," Cy said.\n\nThe wind rose')
    book, voices = write(tmp_path, "overrides:\n" + entry, edited)
    assert speakers(book, voices) == [["Anna", "Ben", "Cy", "Zed"], ["Ben"]]


@pytest.mark.parametrize(("entry", "message"), [
    ('  - line: "Stop right there"\n    nth: 4\n    speaker: Zed\n',
     'Check: voices.yaml, line 3: overrides[1]: line "Stop right there", nth: 4 matches no line: '
     'nothing was given to Zed'),
    ('  - line: "Halt"\n    speaker: Zed\n',
     'Check: voices.yaml, line 3: overrides[1]: line "Halt" matches no line: nothing was given to Zed'),
    ('  - line: "Stop right there"\n    chapter: 7\n    speaker: Zed\n',
     'Check: voices.yaml, line 3: overrides[1]: line "Stop right there", chapter: 7 matches no line: '
     'nothing was given to Zed'),
    ('  - line: "Stop right there"\n    speaker: Zed\n',
     'Check: voices.yaml, line 3: overrides[1]: line "Stop right there" matches 4 lines, all given to Zed: '
     'add nth: (1-4), chapter: or context: to pick one'),
    ('  - line: "Stop right there"\n    nth: 1\n    speaker: Zed\n',
     'Check: voices.yaml, line 3: overrides[1]: line "Stop right there", nth: 1 matches 2 lines, all given to Zed: '
     'add chapter: or context: to pick one'),
])
@pytest.mark.parametrize("command", [["script"], ["script", "--format", "json"], ["script", "--review"]])
def test_script_reports_overrides_that_miss_or_hit_several(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           entry: str, message: str, command: list[str]) -> None:
    # overrides[0] is fine (one line); the second entry is the one reported.
    book, _ = write(tmp_path, 'overrides:\n  - {line: "Stop right there", chapter: 2, speaker: Ann}\n' + entry)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, [*command, str(book)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    checks = [ln for ln in result.stderr.splitlines() if ln.startswith("Check: voices.yaml")]
    assert checks == [message]
    if "json" in command:
        assert result.stdout.startswith("[") and result.stdout.rstrip().endswith("]")  # stdout stays JSON


@pytest.mark.parametrize(("entry", "message"), [
    ("    nth: 0\n", "voices.yaml, line 4: overrides[0].nth: expected a whole number from 1 up, got 0"),
    ("    nth: two\n", "voices.yaml, line 4: overrides[0].nth: expected a whole number from 1 up, got 'two'"),
    ("    nth: true\n", "voices.yaml, line 4: overrides[0].nth: expected a whole number from 1 up, got True"),
    ("    chapter: [1, 2]\n",
     "voices.yaml, line 4: overrides[0].chapter: expected a chapter number or words of its title, got [1, 2]"),
    ("    chapter: -1\n",
     "voices.yaml, line 4: overrides[0].chapter: expected a chapter number or words of its title, got -1"),
    ('    chapter: " "\n',
     "voices.yaml, line 4: overrides[0].chapter: expected a chapter number or words of its title, got ' '"),
    ("    context: 3\n", "voices.yaml, line 4: overrides[0].context: expected words found near the line, got 3"),
    ("    after: she said\n", "voices.yaml, line 4: overrides[0].after: unknown key "
                              "(expected one of: line, speaker, nth, chapter, context)"),
])
def test_bad_override_keys_name_file_line_and_key(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text('overrides:\n  - line: "Stop right there"\n    speaker: Zed\n' + entry, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == message


def test_the_new_keys_load(tmp_path: Path) -> None:
    path = tmp_path / "voices.yaml"
    path.write_text('overrides:\n  - line: "Stop"\n    speaker: Zed\n  - line: "Go"\n    nth: 2\n    chapter: 3\n'
                    '    context: she meant it\n    speaker: Ann\n', encoding="utf-8")
    assert load_config(path).overrides == (Override("Stop", "Zed"), Override("Go", "Ann", 2, 3, "she meant it"))


def test_render_reports_an_override_that_matches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book, voices = write(tmp_path, 'overrides:\n  - line: "Halt"\n    speaker: Zed\n',
                         'Chapter 1\n\n"Stop right there," Anna said.\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["render", "-q", "-j", "1", "--voices", str(voices), "-o", "out", str(book)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert 'Check: voices.yaml, line 2: overrides[0]: line "Halt" matches no line: nothing was given to Zed' \
        in result.stderr.splitlines()
