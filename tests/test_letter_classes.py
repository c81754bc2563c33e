"""The letter classes the name and tag patterns are built from are exactly their Unicode categories."""

from __future__ import annotations

import re
import unicodedata

import pytest

from audiobook.attribution import names

_UPPER = {"Lu", "Lt"}
_LOWER = {"Ll", "Lm", "Mn", "Mc", "Lo"}
# beyond the BMP the classes take nothing (as the category scan they replace did): a few samples of it
_BEYOND = [0x10000, 0x1D400, 0x1D41A, 0x20000, 0x2A6DF, 0x10FFFF]
_POINTS = [*range(0x10000), *_BEYOND]
_ALL = "".join(map(chr, _POINTS))  # every class is one character wide: one scan finds every member


def _members(rx: str) -> set[int]:
    return {_POINTS[m.start()] for m in re.finditer(rx, _ALL)}


def _expected(categories: set[str], extra: str = "") -> set[int]:
    return {cp for cp in range(0x10000) if unicodedata.category(chr(cp)) in categories or chr(cp) in extra}


@pytest.mark.parametrize(("name", "categories", "extra"), [
    ("LOWER", _LOWER, ""),
    ("LOWER_HYPHEN", _LOWER, "-"),
    ("LOWER_APOS_HYPHEN", _LOWER, "'\u2019-"),
    ("LETTER", _UPPER | _LOWER, ""),
    ("LETTER_APOS_HYPHEN", _UPPER | _LOWER, "'\u2019-"),
    ("CASELESS", {"Lo"}, ""),
])
def test_letter_class_is_its_categories(name: str, categories: set[str], extra: str) -> None:
    assert sorted(map(hex, _members(getattr(names, name)) ^ _expected(categories, extra))) == []


def test_upper_class_is_capitals() -> None:
    assert sorted(map(hex, _members(f"[{names.UPPER}]") ^ _expected(_UPPER))) == []


@pytest.mark.parametrize("word", ["Łukasz", "Ōtomo", "李", "O'Brien", "Grant-Lowther", "Zoë", "Ренат", "Ame\u0301lie"])
def test_name_word_reads_names_of_any_script_whole(word: str) -> None:
    assert re.fullmatch(names.NAME_WORD, word)
