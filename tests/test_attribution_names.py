"""Pronoun, description and tag shapes resolved to the right person (issue 12), each pinned by a text written here."""

from __future__ import annotations

import re

import pytest

from audiobook.attribution.attribute import attribute
from audiobook.model import Paragraph


def speakers(text: str) -> list[str | None]:
    """Speakers of the dialogue segments in order."""
    paras = [Paragraph(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]
    segs, _ = attribute(text, paras)
    return [s.speaker for s in segs if s.kind == "dialogue"]


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param('Mr. Crabb waited at the gate. Then came Mr. Pell, the village grocer, with a basket.\n\n'
                 '"Good day to you, Mr. Crabb," said the grocer.\n\n'
                 '"And to you, Mr. Pell," said Mr. Crabb, tapping the grocer on the arm. Mr. Crabb grasped the '
                 'grocer by the hand.\n\n"Fine weather," said the grocer.',
                 ["Mr. Pell", "Mr. Crabb", "Mr. Pell"], id="apposition-names-the-role"),
    pytest.param('Mr. Crabb met the grocer, Mr. Pell, at the gate. Mr. Crabb took the grocer by the arm.\n\n'
                 '"Good day, Mr. Crabb," said the grocer.\n\n"Good day," said Mr. Crabb.',
                 ["Mr. Pell", "Mr. Crabb"], id="role-before-the-name"),
])
def test_descriptions_resolve_to_the_described(text: str, expected: list[str]) -> None:
    assert speakers(text) == expected
