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


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param('Mr. Hallam came in at noon. "Good day, Doctor Hallam," said Rose. Mr. Hallam bowed.\n\n'
                 'Tom followed him and sat down. Tom was tired.\n\n'
                 '"You look well," said the doctor.\n\n"I am," said Rose.',
                 ["Rose", "Mr. Hallam", "Rose"], id="the-doctor-is-the-one-called-doctor"),
    pytest.param('Mrs. Tarrant and Mr. Tarrant sat with Ella. Jack stood by the window.\n\n'
                 '"It is far too hot," Mrs. Tarrant cried. Jack laughed, and Jack opened the window.\n\n'
                 '"Do sit quietly," murmured her husband.',
                 ["Mrs. Tarrant", "Mr. Tarrant"], id="her-husband-through-the-family-name"),
    pytest.param('Bill sat by the fire. Nell came in, and the girl shut the door. Nell was pale.\n\n'
                 'The girl sat down. Mary was knitting; the girl watched her. Mary smiled at the girl.\n\n'
                 '"What is it, Nell?" said Bill.\n\n"Nothing," replied the girl.\n\n'
                 '"Nothing? Tell me, Nell," said Bill.\n\n"I am only tired," replied the girl.\n\n'
                 '"Sit down, then," said Bill.',
                 ["Bill", "Nell", "Bill", "Nell", "Bill"], id="the-described-one-answers-to-her-name"),
    pytest.param('Otto sat by the fire. Otto was cold, and Otto was hungry. Otto looked up at the door. '
                 'Otto waited.\n\nOtto heard steps. Otto stood up. Mr. Gribble came in.\n\n'
                 '"Is this the boy?" said the old gentleman.\n\n"Yes, sir," said Otto.',
                 ["the old gentleman", "Otto"], id="the-old-gentleman-is-not-the-chapter-s-central-boy"),
    pytest.param('The girl walked down the lane. The girl was tired. A dog barked at the girl, and the girl ran. '
                 'Tom sat by the fire.\n\nThere was a knock at the door. It was Nell. She was pale, and Nell shut '
                 'the door behind her.\n\n"Put down the light," said the girl.\n\n"Why?" said Tom.',
                 ["Nell", "Tom"], id="the-girl-just-named"),
])
def test_descriptions_resolve_through_the_cast(text: str, expected: list[str]) -> None:
    assert speakers(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param('Rolf and Rhoda were at home with Bea.\n\nRolf came at last into the parlour where she and '
                 'Rhoda were sewing, and said, "Here I am, both of you."', ["Rolf"],
                 id="a-pair-in-a-clause-is-not-the-speaker"),
    pytest.param('Greta and Rolf were at home.\n\nGreta and Rolf sat down, and Rolf said, "Well."', ["Rolf"],
                 id="the-one-who-speaks-after-the-pair"),
    pytest.param('Anna and Odile were at home.\n\nI watched the clouds and said nothing, while Odile '
                 'declared, "It will pass soon."', ["Odile"], id="the-clause-nearest-the-speech"),
])
def test_tag_shapes(text: str, expected: list[str]) -> None:
    assert speakers(text) == expected


@pytest.mark.parametrize(("tag", "name"), [
    ("said the porter with great violence", "the porter"),  # how he said it, not who
    ("said the porter with a smile", "the porter"),
    ("said the porter aloud", "the porter"),
    ("said the porter somewhat stiffly", "the porter"),
    ("said the porter whose cart it was", "the porter"),
    ("said the porter with the lantern", "the porter with the lantern"),  # which porter: kept
])
def test_a_description_speaker_is_named_without_how_he_spoke(tag: str, name: str) -> None:
    assert speakers(f'Hollis waited by the gate.\n\n"Move along," {tag}.') == [name]


@pytest.mark.parametrize("text", [
    'Hollis knocked twice. A voice asked who was there. To this he said, "A friend." The heavy hinges began to '
    'move.\n\n"Come in," said Pell.',
    '"Out of the way!" cried the villagers.\n\n"Come in," said Pell.',
    '"Read this," said the following.\n\n"Come in," said Pell.',
])
def test_things_and_crowds_are_never_cast(text: str) -> None:
    paras = [Paragraph(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?![ \t]*\n))*", text)]
    _, cast = attribute(text, paras)
    assert {c.name for c in cast} <= {"Hollis", "Pell", "Narrator"}


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param('Anna and Peter sat in the garden.\n\n"Hello," said Anna.\n\n"Hi," said Peter. He looked at the '
                 'gate, where Mary stood. Mary waved at him. Mary laughed.\n\n"What a lovely day," she said.',
                 ["Anna", "Peter", "Anna"], id="she-of-a-man-and-a-woman-talking-is-the-woman"),
])
def test_pronoun_in_a_two_person_exchange(text: str, expected: list[str]) -> None:
    assert speakers(text) == expected
