"""Unnamed people the narration brings in ("A woman in a yellow raincoat stood up") speak as themselves."""

from __future__ import annotations

import pytest
from attrhelp import run

from audiobook.attribution.epithets import epithet
from audiobook.attribution.newcomers import newcomers

CASES = [
    pytest.param(
        'The rain had not stopped. Kaito pushed the door open.\n\n'
        'The landlord, a heavy man with a stained apron, looked up from the bar. "Not a bed left," he said. '
        '"Try the mill."\n\n'
        'Kaito sighed. "We walked six miles."\n\n'
        '"Then walk seven."\n\n'
        'Sakura slipped in behind him. "We can pay double."\n\n'
        'The landlord wiped a glass. "Double, you say?"\n\n'
        'Naoki came down the stairs. "Who is staying?"\n\n'
        '"Not you," said Sakura.',
        ["the landlord", "the landlord", "Kaito", "the landlord", "Sakura", "the landlord", "Naoki", "Sakura"],
        id="a-role-brought-in-by-apposition-takes-he-said-and-the-beats"),
    pytest.param(
        'Kaito and Sakura stood at the counter.\n\n'
        'A woman in a yellow raincoat stood up from the corner table. She was holding a clipboard. '
        '"They can have my room," she said.\n\n'
        'Kaito blinked. "Are you sure?"\n\n'
        '"Quite sure." She tucked the clipboard under her arm.\n\n'
        'Naoki came down the stairs. "Who is leaving?"\n\n'
        '"Me," said the woman.',
        ["the woman", "Kaito", "the woman", "Naoki", "the woman"],
        id="an-indefinite-newcomer-is-her-own-speaker-not-the-last-woman-named"),
    pytest.param(
        'I had not meant to stay. But Mara caught my sleeve at the gate.\n\n'
        '"You promised," she said.\n\n'
        'A girl with a broom was sweeping the steps. She leaned on her broom and watched us. '
        '"Are you two fighting again?"\n\n'
        '"No," I said.\n\n'
        '"Yes," said Mara.\n\n'
        'The girl grinned. "I will get the tea."',
        ["Mara", "the girl", "Narrator", "Mara", "the girl"],
        id="a-newcomer-beside-a-first-person-narrator"),
    pytest.param(
        'Sabine put down her cup. The waiter came over with the bill.\n\n'
        '"Anything else?" he asked.\n\n'
        '"No, thank you," said Sabine.\n\n'
        'Felix reached for his wallet. "I will pay."\n\n'
        'The waiter nodded and left.',
        ["the waiter", "Sabine", "Felix"],
        id="a-beat-by-a-named-character-never-tagged-beats-the-newcomer"),
    pytest.param(
        'Tamsin waited by the gate.\n\n'
        'A man came up the lane. It was Rolf, back from the market.\n\n'
        '"The cart lost a wheel," he said.\n\n'
        'The man sat on the wall.',
        ["Rolf"],
        id="a-newcomer-named-at-once-is-that-name"),
    pytest.param(
        '"Kaito is late again," said Sakura, following Naoki toward the stalls.\n\n'
        '"Naoki-kun!" A small girl with pigtails came running up to them. "You came!"\n\n'
        '"Hey, Mei." Naoki crouched down and ruffled her hair.\n\n'
        'A tall boy in a black hoodie pushed through the crowd. "Sorry! The train was late."\n\n'
        '"Kaito!" Sakura\'s face lit up.\n\n'
        'Kaito grinned and scratched the back of his neck.',
        ["Sakura", "Mei", "Mei", "Naoki", "Kaito", "Sakura"],
        id="a-newcomer-called-by-name-in-the-answer-is-that-name"),
    pytest.param(
        'Sakura and Mei sat by the stalls with Naoki.\n\n'
        '"More tea?" A waiter came up to them with a tray.\n\n'
        '"Thank you. Mei, do you want some?" asked Sakura.',
        ["the waiter", "Sakura"],
        id="a-name-already-in-the-scene-is-not-the-newcomer"),
    pytest.param(
        '"Why are we here so early?" Ewan asked.\n\n"Because we were told to," said Tamsin.\n\n'
        'A puff of smoke rose in the clearing. When it cleared, a tall man with silver hair stood there, reading.\n\n'
        '"Yo," he said.\n\n'
        '"You are late!" Tamsin and Ewan shouted.\n\n'
        '"I got lost." The man turned a page. "Anyway. Today is different."\n\n'
        'Ewan narrowed his eyes. "Different how?"\n\n'
        '"You will see." The silver-haired man smiled.',
        ["Ewan", "Tamsin", "the tall man", "Tamsin", "the tall man", "the tall man", "Ewan", "the tall man"],
        id="a-newcomer-after-an-opening-clause-takes-he-said-and-his-beats"),
]


@pytest.mark.parametrize(("text", "speakers"), CASES)
def test_newcomers_speak_as_themselves(text: str, speakers: list[str]) -> None:
    got, _ = run(text)
    assert got == speakers


def test_a_newcomer_is_cast_with_the_gender_its_description_gives() -> None:
    _, cast = run(CASES[0].values[0])
    assert cast["the landlord"].gender == "male"
    _, cast = run(CASES[1].values[0])
    assert cast["the woman"].gender == "female"
    assert cast["the woman"].gender_evidence == "described as the woman"


@pytest.mark.parametrize(("text", "phrases"), [
    ("A tall woman stood up. The woman smiled.", ["the tall woman", "the tall woman"]),
    ("The landlord, a heavy man, looked up.", ["the landlord"]),
    ("The girl laughed.", []),  # a plain word with "the" is most often someone already named
    ("He saw a woman in the crowd.", []),  # not a sentence's subject
    ("An old gentleman came down the platform.", ["the old gentleman"]),
])
def test_which_phrases_bring_someone_in(text: str, phrases: list[str]) -> None:
    found = newcomers(text, [(0, len(text))], lambda _pos: 0, frozenset())
    assert [n.phrase for n in found] == phrases


def test_a_role_the_book_gave_a_name_is_no_newcomer() -> None:
    text = "The landlord wiped a glass."
    assert newcomers(text, [(0, len(text))], lambda _pos: 0, frozenset({"landlord"})) == []


def test_a_newcomer_lasts_one_scene() -> None:
    text = "A woman stood up. The woman left. The woman came back."
    scene = lambda pos: 0 if pos < 30 else 1  # noqa: E731 - the second scene starts at "The woman came back"
    assert [n.start for n in newcomers(text, [(0, len(text))], scene, frozenset())] == [0, 18]


PRESENT_TENSE = [
    pytest.param(
        'Kaito drops his bag on the porch. "I am home!"\n\n'
        'Naoki looks up from his game. "You are late again."\n\n'
        '"Do not start." Kaito kicks off his shoes.\n\n'
        'Rufus leaps down from the roof, landing in a crouch. "We are leaving."\n\n'
        'Kaito rolls his eyes. "I just got here!"\n\n'
        'Rufus crosses his arms. "Three minutes."',
        ["Kaito", "Naoki", "Kaito", "Rufus", "Kaito", "Rufus"],
        id="beats-in-the-present-tense-by-never-tagged-characters"),
    pytest.param(
        'Sakura-chan waved from the gate.\n\n'
        '"Tamsin!" Sakura shouted.\n\n'
        'Kaito-kun smiles sheepishly behind her. "Not so loud, Sakura-chan."\n\n'
        '"Sorry," Sakura said.',
        ["Sakura", "Kaito", "Sakura"],
        id="a-japanese-honorific-after-a-name-is-no-part-of-it"),
    pytest.param(
        'Mara dropped her bag on the porch. "I am home!"\n\n'
        'Ewan looked up from his game. "You are late again."\n\n'
        '"Do not start." She kicked off her shoes. "Where is Mom?"\n\n'
        '"Shopping," he said.\n\n'
        'Edda came in from the gate. "Mara! Bram has been looking everywhere for you."\n\n'
        'Bram smiled sheepishly behind her. "Not everywhere, Edda."\n\n'
        '"Everywhere," Edda said.',
        ["Mara", "Ewan", "Mara", "Mara", "Ewan", "Edda", "Bram", "Edda"],
        id="names-no-lexicon-knows-get-their-gender-from-their-own-his-and-her"),
]


@pytest.mark.parametrize(("text", "speakers"), PRESENT_TENSE)
def test_fan_fiction_beats(text: str, speakers: list[str]) -> None:
    got, cast = run(text)
    assert got == speakers
    assert not any("-" in name for name in cast)  # "Kaito-kun" is cast as Kaito


EPITHETS = [
    pytest.param(
        'Naoki slammed his locker shut. Sakura was already waiting by the stairs, arms folded.\n\n'
        '"You are late," the blonde said.\n\n'
        '"I know, I know." The taller boy ran a hand through his hair. "Coach kept us."\n\n'
        '"Coach always keeps you." She pushed off the wall.',
        ["Sakura", "Naoki", "Naoki", "Sakura"],
        id="the-blonde-and-the-taller-boy-are-the-two-present"),
    pytest.param(
        'Rufus and Felix waited at the gate.\n\n"Is she coming?" said the blonde.\n\n"No," said Felix.',
        ["the blonde", "Felix"],
        id="an-epithet-nobody-present-fits-is-its-own-speaker"),
]


@pytest.mark.parametrize(("text", "speakers"), EPITHETS)
def test_epithets_name_someone_present(text: str, speakers: list[str]) -> None:
    got, _ = run(text)
    assert got == speakers


@pytest.mark.parametrize(("words", "expected"), [
    ("the blonde", (True, "female")),
    ("the redhead", (True, None)),
    ("the older boy", (True, "male")),
    ("the raven-haired girl", (True, "female")),
    ("the taller boy ran", (True, "male")),  # a verb the subject pattern took along
    ("the old man", (False, None)),  # a description, not an epithet
    ("the boy", (False, None)),
    ("a blonde", (False, None)),  # someone new
])
def test_which_descriptions_are_epithets(words: str, expected: tuple[bool, str | None]) -> None:
    assert epithet(words.split()) == expected
